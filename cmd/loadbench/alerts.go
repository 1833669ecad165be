package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/profiles"
	"github.com/paulmach/orb"
)

// The alerts phase: how long an alert takes from the POST of the incident
// that triggers it to a websocket client subscribed to the alerts layer.
// Triggers are sent one at a time, each into a res-9 cell that held nothing
// in the last hour, so every alert, and every rise of the open count, is the
// one just triggered. A severe incident raises its alert as soon as it is
// folded, and so does a cell that turns hot (ops.Board.Touch); the rules'
// evaluation ("every", 1 s) is the hot cell's fallback, and before the server
// checked cells on folding (commit ca854d8) their alerts waited up to "every"
// for it. Pauses spread the hot cells over the evaluation period, so a
// server that waits for it shows in the figure.

// benchHotRule is the hot-cell rule the phase adds to the profile's rules:
// res 9 (the cells the harness computes), a threshold one POST reaches.
var benchHotRule = ops.HotCellRule{Name: "loadbench-hot", Res: 9, Window: "1h", Open: 3, Clear: 1, Severity: 2}

// alertsResult is the alerts phase.
type alertsResult struct {
	// Load is what else ran on the server meanwhile: "idle" (nothing).
	Load    string             `json:"load"`
	Every   string             `json:"every"`
	HotRule ops.HotCellRule    `json:"hot_rule"`
	Severe  alertLatency       `json:"severe_incident"`
	HotCell alertLatency       `json:"hot_cell"`
	CPU     map[string]float64 `json:"cpu_cores"`
}

// alertLatency is one kind of trigger.
type alertLatency struct {
	Sent int `json:"sent"`
	Seen int `json:"seen"` // alerts a client received within alertWait
	// CountRose is, of Seen, how many arrived in a frame whose
	// counts.open was higher than the frame before.
	CountRose   int     `json:"count_rose"`
	PostErrors  int     `json:"post_errors"`
	Latency     Summary `json:"latency"` // POST start → the frame carrying the alert
	PostLatency Summary `json:"post_latency"`
}

// alertWait is how long a trigger's alert is waited for before it counts as
// missed.
const alertWait = 5 * time.Second

// baseRules are the profile's rules file as the server would read it; the
// harness passes them with -rules so the phase can add its rule and take it
// away again (the server re-reads the file within 2 s).
func baseRules(profile string) (*ops.Rules, error) {
	b, err := fs.ReadFile(profiles.FS, path.Join(profile, "rules.json"))
	if err != nil {
		return ops.DefaultRules(), nil
	}
	return ops.ParseRules(b)
}

// writeRules writes r to file.
func writeRules(file string, r *ops.Rules) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

// setRules writes r to file and waits until the server's log (logFile) says
// it reloaded them once more than before.
func setRules(ctx context.Context, file, logFile string, r *ops.Rules) error {
	before := reloads(logFile)
	if err := writeRules(file, r); err != nil {
		return err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if reloads(logFile) > before {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("rules: the server did not reload %s within 10 s", file)
}

func reloads(logFile string) int {
	b, _ := os.ReadFile(logFile)
	return strings.Count(string(b), "rules: reloaded")
}

// alertWatch follows the alerts layer on one websocket client and tells the
// phase when the alert it waits for arrives.
type alertWatch struct {
	mu       sync.Mutex
	key      string // the awaited alert: see alertKey
	since    time.Time
	got      chan alertSeen
	lastOpen int
}

type alertSeen struct {
	after     time.Duration
	countRose bool
}

// alertFrame is the part of a frame the phase reads.
type alertFrame struct {
	Alerts *struct {
		Counts struct {
			Open int `json:"open"`
		} `json:"counts"`
		Open []struct {
			Kind     string `json:"kind"`
			Rule     string `json:"rule"`
			Cell     string `json:"cell"`
			Incident string `json:"incident"`
		} `json:"open"`
	} `json:"alerts"`
}

// alertKey names an alert the way the phase awaits it: the incident of a
// severe-incident alert, the rule and cell of a hot-cell one.
func alertKey(kind, rule, cell, incident string) string {
	if kind == ops.KindSevere {
		return kind + ":" + incident
	}
	return kind + ":" + rule + ":" + cell
}

// expect arms the watch for key, POSTed at since.
func (w *alertWatch) expect(key string, since time.Time) <-chan alertSeen {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.key, w.since, w.got = key, since, make(chan alertSeen, 1)
	return w.got
}

// frame reads one frame received at recv.
func (w *alertWatch) frame(b []byte, recv time.Time) {
	var f alertFrame
	if !bytes.Contains(b, alertsKey) {
		return // a frame without the layer: nothing changed
	}
	if err := json.Unmarshal(b, &f); err != nil || f.Alerts == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	rose := f.Alerts.Counts.Open > w.lastOpen
	w.lastOpen = f.Alerts.Counts.Open
	if w.key == "" {
		return
	}
	for _, a := range f.Alerts.Open {
		if alertKey(a.Kind, a.Rule, a.Cell, a.Incident) == w.key {
			w.got <- alertSeen{after: recv.Sub(w.since), countRose: rose}
			w.key = ""
			return
		}
	}
}

var alertsKey = []byte(`"alerts":`)

// freeCells picks n places inside the outline whose res-9 cells are distinct
// and not in busy (which it extends with them).
func freeCells(p *geo.Profile, busy map[uint64]bool, n int, r *rand.Rand) []orb.Point {
	var out []orb.Point
	b := p.Bound
	for tries := 0; len(out) < n && tries < 1_000_000; tries++ {
		pt := orb.Point{b.Min.Lon() + r.Float64()*(b.Max.Lon()-b.Min.Lon()), b.Min.Lat() + r.Float64()*(b.Max.Lat()-b.Min.Lat())}
		if !p.Contains(pt) {
			continue
		}
		c := uint64(geo.CellOf(pt, 9))
		if busy[c] {
			continue
		}
		busy[c] = true
		out = append(out, pt)
	}
	return out
}

// runAlerts adds benchHotRule to the rules in rulesFile (base), measures
// nSevere severe incidents then nHot hot cells, each sent alone, and puts the
// base rules back.
func runAlerts(ctx context.Context, s *server, p *geo.Profile, meterPids map[string]int,
	rulesFile, logFile string, base *ops.Rules, nSevere, nHot int) (alertsResult, error) {
	res := alertsResult{Load: "idle", Every: base.Every.String(), HotRule: benchHotRule}
	// Cells with anything in the last hour are not used.
	hc, snap, err := dialSub(ctx, wsURL(s), subscribeMsg(9, "1h"), nil)
	if err != nil {
		return res, err
	}
	busy := map[uint64]bool{}
	scanCells(snap, func(cell uint64, n int) { busy[cell] = n > 0 })
	hc.CloseNow()
	places := freeCells(p, busy, nSevere+nHot, rand.New(rand.NewPCG(7, 11)))
	if len(places) < nSevere+nHot {
		return res, fmt.Errorf("alerts: only %d free cells in the outline", len(places))
	}

	with := *base
	with.HotCell = append(append([]ops.HotCellRule(nil), base.HotCell...), benchHotRule)
	if err := setRules(ctx, rulesFile, logFile, &with); err != nil {
		return res, err
	}
	defer func() { _ = setRules(context.Background(), rulesFile, logFile, base) }()

	c, _, err := dialSub(ctx, wsURL(s), `{"type":"subscribe","layers":["alerts"]}`, nil)
	if err != nil {
		return res, err
	}
	defer c.CloseNow()
	w := &alertWatch{}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			_, b, err := c.Read(rctx)
			recv := time.Now()
			if err != nil {
				return
			}
			w.frame(b, recv)
		}
	})
	defer wg.Wait()
	defer stop()
	time.Sleep(time.Second) // the snapshot's count is in before the first trigger

	post := newPoster(s.url("/api/v1/incidents"))
	run := fmt.Sprintf("lb-alert-%d", time.Now().UnixNano()%1e9)
	r := rand.New(rand.NewPCG(5, 9))
	meter := newCPUMeter(meterPids)
	// trigger POSTs body, awaits key and records into a; the pause before
	// it spreads the POSTs over the tick and the evaluation period.
	trigger := func(a *alertLatency, lats, posts *[]time.Duration, body []byte, key string, pause time.Duration) {
		time.Sleep(pause)
		a.Sent++
		t0 := time.Now()
		got := w.expect(key, t0)
		_, err := post.post(body)
		*posts = append(*posts, time.Since(t0))
		if err != nil {
			a.PostErrors++
			return
		}
		select {
		case g := <-got:
			a.Seen++
			*lats = append(*lats, g.after)
			if g.countRose {
				a.CountRose++
			}
		case <-time.After(alertWait):
		case <-ctx.Done():
		}
	}
	line := func(id string, sev int, pt orb.Point) []byte {
		return fmt.Appendf(nil, `{"id":%q,"source":"loadbench","category":"other","severity":%d,"lat":%.6f,"lng":%.6f,"title":"loadbench alert"}`+"\n",
			id, sev, pt.Lat(), pt.Lon())
	}
	var lats, posts []time.Duration
	for i, pt := range places[:nSevere] {
		id := fmt.Sprintf("%s-s%d", run, i)
		trigger(&res.Severe, &lats, &posts, line(id, 4, pt), alertKey(ops.KindSevere, "", "", id),
			time.Duration(50+r.IntN(250))*time.Millisecond)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	res.Severe.Latency, res.Severe.PostLatency = summarize(lats), summarize(posts)
	lats, posts = nil, nil
	for i, pt := range places[nSevere:] {
		var body []byte
		for k := range benchHotRule.Open {
			body = append(body, line(fmt.Sprintf("%s-h%d-%d", run, i, k), 1, pt)...)
		}
		key := alertKey(ops.KindHotCell, benchHotRule.Name, geo.CellOf(pt, 9).String(), "")
		trigger(&res.HotCell, &lats, &posts, body, key, time.Duration(r.IntN(int(base.Every.Milliseconds())+1))*time.Millisecond)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	res.HotCell.Latency, res.HotCell.PostLatency = summarize(lats), summarize(posts)
	res.CPU = meter.cores()
	return res, nil
}

// The alerts phase under load: the end-to-end load runs (rules on), and
// meanwhile severe incidents are sent one at a time, each awaited in the REST
// API. Under that load alerts fold into storms, and the wall shows the storm
// (sent at most once a second), not the alert: so the figure is when the
// alert is in the API (GET /api/v1/alerts?incident=, polled), which is when
// the storm's count holds it too.

// alertPoll is how often the API is asked for the awaited alert: the
// figure's resolution.
const alertPoll = 10 * time.Millisecond

// alertsLoadResult is the alerts phase under load.
type alertsLoadResult struct {
	Poll   string       `json:"poll"`
	Severe alertLatency `json:"severe_incident"` // POST start → the alert in the API
	// Load is the end-to-end load that ran meanwhile.
	Load e2eResult `json:"load"`
}

// runAlertsUnderLoad runs the end-to-end load for dur and, after a second of
// it, sends severe incidents one at a time into places inside the outline.
func runAlertsUnderLoad(ctx context.Context, s *server, pool *eventPool, p *geo.Profile, meterPids map[string]int,
	rate float64, clients int, dur, tick time.Duration) (alertsLoadResult, error) {
	res := alertsLoadResult{Poll: alertPoll.String()}
	places := freeCells(p, map[uint64]bool{}, 1000, rand.New(rand.NewPCG(13, 17)))
	run := fmt.Sprintf("lb-load-alert-%d", time.Now().UnixNano()%1e9)
	var lats, posts []time.Duration
	sample := func(ctx context.Context) {
		post := newPoster(s.url("/api/v1/incidents"))
		get := &http.Client{Timeout: 5 * time.Second}
		r := rand.New(rand.NewPCG(19, 23))
		select {
		case <-time.After(time.Second): // the load is running
		case <-ctx.Done():
			return
		}
		for i := 0; ctx.Err() == nil; i++ {
			pt := places[i%len(places)]
			id := fmt.Sprintf("%s-%d", run, i)
			body := fmt.Appendf(nil, `{"id":%q,"source":"loadbench","category":"other","severity":4,"lat":%.6f,"lng":%.6f,"title":"loadbench alert under load"}`+"\n",
				id, pt.Lat(), pt.Lon())
			a := &res.Severe
			a.Sent++
			t0 := time.Now()
			_, err := post.post(body)
			posts = append(posts, time.Since(t0))
			if err != nil {
				a.PostErrors++
				continue
			}
			if after, ok := awaitAlert(ctx, get, s.url("/api/v1/alerts?status=all&incident="+id), t0); ok {
				a.Seen++
				lats = append(lats, after)
			}
			// A pause, so the triggers spread over the tick and the
			// evaluation period.
			select {
			case <-time.After(time.Duration(50+r.IntN(250)) * time.Millisecond):
			case <-ctx.Done():
			}
		}
	}
	e, err := runE2E(ctx, s, pool, meterPids, rate, clients, 0, 0, dur, tick, sample)
	if err != nil {
		return res, err
	}
	res.Load = e
	res.Severe.Latency, res.Severe.PostLatency = summarize(lats), summarize(posts)
	return res, nil
}

// awaitAlert polls url until its list holds an alert, for at most alertWait,
// and says how long after since it first did.
func awaitAlert(ctx context.Context, c *http.Client, url string, since time.Time) (time.Duration, bool) {
	deadline := since.Add(alertWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		resp, err := c.Get(url)
		if err == nil {
			var l struct {
				Alerts []json.RawMessage `json:"alerts"`
			}
			err = json.NewDecoder(resp.Body).Decode(&l)
			resp.Body.Close()
			if err == nil && len(l.Alerts) > 0 {
				return time.Since(since), true
			}
		}
		time.Sleep(alertPoll)
	}
	return 0, false
}
