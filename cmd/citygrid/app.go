package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"path"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/citygrid/citygrid/api"
	"github.com/citygrid/citygrid/auth"
	"github.com/citygrid/citygrid/basemap"
	"github.com/citygrid/citygrid/briefing"
	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/feed"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/hub"
	"github.com/citygrid/citygrid/internal/connlimit"
	"github.com/citygrid/citygrid/internal/localredis"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/recent"
	"github.com/citygrid/citygrid/replay"
	"github.com/citygrid/citygrid/safety"
	"github.com/citygrid/citygrid/sim"
	"github.com/citygrid/citygrid/stream"
	"github.com/citygrid/citygrid/tiles"
	"github.com/paulmach/orb"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

// app is one running server: its Redis, the loop of folds and their
// services, the hub, and the HTTP API.
type app struct {
	cfg      Config
	profile  *geo.Profile
	rdb      *redis.Client
	wdb      *redis.Client        // changes: no blind retries (see connectRedis)
	embedded *miniredis.Miniredis // the in-memory server of -redis memory
	local    *localredis.Server   // the private redis-server of an empty -redis
	tailer   *stream.Tailer
	loop     *live.Loop
	recent   *recent.Index // the loop's index of each cell's newest incidents
	ops      *ops.Service
	cases    *cases.Service
	safety   *safety.Service
	hours    *briefing.Hours   // the briefing's archive of hours, a fold of the loop
	hourDB   *stream.HourStore // where KeepHours writes it
	hub      *hub.Hub
	epoch    *stream.Epoch // notices a Redis that lost its data
	// regionSync applies the uploaded region levels kept in Redis.
	regionSync *regionSync
	catalog    *cases.Catalogue
	creds      *auth.Store // nil when open
	simKey     string      // the built-in simulator's key, when credentials are on
	api        *api.API
	listener   net.Listener
	// regionsErr gets the outcome of generating the regions, which goes on
	// in the background while the live state is rebuilt.
	regionsErr <-chan error
}

// newApp builds the server and binds its listener, so the caller knows the
// address (even for -addr 127.0.0.1:0) before Run.
func newApp(ctx context.Context, cfg Config) (_ *app, err error) {
	a := &app{cfg: cfg}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	now := cfg.now
	if now == nil {
		now = time.Now
	}
	if a.profile, err = geo.LoadProfile(profiles.FS, cfg.Profile); err != nil {
		return nil, fmt.Errorf("profile %q: %w", cfg.Profile, err)
	}
	// Generating the lower levels takes seconds; the rebuild from the
	// streams needs no regions, so the two go on side by side and whatever
	// needs regions waits for them (RegionStore.Load).
	regions, regionsErr := geo.GenerateRegionStore(profiles.FS, a.profile)
	a.regionsErr = regionsErr
	if err := a.loadCredentials(); err != nil {
		return nil, err
	}
	if err := a.connectRedis(ctx); err != nil {
		return nil, err
	}
	rules, err := ops.LoadRules(cfg.Rules, profileRules(cfg.Profile))
	if err != nil {
		return nil, err
	}
	layout := stream.Layout{Prefix: cfg.Prefix, ShardRes: cfg.ShardRes, Retention: cfg.Retention}

	// The live state: one loop, its folds, and what serves them.
	// The anomaly rules' history is read from the incidents' streams too, as
	// far back as they keep it.
	history := now().Add(-min(rules.History(), cfg.Retention))
	board := ops.NewBoard(ops.Config{Rules: rules, History: history,
		Locate: func(p orb.Point, c geo.Cell) geo.RegionCodes { return regions.Load().AssignAt(p, c) }})
	catalogue, err := cases.LoadCatalogue(profiles.FS, cfg.Profile)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", cfg.Profile, err)
	}
	if !catalogue.Calendar.Covers(now()) {
		log.Printf("WARNING: profile %s: the working-time calendar has no holiday schedule for %d: case deadlines count weekends only; add calendar/%d.json", cfg.Profile, now().Year(), now().Year())
	}
	a.catalog = catalogue
	book := cases.NewBook(catalogue)
	a.recent = recent.NewIndex(geo.LongestWindow(), 0)
	safetyCfg, err := safety.Load(profiles.FS, cfg.Profile)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", cfg.Profile, err)
	}
	// The safety index reads the incidents as far back as the streams keep
	// them; older days come from its store.
	incidentsSince := now().Add(-cfg.Retention)
	safetyFold := safety.NewFold(safety.FoldConfig{Config: safetyCfg, Since: incidentsSince,
		Regions: func() *geo.Regions {
			if !regions.Loaded() {
				return nil
			}
			return regions.Load()
		}})
	// The briefing's archive of hours: the comparisons older than the streams.
	a.hours = briefing.NewHours(briefing.HoursConfig{Since: incidentsSince, Keep: cfg.Retention})
	a.hourDB = stream.NewHourStore(a.wdb, layout)
	a.loop = live.NewLoop(live.Config{Tick: cfg.Tick, Now: now}, heat.NewState(now()), board, book, a.recent, safetyFold, a.hours)
	a.safety = safety.NewService(safety.ServiceConfig{Loop: a.loop, Fold: safetyFold,
		Store: stream.NewSafetyStore(a.wdb, layout), Logf: log.Printf})
	a.tailer = stream.NewTailer(a.rdb, stream.TailerConfig{
		Layout:         layout,
		Shards:         layout.Shards(a.profile),
		Since:          now().Add(-geo.LongestWindow() - 10*time.Minute),
		IncidentsSince: incidentsSince,
		Commands:       true,
		Logf:           log.Printf,
	})
	a.ops = ops.NewService(ops.ServiceConfig{Loop: a.loop, Board: board, Store: stream.NewCommander(a.wdb, layout),
		RulesFile: cfg.Rules, Logf: log.Printf})
	a.cases = cases.NewService(cases.ServiceConfig{Loop: a.loop, Book: book, Store: stream.NewCaseStore(a.wdb, layout), Now: now,
		Place: func(p orb.Point) (geo.RegionCodes, bool) {
			if !a.profile.Contains(p) {
				return geo.RegionCodes{}, false
			}
			return regions.Load().AssignAt(p, geo.CellOf(p, geo.FineRes)), true
		},
		CityCode: func() string { return regions.Load().CityCode() },
		RegionExists: func(lv geo.Level, code string) bool {
			return regions.Load().Layer(lv).Division(code) != nil
		},
	})
	// A replay reads the streams' history itself, never the live state.
	past := stream.NewHistory(a.rdb, layout, layout.Shards(a.profile))
	replays := replay.New(replay.Config{Max: cfg.Replays, Tick: cfg.Tick, Now: now,
		Open:   func(from, to time.Time) replay.Cursor { return past.Open(from, to) },
		Layers: []string{ops.LayerAlerts, ops.LayerDispatches, cases.LayerCases},
		Folds: func(ctx context.Context, start time.Time) ([]live.Fold, error) {
			return replayFolds(ctx, rules, catalogue, stream.NewCaseStore(a.rdb, layout), start)
		}})
	a.hub = hub.New(ctx, hub.Config{Loop: a.loop, Regions: regions.Load, Logf: log.Printf,
		Origins: splitList(cfg.Origins), Authorize: api.AuthorizeMessage, Replays: replays})

	audit := stream.NewAudit(a.rdb, layout)
	audit.Logf = log.Printf
	a.epoch = stream.NewEpoch(a.rdb, layout)
	a.regionSync = &regionSync{layers: stream.NewRegionLayers(a.wdb, layout), regions: regions}
	// The base map: the -basemap archive, else the profile's tile server, else none.
	baseSource, baseArchive := basemap.Source{Kind: "none"}, http.Handler(nil)
	switch {
	case cfg.Basemap != "":
		arch, err := basemap.Open(cfg.Basemap)
		if err != nil {
			return nil, fmt.Errorf("-basemap: %w", err)
		}
		baseSource, baseArchive = basemap.Source{Kind: "pmtiles", URL: basemap.ArchivePath}, arch
		log.Printf("basemap: serving %s (%d MB) at %s", cfg.Basemap, arch.Size()>>20, basemap.ArchivePath)
	case a.profile.Basemap != "":
		baseSource = basemap.Source{Kind: "tiles", URL: a.profile.Basemap}
	}
	a.api = api.New(api.Config{
		Loop: a.loop, Ops: a.ops, Cases: a.cases, Hub: a.hub, Regions: regions, Layers: a.regionSync,
		Tiles:   tiles.New(tiles.Config{Regions: regions.Load, Bound: a.profile.Bound}),
		Basemap: baseSource, BasemapArchive: baseArchive,
		Decoder: &feed.Decoder{Profile: a.profile, Now: now, Regions: regions.Load, Limits: feed.Limits{MaxItems: cfg.MaxItems, MaxAge: cfg.Retention}},
		Writer:  stream.NewWriter(a.wdb, layout, now), Reader: stream.NewReader(a.rdb, layout), Recent: a.recent, Safety: a.safety,
		Briefing: briefing.New(briefing.Config{Streams: stream.NewReader(a.rdb, layout), Shards: layout.Shards(a.profile),
			Retention: cfg.Retention, Zone: safetyCfg.Location(), Now: now,
			ArriveRings: func() int { return rules.Dispatch.ArriveRings },
			Place:       func(c geo.Cell) (string, string) { return api.PlaceName(regions.Load(), c) },
			District:    func(c geo.Cell) string { return regions.Load().AssignAt(c.Center(), c).District },
			Archive:     stream.NewHourStore(a.rdb, layout)}),
		Audit: audit, Sessions: auth.NewSessions(a.rdb, layout.Prefix, now),
		Credentials: a.creds, SimulatorKey: a.simKey, TLS: cfg.TLSCert != "",
		HistoryLost: a.epoch.Lost,
		MaxBody:     cfg.MaxBody, RateLimit: cfg.RateLimit, WSPerIP: cfg.WSPerIP, Now: now, Logf: log.Printf,
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	a.listener = connlimit.New(ln, maxConns(cfg.MaxConns), cfg.MaxConnsIP)
	return a, nil
}

// profileRules is the profile's rules.json, or nil when it has none.
func profileRules(profile string) []byte {
	b, err := fs.ReadFile(profiles.FS, path.Join(profile, "rules.json"))
	if err != nil {
		return nil
	}
	return b
}

// loadCredentials reads the credentials, if any, and refuses to serve a
// non-loopback address without them.
func (a *app) loadCredentials() (err error) {
	switch {
	case a.cfg.Auth != "":
		a.creds, err = auth.Load(a.cfg.Auth)
	case a.cfg.AuthJSON != "":
		a.creds, err = auth.Parse([]byte(a.cfg.AuthJSON))
	}
	if err != nil {
		return err
	}
	if a.creds == nil {
		if !loopback(a.cfg.Addr) {
			return fmt.Errorf("%w %s: create credentials (citygrid users add -auth auth.json -role admin NAME; citygrid keys add -auth auth.json -role feed ID) and start with -auth auth.json, or listen on 127.0.0.1", errOpenNonLoopback, a.cfg.Addr)
		}
		log.Printf("WARNING: no credentials (-auth): citygrid is OPEN, anyone who can reach %s may read, post and change everything; fine on a developer's machine, never in a command center", a.cfg.Addr)
		return nil
	}
	if a.creds.Empty() {
		return fmt.Errorf("-auth: %s holds no usable key or user; add one with 'citygrid users add' or 'citygrid keys add'", a.cfg.Auth)
	}
	if a.cfg.Simulate {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		a.simKey = "cgsim_" + base64.RawURLEncoding.EncodeToString(secret)
	}
	return nil
}

var errOpenNonLoopback = errors.New("refusing to serve without credentials on a non-loopback address")

func (a *app) connectRedis(ctx context.Context) error {
	url := a.cfg.Redis
	if url == "" {
		dir := a.cfg.Data
		if dir == "" {
			dir = localredis.DefaultDir()
		}
		s, err := localredis.Start(ctx, dir)
		switch {
		case errors.Is(err, localredis.ErrNotInstalled):
			log.Printf("redis: no -redis given and redis-server is not installed: falling back to the embedded server, which keeps nothing across a restart (apt-get install redis-server, or give -redis)")
			url = "memory"
		case err != nil:
			return fmt.Errorf("redis: the private redis-server: %w", err)
		default:
			a.local = s
			url = s.URL
			log.Printf("redis: no -redis given: running a private redis-server on loopback with its data in %s (append-only file, written every second): a restart keeps every event, alert, dispatch and case; -redis memory keeps nothing", dir)
		}
	}
	if url == "memory" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return fmt.Errorf("embedded redis: %w", err)
		}
		a.embedded = m
		url = "redis://" + m.Addr()
		log.Printf("redis: running an embedded Redis-protocol server on %s; it keeps data in memory only, so a restart loses every event (leave -redis empty with redis-server installed, or give -redis redis://host:6379, to keep them)", m.Addr())
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("-redis: %w", err)
	}
	// Fail fast when Redis is down: a feed gets its 503 in about a second and retries.
	opts.DialTimeout = time.Second
	opts.ReadTimeout = 3 * time.Second
	opts.WriteTimeout = 3 * time.Second
	opts.MaxRetries = 1
	a.rdb = redis.NewClient(opts)
	// Changes (ingest, commands, cases) are never retried blindly: a call
	// that timed out may still run, and its retry would find its own
	// effects (events reported as duplicates that were never sent before, a
	// case "changed meanwhile" by the same change). They fail instead, and
	// the caller's retry is answered truly.
	once := *opts
	once.MaxRetries = -1
	a.wdb = redis.NewClient(&once)
	if a.cfg.redisHook != nil {
		a.rdb.AddHook(a.cfg.redisHook)
		a.wdb.AddHook(a.cfg.redisHook)
	}
	return nil
}

// simCaseKinds are the catalogue's subcategories and channels, for the
// simulator to open cases of (emergencies aside: they are rare).
func simCaseKinds(cat *cases.Catalogue) (kinds []sim.CaseKind, channels []string) {
	for _, c := range cat.Categories {
		for _, s := range c.Subcategories {
			if !s.Emergency {
				kinds = append(kinds, sim.CaseKind{Code: s.Code, Limit: s.Limit()})
			}
		}
	}
	for _, ch := range cat.Channels {
		channels = append(channels, ch.Code)
	}
	return kinds, channels
}

// preloadCases folds the stored case records into the book, waiting for
// Redis if it is down.
func (a *app) preloadCases(ctx context.Context) error {
	for warned := false; ; warned = true {
		n, err := a.cases.Preload(ctx)
		if err == nil {
			if n > 0 {
				log.Printf("cases: %d case records loaded", n)
			}
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		if !warned {
			log.Printf("cases: loading the case records: %v (retrying)", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// connReserve is the descriptors kept back from connections: Redis's, files,
// the listener.
const connReserve = 256

// maxConns is the bound on open connections: n, or the descriptor limit
// (raised to its hard maximum first, where allowed) less connReserve.
func maxConns(n int) int {
	if n > 0 {
		return n
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 1024
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			lim = raised
		}
	}
	return max(64, int(min(lim.Cur, 1<<20))-connReserve)
}

// Addr is the address the server listens on.
func (a *app) Addr() string { return a.listener.Addr().String() }

// Run serves until ctx is done, then shuts down gracefully: in-flight requests
// finish (each ingest request returns only once Redis has its events, so
// nothing is half-written), then the loop, the tailer and the services stop.
func (a *app) Run(ctx context.Context) error {
	defer a.close()
	// Every phase of a connection is bounded, so idle or slow clients cannot
	// hold descriptors for ever; a websocket's connection, once hijacked, is
	// not (net/http lifts its deadlines).
	srv := &http.Server{Handler: a.api, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: a.cfg.ReadTimeout, WriteTimeout: a.cfg.WriteTimeout, IdleTimeout: a.cfg.IdleTimeout}
	bg, bgCancel := context.WithCancel(context.Background())
	defer bgCancel()
	g, gctx := errgroup.WithContext(bg)
	g.Go(func() error {
		select {
		case err := <-a.regionsErr:
			if err != nil {
				return fmt.Errorf("profile %q: regions: %w", a.cfg.Profile, err)
			}
		case <-gctx.Done():
		}
		return nil
	})
	g.Go(func() error { return a.loop.Run(gctx) })
	g.Go(func() error {
		// Cases outlive the length-trimmed commands stream: their records
		// are folded first, then the stream.
		if err := a.preloadCases(gctx); err != nil {
			return err
		}
		// The safety index's stored days too, so its first index has them.
		if n, err := a.safety.Preload(gctx); err != nil {
			log.Printf("safety: reading the stored history: %v (the index starts without it)", err)
		} else if n > 0 {
			log.Printf("safety: %d stored days of tallies loaded", n)
		}
		return a.tailer.Run(gctx, a.loop)
	})
	g.Go(func() error { return a.ops.Run(gctx) })
	g.Go(func() error { return a.safety.Run(gctx) })
	g.Go(func() error {
		every := a.cfg.hoursEvery
		if every == 0 {
			every = 10 * time.Second
		}
		return briefing.KeepHours(gctx, a.loop, a.hours, a.hourDB, every, log.Printf)
	})
	g.Go(func() error {
		every := a.cfg.epochEvery
		if every == 0 {
			every = 2 * time.Second
		}
		return a.epoch.Run(gctx, every, time.Now, log.Printf)
	})
	g.Go(func() error { return a.regionSync.Run(gctx, 2*time.Second, log.Printf) })
	g.Go(func() error {
		select {
		case <-a.loop.WhenReady():
			log.Printf("citygrid: rebuilt live state from the streams; ready")
		case <-gctx.Done():
		}
		return nil
	})
	if a.embedded != nil {
		g.Go(func() error { return expireEmbedded(gctx, a.embedded) })
	}
	if a.creds != nil {
		g.Go(func() error {
			return reloadCredentials(gctx, a.creds, func() {
				a.api.FlushAudit()
				if n := a.hub.CloseUnless(a.api.StillAllowed, "credential revoked"); n > 0 {
					log.Printf("auth: closed %d websockets whose key was revoked or person removed", n)
				}
			})
		})
	}
	if a.cfg.Simulate {
		kinds, channels := simCaseKinds(a.catalog)
		s, err := sim.New(sim.Config{URL: a.selfURL(), Profile: a.profile, Rate: a.cfg.SimRate, APIKey: a.simKey, Logf: log.Printf,
			Client: a.selfClient(), CaseKinds: kinds, CaseChannels: channels})
		if err != nil {
			return err
		}
		g.Go(func() error { return s.Run(gctx) })
		log.Printf("simulate: feeding %.0f incidents/s into %s", a.cfg.SimRate, a.profile.Name)
	}
	serveErr := make(chan error, 1)
	scheme := "http"
	if a.cfg.TLSCert != "" {
		scheme = "https"
		go func() { serveErr <- srv.ServeTLS(a.listener, a.cfg.TLSCert, a.cfg.TLSKey) }()
	} else {
		go func() { serveErr <- srv.Serve(a.listener) }()
	}
	log.Printf("citygrid: serving %s on %s://%s", a.profile.Name, scheme, a.Addr())

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	case <-gctx.Done():
		err = g.Wait()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	bgCancel()
	if werr := g.Wait(); err == nil && werr != nil && !errors.Is(werr, context.Canceled) {
		err = werr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Printf("citygrid: stopped")
	return err
}

// selfURL is how the built-in simulator reaches this server.
func (a *app) selfURL() string {
	if a.cfg.TLSCert != "" {
		return "https://" + a.Addr()
	}
	return "http://" + a.Addr()
}

// selfClient is the simulator's HTTP client: under TLS it talks to its own
// server over loopback, so it need not verify the certificate's name.
func (a *app) selfClient() *http.Client {
	c := &http.Client{Timeout: 10 * time.Second}
	if a.cfg.TLSCert != "" {
		c.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback to itself
	}
	return c
}

func (a *app) close() {
	if a.rdb != nil {
		a.rdb.Close()
	}
	if a.wdb != nil {
		a.wdb.Close()
	}
	if a.embedded != nil {
		a.embedded.Close()
	}
	if a.local != nil {
		a.local.Stop()
	}
}

// expireEmbedded moves the embedded server's clock: miniredis only expires keys
// (the dedupe markers) when told time has passed.
func expireEmbedded(ctx context.Context, m *miniredis.Miniredis) error {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-t.C:
			m.FastForward(now.Sub(last))
			last = now
		}
	}
}

// reloadCredentials re-reads the credentials file every 2 s, so a revoked key
// or a removed user stops working without a restart; then it calls reloaded
// (which closes the websockets they held).
func reloadCredentials(ctx context.Context, s *auth.Store, reloaded func()) error {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if err := s.Reload(); err != nil {
				log.Printf("%v", err)
			}
			reloaded()
		}
	}
}

// replayFolds are a replay session's own alerts and dispatches board and
// cases book: they fold the commands the span holds, as the live ones did.
// The board gets the rules without their anomaly rules: a replay shows the
// alerts the centre opened and resolved (commands), it does not evaluate
// rules, so it need not keep their history. The book starts with every case
// as it stood at start (the stored records rolled back by their timelines):
// a case open for days and unchanged within the span is in the replay too.
func replayFolds(ctx context.Context, rules *ops.Rules, catalogue *cases.Catalogue, records *stream.CaseStore, start time.Time) ([]live.Fold, error) {
	shown := *rules
	shown.Anomaly = nil
	book := cases.NewBook(catalogue)
	recs, err := records.Records(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		var c cases.Case
		if json.Unmarshal(r, &c) != nil || c.ID == "" {
			continue
		}
		if then, ok := c.AsOf(start); ok {
			book.Put(then)
		}
	}
	return []live.Fold{ops.NewBoard(ops.Config{Rules: &shown}), book}, nil
}
