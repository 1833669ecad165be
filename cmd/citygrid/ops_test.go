package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/ops"
	"github.com/paulmach/orb"
)

// testClock is a clock a test moves by hand.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// startOps starts a server on its own Redis with the given rules (JSON, over
// the defaults with every rule off) and an injected clock.
func startOps(t *testing.T, clock *testClock, rs *redistest.Server, prefix, rules string) *server {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(path, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	return startServerClock(t, clock.Now, rs.URL(), prefix, "-rules", path)
}

// rulesOff turns every rule off; a test adds the one it exercises.
const rulesOff = `"every":"200ms","hotCell":[],"anomaly":[],"severe":{"minSeverity":0},"uncovered":{"rule":""},"overdue":{"target":"0s"}`

// testStart is a moment aligned to the middle of a 10-second bucket, so window
// edges in the tests fall clearly between events.
func testStart() time.Time { return time.Now().UTC().Truncate(time.Minute).Add(5 * time.Second) }

type incidentIn struct {
	ID       string    `json:"id"`
	Lat      float64   `json:"lat"`
	Lng      float64   `json:"lng"`
	Time     time.Time `json:"time"`
	Severity int       `json:"severity"`
	Category string    `json:"category"`
}

type positionIn struct {
	Unit   string    `json:"unit"`
	Kind   string    `json:"kind"`
	Status string    `json:"status"`
	Lat    float64   `json:"lat"`
	Lng    float64   `json:"lng"`
	Time   time.Time `json:"time"`
}

// at is a point and its res-9 cell.
type at struct {
	lat, lng float64
	cell     geo.Cell
}

func place(lat, lng float64) at {
	c := geo.CellOf(orb.Point{lng, lat}, geo.FineRes)
	p := c.Center()
	return at{p.Lat(), p.Lon(), c}
}

var idSeq atomic.Int64

// burst is n incidents at p at time ts.
func burst(p at, n int, ts time.Time, sev int) []incidentIn {
	out := make([]incidentIn, n)
	for i := range out {
		out[i] = incidentIn{ID: fmt.Sprintf("t-%d", idSeq.Add(1)), Lat: p.lat, Lng: p.lng, Time: ts, Severity: sev, Category: "theft"}
	}
	return out
}

func (s *server) send(path string, v any) {
	s.t.Helper()
	b, _ := json.Marshal(v)
	r := s.post(path, "application/json", b)
	if r.Status != http.StatusAccepted {
		s.t.Fatalf("POST %s: %d %+v", path, r.Status, r.IngestAnswer)
	}
}

// call sends a JSON request and decodes the answer into out (when not nil).
func (s *server) call(method, path string, body any, out any) int {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, b := s.do(req)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

type alertsReply struct {
	Alerts []ops.Alert `json:"alerts"`
	Counts ops.Counts  `json:"counts"`
}

func (s *server) alerts(status string) alertsReply {
	s.t.Helper()
	var r alertsReply
	if code := s.call("GET", "/api/v1/alerts?status="+status, nil, &r); code != 200 {
		s.t.Fatalf("alerts: %d", code)
	}
	return r
}

// eventually polls cond every 20 ms until it holds or 15 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settle lets the rules run several times (every 200 ms) before a test checks
// that something did not happen.
func settle() { time.Sleep(1200 * time.Millisecond) }

func kinds(as []ops.Alert, kind string) []ops.Alert {
	var out []ops.Alert
	for _, a := range as {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

func TestHotCellAlertOpensOnceAndClearsWithHysteresis(t *testing.T) {
	rs := redistest.Start(t)
	t0 := testStart()
	clock := newTestClock(t0)
	s := startOps(t, clock, rs, redistest.Prefix(t), `{`+rulesOff+`,
		"hotCell":[{"name":"hot","res":9,"window":"15m","open":10,"clear":6,"severity":2}]}`)
	p := place(31.30, 120.60)

	// 12 incidents in one cell, in three groups that leave the 15-minute
	// window at different times.
	var ins []incidentIn
	ins = append(ins, burst(p, 4, t0.Add(-14*time.Minute), 1)...)
	ins = append(ins, burst(p, 2, t0.Add(-12*time.Minute), 1)...)
	ins = append(ins, burst(p, 6, t0.Add(-1*time.Minute), 1)...)
	for _, in := range ins { // one POST per event, as a feed would
		s.send("/api/v1/incidents", in)
	}
	eventually(t, "a hot-cell alert opens", func() bool { return len(s.alerts("open").Alerts) == 1 })
	settle()
	all := s.alerts("all").Alerts
	if len(all) != 1 || all[0].Kind != ops.KindHotCell || all[0].Cell != p.cell.String() || all[0].Value != 10 {
		t.Fatalf("want one hot_cell alert on %s, opened at the 10th incident, got %+v", p.cell, all)
	}
	first := all[0].ID
	// ?cell= narrows the list to one cell's alerts.
	var byCell, elsewhere alertsReply
	if s.call("GET", "/api/v1/alerts?status=all&cell="+p.cell.String(), nil, &byCell) != 200 ||
		s.call("GET", "/api/v1/alerts?status=all&cell="+place(31.20, 120.50).cell.String(), nil, &elsewhere) != 200 ||
		len(byCell.Alerts) != 1 || byCell.Alerts[0].ID != first || len(elsewhere.Alerts) != 0 {
		t.Fatalf("?cell=: %+v on the cell and %+v elsewhere, want the one alert and none", byCell.Alerts, elsewhere.Alerts)
	}

	// 8 left: below open (10) but above clear (6): still open, still one.
	clock.Advance(90 * time.Second)
	settle()
	if all := s.alerts("all").Alerts; len(all) != 1 || all[0].Status != ops.StatusOpen {
		t.Fatalf("at 8 incidents (between clear and open) want the one alert still open, got %+v", all)
	}

	// 6 left: at clear: resolved automatically.
	clock.Advance(2 * time.Minute)
	eventually(t, "the alert resolves itself", func() bool {
		a := s.alerts("all").Alerts
		return len(a) == 1 && a[0].Status == ops.StatusResolved && a[0].Resolution == "auto"
	})

	// Back up to 9: below open, so no new alert.
	s.send("/api/v1/incidents", burst(p, 3, clock.Now().Add(-10*time.Second), 1))
	settle()
	if all := s.alerts("all").Alerts; len(all) != 1 {
		t.Fatalf("at 9 incidents want no new alert, got %+v", all)
	}
	// 12: a new alert, a new id.
	s.send("/api/v1/incidents", burst(p, 3, clock.Now().Add(-10*time.Second), 1))
	eventually(t, "the cell alerts again", func() bool { return len(s.alerts("open").Alerts) == 1 })
	again := s.alerts("open").Alerts[0]
	if again.ID == first {
		t.Fatalf("the new alert reuses id %s", first)
	}

	// Acknowledge, then resolve by hand; a resolved alert cannot be resolved
	// again, and a cell still hot does not reopen at once.
	var got ops.Alert
	if code := s.call("POST", "/api/v1/alerts/"+again.ID+"/ack", map[string]string{"note": "on it"}, &got); code != 200 || got.Status != ops.StatusAcked || got.AckedBy == "" {
		t.Fatalf("ack: %d %+v", code, got)
	}
	if code := s.call("POST", "/api/v1/alerts/"+again.ID+"/ack", nil, nil); code != http.StatusConflict {
		t.Fatalf("second ack: %d, want 409", code)
	}
	if c := s.alerts("open").Counts; c.Acknowledged != 1 || c.Open != 0 || c.ByKind[ops.KindHotCell] != 1 || c.BySeverity[1] != 1 {
		t.Fatalf("counts after ack: %+v", c)
	}
	if code := s.call("POST", "/api/v1/alerts/"+again.ID+"/resolve", nil, &got); code != 200 || got.Status != ops.StatusResolved || got.Resolution != "manual" {
		t.Fatalf("resolve: %d %+v", code, got)
	}
	if code := s.call("POST", "/api/v1/alerts/"+again.ID+"/resolve", nil, nil); code != http.StatusConflict {
		t.Fatalf("second resolve: %d, want 409", code)
	}
	if code := s.call("POST", "/api/v1/alerts/a-nope/ack", nil, nil); code != http.StatusNotFound {
		t.Fatalf("unknown alert: %d, want 404", code)
	}
	settle()
	if open := s.alerts("open").Alerts; len(open) != 0 {
		t.Fatalf("a hand-resolved alert reopened while the cell is still hot: %+v", open)
	}
}

func TestAnomalyFiresForTheQuietPlaceNotTheBusyOne(t *testing.T) {
	rs := redistest.Start(t)
	t0 := testStart()
	clock := newTestClock(t0)
	s := startOps(t, clock, rs, redistest.Prefix(t), `{`+rulesOff+`,
		"anomaly":[{"name":"anom","place":"cell","res":7,"days":3,"minSamples":3,"zOpen":4,"zClear":2,"minCount":5,"severity":2}]}`)
	market := place(31.30, 120.60) // busy every day at this hour
	village := place(31.55, 120.95)
	if market.cell.Parent(7) == village.cell.Parent(7) {
		t.Fatal("test places share a res-7 cell")
	}
	// History: the market has 20 incidents in this hour on each of the last 3
	// days; the village none.
	var hist []incidentIn
	for d := 1; d <= 3; d++ {
		hist = append(hist, burst(market, 20, t0.Add(-time.Duration(d)*24*time.Hour-30*time.Minute), 1)...)
	}
	s.send("/api/v1/incidents", hist)
	// Now: the market has a normal 22, the village 6.
	s.send("/api/v1/incidents", append(burst(market, 22, t0.Add(-20*time.Minute), 1), burst(village, 6, t0.Add(-20*time.Minute), 1)...))

	eventually(t, "the village alerts", func() bool { return len(s.alerts("open").Alerts) >= 1 })
	settle()
	open := s.alerts("open").Alerts
	if len(open) != 1 || open[0].Kind != ops.KindAnomaly || open[0].Cell != village.cell.Parent(7).String() || open[0].Value != 6 {
		t.Fatalf("want one anomaly alert on the village's res-7 cell %s, got %+v", village.cell.Parent(7), open)
	}

	// A fresh node on the same streams reads the history back and agrees: no
	// second alert for the same place.
	s.stop()
	s2 := startOps(t, clock, rs, s.app.cfg.Prefix, `{`+rulesOff+`,
		"anomaly":[{"name":"anom","place":"cell","res":7,"days":3,"minSamples":3,"zOpen":4,"zClear":2,"minCount":5,"severity":2}]}`)
	settle()
	if all := s2.alerts("all").Alerts; len(all) != 1 || all[0].ID != open[0].ID {
		t.Fatalf("after a restart want the same single alert, got %+v", all)
	}
	// An hour on, the burst has left the last hour: the alert clears.
	clock.Advance(time.Hour)
	eventually(t, "the anomaly clears", func() bool { return len(s2.alerts("open").Alerts) == 0 })
}

func TestSevereIncidentAlertsAtOnceAndOnce(t *testing.T) {
	rs := redistest.Start(t)
	clock := newTestClock(testStart())
	s := startOps(t, clock, rs, redistest.Prefix(t), `{`+rulesOff+`,"severe":{"minSeverity":4,"autoResolve":"30m"}}`)
	p := place(31.30, 120.60)
	s.send("/api/v1/incidents", burst(p, 3, clock.Now(), 3)) // not severe enough
	in := burst(p, 1, clock.Now(), 4)
	s.send("/api/v1/incidents", in)
	eventually(t, "the severe incident alerts", func() bool { return len(s.alerts("open").Alerts) == 1 })
	s.send("/api/v1/incidents", in) // a duplicate of the same incident
	settle()
	all := s.alerts("all").Alerts
	if len(all) != 1 || all[0].Kind != ops.KindSevere || all[0].Incident != in[0].ID || all[0].Severity != 4 {
		t.Fatalf("want one severe alert for %s, got %+v", in[0].ID, all)
	}
	if all[0].Regions.District == "" {
		t.Errorf("severe alert has no district: %+v", all[0])
	}
	// Nobody acknowledged it: it resolves itself after autoResolve.
	clock.Advance(31 * time.Minute)
	eventually(t, "the unacknowledged severe alert resolves", func() bool { return len(s.alerts("open").Alerts) == 0 })
}

func TestUncoveredHotCellAlertsUntilAUnitComesInRange(t *testing.T) {
	rs := redistest.Start(t)
	clock := newTestClock(testStart())
	s := startOps(t, clock, rs, redistest.Prefix(t), `{`+rulesOff+`,
		"hotCell":[{"name":"hot","res":8,"window":"1h","open":5,"clear":2,"severity":2}],
		"uncovered":{"rule":"hot","rings":1,"severity":3}}`)
	p := place(31.30, 120.60)
	far := place(31.50, 120.90)
	s.send("/api/v1/positions", positionIn{Unit: "car-1", Kind: "car", Status: "available", Lat: far.lat, Lng: far.lng, Time: clock.Now()})
	s.send("/api/v1/incidents", burst(p, 6, clock.Now().Add(-time.Minute), 1))
	eventually(t, "hot and uncovered alerts", func() bool { return len(s.alerts("open").Alerts) == 2 })
	open := s.alerts("open").Alerts
	unc := kinds(open, ops.KindUncover)
	if len(unc) != 1 || unc[0].Cell != p.cell.Parent(8).String() || unc[0].Severity != 3 {
		t.Fatalf("want one uncovered alert on %s, got %+v", p.cell.Parent(8), open)
	}
	// A busy unit next door does not cover it.
	s.send("/api/v1/positions", positionIn{Unit: "car-2", Status: "busy", Lat: p.lat, Lng: p.lng, Time: clock.Now()})
	settle()
	if n := len(kinds(s.alerts("open").Alerts, ops.KindUncover)); n != 1 {
		t.Fatalf("a busy unit covered the cell: %d uncovered alerts open", n)
	}
	// car-1 drives in: covered.
	clock.Advance(time.Minute)
	s.send("/api/v1/positions", positionIn{Unit: "car-1", Kind: "car", Status: "available", Lat: p.lat, Lng: p.lng, Time: clock.Now()})
	eventually(t, "the uncovered alert resolves", func() bool {
		return len(kinds(s.alerts("open").Alerts, ops.KindUncover)) == 0
	})
	if n := len(kinds(s.alerts("open").Alerts, ops.KindHotCell)); n != 1 {
		t.Fatalf("the hot-cell alert should stay open: %d", n)
	}
}

type dispatchReply struct {
	ops.Dispatch
	Error string `json:"error"`
}

func (s *server) dispatches(status string) []ops.Dispatch {
	s.t.Helper()
	var r struct {
		Dispatches []ops.Dispatch `json:"dispatches"`
	}
	if code := s.call("GET", "/api/v1/dispatches?status="+status, nil, &r); code != 200 {
		s.t.Fatalf("dispatches: %d", code)
	}
	return r.Dispatches
}

func (s *server) dispatch(id string) ops.Dispatch {
	s.t.Helper()
	for _, d := range s.dispatches("all") {
		if d.ID == id {
			return d
		}
	}
	s.t.Fatalf("no dispatch %s", id)
	return ops.Dispatch{}
}

func TestOverdueDispatchAlerts(t *testing.T) {
	rs := redistest.Start(t)
	clock := newTestClock(testStart())
	s := startOps(t, clock, rs, redistest.Prefix(t), `{`+rulesOff+`,"overdue":{"target":"2m","severity":3}}`)
	home, scene := place(31.50, 120.90), place(31.30, 120.60)
	s.send("/api/v1/positions", positionIn{Unit: "car-1", Status: "available", Lat: home.lat, Lng: home.lng, Time: clock.Now()})
	eventually(t, "the unit is known", func() bool { return len(s.units().Units) == 1 })
	var d dispatchReply
	if code := s.call("POST", "/api/v1/dispatches", map[string]string{"unit": "car-1", "cell": scene.cell.String()}, &d); code != 201 {
		t.Fatalf("dispatch: %d %s", code, d.Error)
	}
	settle()
	if n := len(s.alerts("open").Alerts); n != 0 {
		t.Fatalf("overdue before the target: %d alerts", n)
	}
	clock.Advance(3 * time.Minute)
	eventually(t, "the overdue alert", func() bool { return len(kinds(s.alerts("open").Alerts, ops.KindOverdue)) == 1 })
	a := kinds(s.alerts("open").Alerts, ops.KindOverdue)[0]
	if a.Dispatch != d.ID || a.Cell != scene.cell.String() {
		t.Fatalf("overdue alert: %+v", a)
	}
	if !s.dispatch(d.ID).Overdue {
		t.Error("the dispatch is not marked overdue")
	}
	// The unit arrives: the alert resolves itself.
	s.send("/api/v1/positions", positionIn{Unit: "car-1", Status: "dispatched", Lat: scene.lat, Lng: scene.lng, Time: clock.Now()})
	eventually(t, "the overdue alert resolves on arrival", func() bool { return len(s.alerts("open").Alerts) == 0 })
}

func TestDispatchLifecycleAcrossNodesAndARestart(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	t0 := testStart()
	clock := newTestClock(t0)
	rules := `{` + rulesOff + `,"overdue":{"target":"10m","severity":3}}`
	a := startOps(t, clock, rs, prefix, rules)
	b := startOps(t, clock, rs, prefix, rules) // a second node on the same streams
	home, mid, scene := place(31.40, 120.75), place(31.35, 120.68), place(31.30, 120.60)
	a.send("/api/v1/positions", positionIn{Unit: "car-7", Kind: "car", Status: "available", Lat: home.lat, Lng: home.lng, Time: clock.Now()})
	a.send("/api/v1/positions", positionIn{Unit: "foot-1", Kind: "foot", Status: "off-duty", Lat: scene.lat, Lng: scene.lng, Time: clock.Now()})
	eventually(t, "both nodes know the units", func() bool { return len(a.units().Units) == 2 && len(b.units().Units) == 2 })

	// Suggestions: the off-duty unit is left out; car-7 is available.
	var sugg struct {
		Suggestions []ops.Suggestion `json:"suggestions"`
	}
	if code := a.call("GET", "/api/v1/dispatch/suggest?cell="+scene.cell.String(), nil, &sugg); code != 200 || len(sugg.Suggestions) != 1 ||
		sugg.Suggestions[0].Unit != "car-7" || !sugg.Suggestions[0].Available || sugg.Suggestions[0].GridDistance < 5 {
		t.Fatalf("suggest: %d %+v", code, sugg)
	}
	var bad dispatchReply
	if code := a.call("POST", "/api/v1/dispatches", map[string]string{"unit": "foot-1", "cell": scene.cell.String()}, &bad); code != 400 || bad.Error != "unit: off duty" {
		t.Fatalf("off-duty unit: %d %q", code, bad.Error)
	}
	if code := a.call("POST", "/api/v1/dispatches", map[string]string{"unit": "car-7", "cell": "nonsense"}, &bad); code != 400 || bad.Error != "cell: not an H3 cell" {
		t.Fatalf("bad cell: %d %q", code, bad.Error)
	}
	beijing := geo.CellOf(orb.Point{116.40, 39.90}, geo.FineRes).String()
	if code := a.call("POST", "/api/v1/dispatches", map[string]string{"unit": "car-7", "cell": beijing}, &bad); code != 400 || bad.Error != "cell: outside the city's districts" {
		t.Fatalf("a cell in Beijing: %d %q", code, bad.Error)
	}

	// Eight dispatchers, on two nodes, send car-7 at once: exactly one wins.
	var wg sync.WaitGroup
	codes := make([]int, 8)
	replies := make([]dispatchReply, 8)
	for i := range codes {
		node := a
		if i%2 == 1 {
			node = b
		}
		wg.Go(func() {
			codes[i] = node.call("POST", "/api/v1/dispatches", map[string]string{"unit": "car-7", "cell": scene.cell.String(), "note": fmt.Sprint("dispatcher ", i)}, &replies[i])
		})
	}
	wg.Wait()
	var won dispatchReply
	wins := 0
	for i, c := range codes {
		switch c {
		case http.StatusCreated:
			wins++
			won = replies[i]
		case http.StatusConflict:
			if replies[i].Error == "" {
				t.Errorf("409 without an error message")
			}
		default:
			t.Errorf("dispatcher %d: %d %s", i, c, replies[i].Error)
		}
	}
	if wins != 1 {
		t.Fatalf("%d dispatches won, want exactly 1 (codes %v)", wins, codes)
	}
	if won.Status != ops.Assigned || won.Unit != "car-7" || won.Cell != scene.cell.String() {
		t.Fatalf("dispatch: %+v", won.Dispatch)
	}
	// The audit names who sent which unit where, and the refusals.
	var audit struct {
		Events []struct {
			Action, Detail string
			OK             bool
		} `json:"events"`
	}
	if code := a.call("GET", "/api/v1/audit", nil, &audit); code != 200 {
		t.Fatalf("audit: %d", code)
	}
	okN, refused := 0, 0
	for _, e := range audit.Events {
		if e.Action != "dispatch.assign" || !strings.Contains(e.Detail, "car-7") {
			continue
		}
		if e.OK {
			okN++
			if !strings.Contains(e.Detail, won.ID) || !strings.Contains(e.Detail, scene.cell.String()) {
				t.Errorf("audit detail %q lacks the dispatch or its cell", e.Detail)
			}
		} else if strings.Contains(e.Detail, "already on dispatch") {
			refused++
		}
	}
	if okN != 1 || refused != 7 {
		t.Errorf("audit: %d dispatches and %d refusals of car-7, want 1 and 7", okN, refused)
	}
	eventually(t, "both nodes see one active dispatch", func() bool {
		return len(a.dispatches("active")) == 1 && len(b.dispatches("active")) == 1
	})
	if code := a.call("GET", "/api/v1/dispatch/suggest?cell="+scene.cell.String(), nil, &sugg); code != 200 || sugg.Suggestions[0].Available || sugg.Suggestions[0].Dispatch != won.ID {
		t.Fatalf("a dispatched unit is still suggested as available: %+v", sugg)
	}

	// On the way: en route.
	clock.Advance(2 * time.Minute)
	a.send("/api/v1/positions", positionIn{Unit: "car-7", Status: "dispatched", Lat: mid.lat, Lng: mid.lng, Time: clock.Now()})
	eventually(t, "en route", func() bool { return b.dispatch(won.ID).Status == ops.EnRoute })

	// Restart both nodes midway: the state is rebuilt from the streams.
	a.stop()
	b.stop()
	c := startOps(t, clock, rs, prefix, rules)
	if d := c.dispatch(won.ID); d.Status != ops.EnRoute || !d.EnRouteAt.Equal(clock.Now()) {
		t.Fatalf("after restart: %+v", d)
	}

	// Arrives (a position in the next ring counts): on scene, response time.
	clock.Advance(3 * time.Minute)
	arrive := scene.cell.Disk(1)[1].Center()
	c.send("/api/v1/positions", positionIn{Unit: "car-7", Status: "busy", Lat: arrive.Lat(), Lng: arrive.Lon(), Time: clock.Now()})
	eventually(t, "on scene", func() bool { return c.dispatch(won.ID).Status == ops.OnScene })
	d := c.dispatch(won.ID)
	if want := clock.Now().Sub(won.AssignedAt).Seconds(); d.ResponseSeconds != want {
		t.Fatalf("response %v s, want %v", d.ResponseSeconds, want)
	}
	// Reports available again: cleared, and the unit can be sent again.
	clock.Advance(5 * time.Minute)
	c.send("/api/v1/positions", positionIn{Unit: "car-7", Status: "available", Lat: scene.lat, Lng: scene.lng, Time: clock.Now()})
	eventually(t, "cleared by the unit's report", func() bool { return c.dispatch(won.ID).Status == ops.Cleared })
	var next dispatchReply
	if code := c.call("POST", "/api/v1/dispatches", map[string]string{"unit": "car-7", "cell": home.cell.String()}, &next); code != 201 {
		t.Fatalf("re-dispatch after clearing: %d %s", code, next.Error)
	}
	if code := c.call("POST", "/api/v1/dispatches/"+next.ID+"/cancel", nil, &next); code != 200 || next.Status != ops.Cancelled {
		t.Fatalf("cancel: %d %+v", code, next)
	}
	if code := c.call("POST", "/api/v1/dispatches/"+next.ID+"/clear", nil, nil); code != http.StatusConflict {
		t.Fatalf("clear after cancel: %d, want 409", code)
	}
}

type unitsReply struct {
	Units []struct {
		Unit   string `json:"unit"`
		Status string `json:"status"`
	} `json:"units"`
}

func (s *server) units() unitsReply {
	s.t.Helper()
	var r unitsReply
	if code := s.call("GET", "/api/v1/units", nil, &r); code != 200 {
		s.t.Fatalf("units: %d", code)
	}
	return r
}

// TestAlertCountsOnTheWebsocket checks the alerts and dispatches layers and
// measures how long an alert takes from the POST of its triggering incident
// to the count changing on a websocket client, for a severe incident and a
// hot cell (both raised as the incident is folded, not at the next evaluation).
func TestAlertCountsOnTheWebsocket(t *testing.T) {
	rs := redistest.Start(t)
	s := startOps(t, newTestClock(time.Now()), rs, redistest.Prefix(t), `{`+strings.Replace(rulesOff, `"every":"200ms"`, `"every":"1s"`, 1)+`,
		"severe":{"minSeverity":4},
		"hotCell":[{"name":"hot","res":9,"window":"1h","open":5,"clear":2,"severity":2}]}`)
	ws := s.dial(`{"type":"subscribe","layers":["alerts","dispatches"]}`)
	snap, _ := ws.next(5 * time.Second)
	if snap.Type != "snapshot" || snap.Alerts == nil || snap.Dispatches == nil || snap.Alerts.Counts.Open != 0 {
		t.Fatalf("snapshot without the layers: %+v", snap)
	}
	waitCount := func(want int) time.Time {
		for {
			f, at := ws.next(10 * time.Second)
			if f.Alerts != nil && f.Alerts.Counts.Open == want {
				if len(f.Alerts.Open) != want {
					t.Fatalf("counts say %d open, list has %d", want, len(f.Alerts.Open))
				}
				return at
			}
		}
	}
	measure := func(name string, n int, trigger func(i int)) {
		lat := make([]time.Duration, 0, n)
		base := s.alerts("open").Counts.Open
		for i := range n {
			start := time.Now()
			trigger(i)
			lat = append(lat, waitCount(base+i+1).Sub(start))
		}
		slices.Sort(lat)
		t.Logf("%s: event → alert count on the websocket over %d alerts: p50 %v, p99 %v, max %v",
			name, n, lat[n/2].Round(time.Millisecond), lat[(n*99)/100].Round(time.Millisecond), lat[n-1].Round(time.Millisecond))
	}
	measure("severe incident", 30, func(i int) {
		p := place(31.20+float64(i)*0.005, 120.55)
		s.send("/api/v1/incidents", burst(p, 1, time.Now(), 4))
	})
	measure("hot cell", 15, func(i int) {
		p := place(31.40+float64(i)*0.005, 120.70)
		s.send("/api/v1/incidents", burst(p, 5, time.Now(), 1))
	})

	// The figures are on /metrics too.
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("citygrid_alerts_active %d\n", s.alerts("open").Counts.Open); !strings.Contains(string(body), want) {
		t.Errorf("/metrics lacks %q", want)
	}

	// A dispatch shows on the dispatches layer.
	p := place(31.30, 120.60)
	s.send("/api/v1/positions", positionIn{Unit: "car-1", Status: "available", Lat: p.lat, Lng: p.lng, Time: time.Now()})
	eventually(t, "unit known", func() bool { return len(s.units().Units) == 1 })
	var d dispatchReply
	if code := s.call("POST", "/api/v1/dispatches", map[string]string{"unit": "car-1", "cell": p.cell.String()}, &d); code != 201 {
		t.Fatalf("dispatch: %d %s", code, d.Error)
	}
	for {
		f, _ := ws.next(10 * time.Second)
		if f.Dispatches != nil && len(*f.Dispatches) == 1 && (*f.Dispatches)[0].ID == d.ID {
			break
		}
	}
}

// TestSimulatedUnitsObeyDispatches is the loop `make run` shows: a dispatcher
// sends a simulated car to a cell nearby, and its own reports bring it on scene.
func TestSimulatedUnitsObeyDispatches(t *testing.T) {
	rs := redistest.Start(t)
	s := startServer(t, rs.URL(), redistest.Prefix(t), "-simulate", "-sim-rate", "1")
	type unit struct {
		Unit, Kind, Status string
		Lat, Lng           float64
	}
	var car unit
	eventually(t, "an available simulated car", func() bool {
		var r struct{ Units []unit }
		s.call("GET", "/api/v1/units", nil, &r)
		for _, u := range r.Units {
			if u.Kind == "car" && u.Status == "available" {
				car = u
				return true
			}
		}
		return false
	})
	from := geo.CellOf(orb.Point{car.Lng, car.Lat}, geo.FineRes)
	// Two rings (about 350 m) away, on the side of the city centre, so the
	// target is inside the city the simulator keeps its units in.
	centre := orb.Point{120.62, 31.32}
	var target geo.Cell
	for _, c := range from.Disk(2) {
		if n, _ := c.GridDistance(from); n == 2 && (target == 0 || planar(c.Center(), centre) < planar(target.Center(), centre)) {
			target = c
		}
	}
	var d dispatchReply
	if code := s.call("POST", "/api/v1/dispatches", map[string]string{"unit": car.Unit, "cell": target.String()}, &d); code != 201 {
		t.Fatalf("dispatch %s: %d %s", car.Unit, code, d.Error)
	}
	deadline := time.Now().Add(150 * time.Second)
	for s.dispatch(d.ID).Status != ops.OnScene {
		if time.Now().After(deadline) {
			t.Fatalf("%s not on scene after 150 s: %+v", car.Unit, s.dispatch(d.ID))
		}
		time.Sleep(200 * time.Millisecond)
	}
	got := s.dispatch(d.ID)
	t.Logf("%s on scene after %.0f s (%s)", car.Unit, got.ResponseSeconds, got.Status)
}

func planar(a, b orb.Point) float64 { return (a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) }

func TestRulesFileIsReloaded(t *testing.T) {
	rs := redistest.Start(t)
	clock := newTestClock(testStart())
	path := filepath.Join(t.TempDir(), "rules.json")
	write := func(body string) {
		// A new size or modification time is what the server watches.
		if err := os.WriteFile(path+".tmp", []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			t.Fatal(err)
		}
	}
	write(`{` + rulesOff + `}`)
	s := startServerClock(t, clock.Now, rs.URL(), redistest.Prefix(t), "-rules", path)
	p := place(31.30, 120.60)
	s.send("/api/v1/incidents", burst(p, 1, clock.Now(), 4))
	settle()
	if n := len(s.alerts("all").Alerts); n != 0 {
		t.Fatalf("severe rule off, yet %d alerts", n)
	}
	write(`{` + rulesOff + `,"severe":{"minSeverity":4}}`)
	// A later severe incident alerts once the file is re-read (within 2 s).
	eventually(t, "the reloaded rule alerts", func() bool {
		s.send("/api/v1/incidents", burst(p, 1, clock.Now(), 4))
		time.Sleep(300 * time.Millisecond)
		return len(s.alerts("open").Alerts) > 0
	})
	// A broken file is refused and the rules in force stay.
	write(`{"hotCell":[{"name":"x","res":2}]}`)
	time.Sleep(2500 * time.Millisecond)
	before := len(s.alerts("all").Alerts)
	s.send("/api/v1/incidents", burst(p, 1, clock.Now(), 4))
	eventually(t, "the rules in force still alert", func() bool { return len(s.alerts("all").Alerts) == before+1 })
}

func TestDispatchWhileRedisIsDownIs503AndNothingHalfDone(t *testing.T) {
	rs := redistest.Start(t)
	clock := newTestClock(testStart())
	s := startOps(t, clock, rs, redistest.Prefix(t), `{`+rulesOff+`}`)
	p := place(31.30, 120.60)
	s.send("/api/v1/positions", positionIn{Unit: "car-1", Status: "available", Lat: p.lat, Lng: p.lng, Time: clock.Now()})
	eventually(t, "unit known", func() bool { return len(s.units().Units) == 1 })
	rs.Stop()
	var r dispatchReply
	if code := s.call("POST", "/api/v1/dispatches", map[string]string{"unit": "car-1", "cell": p.cell.String()}, &r); code != http.StatusServiceUnavailable {
		t.Fatalf("dispatch with Redis down: %d %s, want 503", code, r.Error)
	}
	rs.Restart()
	// Nothing was kept: the unit is free, and the retry is the one dispatch.
	eventually(t, "dispatch after Redis is back", func() bool {
		return s.call("POST", "/api/v1/dispatches", map[string]string{"unit": "car-1", "cell": p.cell.String()}, &r) == http.StatusCreated
	})
	if ds := s.dispatches("all"); len(ds) != 1 || ds[0].ID != r.ID {
		t.Fatalf("dispatches after the outage: %+v", ds)
	}
}

func TestIncidentsOfACell(t *testing.T) {
	rs := redistest.Start(t)
	clock := newTestClock(testStart())
	s := startOps(t, clock, rs, redistest.Prefix(t), `{`+rulesOff+`}`)
	p, other := place(31.30, 120.60), place(31.31, 120.62)
	var mine []incidentIn
	for i := range 7 {
		mine = append(mine, burst(p, 1, clock.Now().Add(-time.Duration(i)*time.Minute), 1+i%4)...)
	}
	old := burst(p, 1, clock.Now().Add(-2*time.Hour), 2) // outside the hour
	s.send("/api/v1/incidents", append(append(mine, old...), burst(other, 5, clock.Now(), 1)...))
	var r struct {
		Incidents []struct {
			ID, Cell string
			Time     time.Time
			Severity int
		}
		Truncated bool
	}
	// The cell's incidents are found once the live state has folded them.
	eventually(t, "the cell's incidents folded", func() bool {
		if code := s.call("GET", "/api/v1/incidents?window=1h&cell="+p.cell.Parent(8).String(), nil, &r); code != 200 {
			t.Fatalf("incidents: %d", code)
		}
		return len(r.Incidents) >= 7
	})
	if len(r.Incidents) != 7 || r.Truncated {
		t.Fatalf("want the cell's 7 incidents of the hour, got %d (truncated %v)", len(r.Incidents), r.Truncated)
	}
	for i, in := range r.Incidents {
		if in.ID != mine[i].ID || in.Cell != p.cell.String() {
			t.Errorf("incident %d: %s in %s, want %s (newest first)", i, in.ID, in.Cell, mine[i].ID)
		}
	}
	if code := s.call("GET", "/api/v1/incidents?limit=3&cell="+p.cell.String(), nil, &r); code != 200 || len(r.Incidents) != 3 || !r.Truncated {
		t.Fatalf("limit 3: %d, %d incidents, truncated %v", code, len(r.Incidents), r.Truncated)
	}
	// A dispatch can name one of them.
	s.send("/api/v1/positions", positionIn{Unit: "car-1", Status: "available", Lat: other.lat, Lng: other.lng, Time: clock.Now()})
	eventually(t, "unit known", func() bool { return len(s.units().Units) == 1 })
	var d dispatchReply
	if code := s.call("POST", "/api/v1/dispatches", map[string]string{"unit": "car-1", "incident": mine[2].ID}, &d); code != 201 || d.Incident != mine[2].ID || d.Cell != p.cell.String() {
		t.Fatalf("dispatch to an incident: %d %+v %s", code, d.Dispatch, d.Error)
	}
	for _, bad := range []string{"cell=nonsense", "cell=" + p.cell.Parent(5).String(), "window=2h&cell=" + p.cell.String(), "limit=0&cell=" + p.cell.String()} {
		if code := s.call("GET", "/api/v1/incidents?"+bad, nil, nil); code != 400 {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
}
