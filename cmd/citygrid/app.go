package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/citygrid/citygrid/feed"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/hub"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/sim"
	"github.com/citygrid/citygrid/stream"
	"github.com/citygrid/citygrid/tiles"
	"github.com/paulmach/orb"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

// app is one running server: its Redis, its fold, its hub and its routes.
type app struct {
	cfg       Config
	now       func() time.Time
	profile   *geo.Profile
	rdb       *redis.Client
	embedded  *miniredis.Miniredis // nil when -redis names a server
	writer    *stream.Writer
	tailer    *stream.Tailer
	fold      *live.Aggregator
	hub       *hub.Hub
	decoder   *feed.Decoder
	metrics   *metrics
	guard     *guard
	regions   *geo.RegionStore // the region hierarchy; PUT /api/v1/regions/{level} swaps a level
	regionAPI *regionAPI
	tiles     *tiles.Handler
	listener  net.Listener
	ready     atomic.Bool
	commander *stream.Commander   // appends alert and dispatch commands under their claims
	proposals chan []ops.Proposal // the fold's proposals, on their way to the commander
}

// newApp builds the server and binds its listener, so the caller knows the
// address (even for -addr 127.0.0.1:0) before Run.
func newApp(ctx context.Context, cfg Config) (*app, error) {
	a := &app{cfg: cfg, now: cfg.now}
	if a.now == nil {
		a.now = time.Now
	}
	var err error
	if a.profile, err = geo.LoadProfile(profiles.FS, cfg.Profile); err != nil {
		return nil, fmt.Errorf("profile %q: %w", cfg.Profile, err)
	}
	regions, err := geo.LoadRegions(profiles.FS, a.profile)
	if err != nil {
		return nil, fmt.Errorf("profile %q: regions: %w", cfg.Profile, err)
	}
	a.regions = geo.NewRegionStore(regions)
	a.tiles = newTiles(a.regions, a.profile)
	if err := a.connectRedis(); err != nil {
		return nil, err
	}
	rules, err := loadRules(cfg)
	if err != nil {
		a.close()
		return nil, err
	}
	layout := stream.Layout{Prefix: cfg.Prefix, ShardRes: cfg.ShardRes, Retention: cfg.Retention}
	a.writer = stream.NewWriter(a.rdb, layout, a.now)
	a.commander = stream.NewCommander(a.rdb, layout)
	a.proposals = make(chan []ops.Proposal, 64)
	// The anomaly rules' history is read from the incidents' streams too, as
	// far back as they keep it.
	history := a.now().Add(-min(historyNeeded(rules), cfg.Retention))
	a.tailer = stream.NewTailer(a.rdb, stream.TailerConfig{
		Layout:         layout,
		Shards:         a.profile.Shards(cfg.ShardRes),
		Since:          a.now().Add(-live.Longest() - 10*time.Minute),
		IncidentsSince: history,
		Commands:       true,
		Logf:           log.Printf,
	})
	a.metrics = newMetrics(a)
	if a.guard, err = newGuard(cfg, a.rdb, layout); err != nil {
		a.close()
		return nil, err
	}
	var h *hub.Hub
	store := a.regions
	board := ops.NewBoard(ops.Config{Rules: rules, History: history,
		Locate: func(p orb.Point, c geo.Cell) geo.RegionCodes { return store.Load().AssignAt(p, c) }})
	a.fold = live.NewAggregator(live.Config{Tick: cfg.Tick, Now: a.now, Publish: func(t live.Tick) { h.Publish(t) },
		Board: board, Propose: a.propose})
	a.regionAPI = &regionAPI{store: a.regions, fold: a.fold}
	h = hub.New(ctx, hub.Config{Fold: a.fold, Logf: log.Printf, Origins: splitList(cfg.Origins),
		Authorize: authorizeMessage, Regions: a.regionAPI.hubRows})
	a.hub = h
	a.decoder = &feed.Decoder{Profile: a.profile, Now: a.now, Limits: feed.Limits{MaxItems: cfg.MaxItems, MaxAge: cfg.Retention}}
	if a.listener, err = net.Listen("tcp", cfg.Addr); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

func (a *app) connectRedis() error {
	url := a.cfg.Redis
	if url == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return fmt.Errorf("embedded redis: %w", err)
		}
		a.embedded = m
		url = "redis://" + m.Addr()
		log.Printf("redis: no -redis given: running an embedded Redis-protocol server on %s; it keeps data in memory only, so a restart loses every event (use -redis redis://host:6379 to keep them)", m.Addr())
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
	return nil
}

// Addr is the address the server listens on.
func (a *app) Addr() string { return a.listener.Addr().String() }

// Run serves until ctx is done, then shuts down gracefully: in-flight requests
// finish (each ingest request returns only once Redis has its events, so
// nothing is half-written), then the fold and the tailer stop.
func (a *app) Run(ctx context.Context) error {
	defer a.close()
	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	bg, bgCancel := context.WithCancel(context.Background())
	defer bgCancel()
	g, gctx := errgroup.WithContext(bg)
	g.Go(func() error { return a.fold.Run(gctx) })
	g.Go(func() error {
		return a.tailer.Run(gctx, func(es []stream.Entry) { _ = a.fold.Add(gctx, es) }, a.onReady)
	})
	if a.embedded != nil {
		g.Go(func() error { return expireEmbedded(gctx, a.embedded) })
	}
	if a.guard.store != nil {
		g.Go(func() error { return reloadCredentials(gctx, a.guard.store) })
	}
	g.Go(func() error { return a.runProposals(gctx) })
	g.Go(func() error { return a.releaseOrphans(gctx) })
	if a.cfg.Rules != "" {
		g.Go(func() error { return a.reloadRules(gctx) })
	}
	if a.cfg.Simulate {
		s, err := sim.New(sim.Config{URL: a.selfURL(), Profile: a.profile, Rate: a.cfg.SimRate, APIKey: a.guard.simKey, Logf: log.Printf,
			Client: a.selfClient()})
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

func (a *app) onReady() {
	// The board proposes only once it has seen every command.
	_ = a.fold.Do(context.Background(), func(s *live.State) { s.Ops().SetReady() })
	a.ready.Store(true)
	log.Printf("citygrid: rebuilt live state from the streams; ready")
}

func (a *app) close() {
	if a.rdb != nil {
		a.rdb.Close()
	}
	if a.embedded != nil {
		a.embedded.Close()
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
