package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// carAndScene picks the first car of s's fleet and a scene about metres from
// it, inside the city.
func carAndScene(t *testing.T, s *Simulator, metres float64) (*unit, orb.Point) {
	t.Helper()
	s.umu.Lock()
	defer s.umu.Unlock()
	for _, u := range s.units {
		if u.kind.name != "car" {
			continue
		}
		for a := 0.0; a < 2*math.Pi; a += math.Pi / 8 {
			p := offset(u.pos, metres*math.Sin(a), metres*math.Cos(a))
			if s.atlas.contains(p) && s.atlas.segmentInside(u.pos, p) {
				return u, p
			}
		}
	}
	t.Fatal("no car with room for a scene")
	return nil, orb.Point{}
}

// order9 is an active dispatch of u to scene, as the server would list it.
func order9(id string, u *unit, scene orb.Point, status string) dispatch {
	return dispatch{ID: id, Unit: u.id, Cell: geo.CellOf(scene, 9).String(), Lat: scene.Lat(), Lng: scene.Lon(), Status: status}
}

// reportsOf steps s by dt n times and returns u's reports with the sim time
// each was made at, calling each before every step.
func reportsOf(s *Simulator, u *unit, dt time.Duration, n int, each func(i int)) (out []Position, at []float64) {
	for i := range n {
		if each != nil {
			each(i)
		}
		for _, p := range s.NextPositions(dt) {
			if p.Unit == u.id {
				out = append(out, p)
				at = append(at, float64(i+1)*dt.Seconds())
			}
		}
	}
	return out, at
}

func TestDispatchedUnitDrivesToSceneThenClears(t *testing.T) {
	t.Parallel()
	s := newSim(t, "http://127.0.0.1:1", func(c *Config) { c.Units = 20 })
	u, scene := carAndScene(t, s, 1500)
	d := order9("d-1", u, scene, "assigned")
	target := geo.CellOf(scene, 9)

	retaken := false
	ps, at := reportsOf(s, u, 200*time.Millisecond, 400*5, func(i int) {
		if i%5 == 0 { // the poller, once a simulated second
			d.Status = "en_route"
			if s.finished[d.ID] || (u.order != nil && u.order.onScene) {
				d.Status = "on_scene" // the server lags: still listed after the unit cleared
			}
			s.obey([]dispatch{d})
			if s.finished[d.ID] && u.order != nil {
				retaken = true
			}
		}
		if u.order != nil {
			u.statusLeft = 0 // the random chain is due all the time; it must not touch the order
		}
	})

	if len(ps) == 0 || ps[0].Status != dispatched {
		t.Fatalf("first report after the order: %+v, want dispatched at once", ps[:min(1, len(ps))])
	}
	// Statuses go dispatched → busy → available, each once.
	var runs []string
	for _, p := range ps {
		if len(runs) == 0 || runs[len(runs)-1] != p.Status {
			runs = append(runs, p.Status)
		}
	}
	if len(runs) < 3 || !slices.Equal(runs[:3], []string{dispatched, busy, available}) {
		t.Fatalf("statuses %v, want dispatched, busy, available", runs)
	}
	if retaken {
		t.Error("the finished dispatch, still listed on scene, was taken again")
	}

	prev := ps[0]
	var arrived, done float64 // sim times of the first busy and available reports
	for i, p := range ps {
		if done > 0 {
			break // back on patrol, where the random chain may send it anywhere
		}
		pt := orb.Point{p.Lng, p.Lat}
		switch p.Status {
		case dispatched:
			if i > 0 && distance(pt, scene) > distance(orb.Point{prev.Lng, prev.Lat}, scene)+0.01 {
				t.Fatalf("report %d moved away from the scene", i)
			}
			if p.Speed != u.kind.rush {
				t.Errorf("report %d: speed %v, want the rush speed %v", i, p.Speed, u.kind.rush)
			}
		case busy:
			if arrived == 0 {
				arrived = at[i]
			}
			if distance(pt, scene) > arriveWithin || !slices.Contains(target.Disk(1), geo.CellOf(pt, 9)) {
				t.Fatalf("busy at %v, %.0f m from the scene", pt, distance(pt, scene))
			}
		case available:
			done = at[i]
			if distance(pt, scene) > arriveWithin {
				t.Errorf("reported available %.0f m from the scene, want there", distance(pt, scene))
			}
		}
		if i > 0 && prev.Status == dispatched {
			if step := distance(orb.Point{prev.Lng, prev.Lat}, pt); step > maxReportStep+arriveWithin {
				t.Fatalf("report %d: %.0f m since the last, could skip the target cell", i, step)
			}
		}
		prev = p
	}
	// 1,480 m at 16 m/s.
	if arrived < 85 || arrived > 100 {
		t.Errorf("on scene after %.0f s, want about 92", arrived)
	}
	if on := done - arrived; on < s.sceneMin || on > s.sceneMax+1 {
		t.Errorf("%.0f s on scene, want %v to %v", on, s.sceneMin, s.sceneMax)
	}
	last := ps[len(ps)-1]
	if distance(orb.Point{last.Lng, last.Lat}, scene) < 10 {
		t.Errorf("still at the scene at the end: not back on patrol")
	}

	// Once the server drops it, nothing is remembered.
	s.obey(nil)
	if len(s.finished) != 0 {
		t.Errorf("finished %v after the server dropped the dispatch", s.finished)
	}
}

func TestCancelledDispatchReleasesUnit(t *testing.T) {
	t.Parallel()
	for _, onScene := range []bool{false, true} {
		t.Run(fmt.Sprintf("on scene %v", onScene), func(t *testing.T) {
			t.Parallel()
			s := newSim(t, "http://127.0.0.1:1", func(c *Config) { c.Units = 20 })
			u, scene := carAndScene(t, s, 400)
			s.obey([]dispatch{order9("d-1", u, scene, "assigned")})
			secs := 10
			if onScene {
				secs = 40 // 400 m at 16 m/s, then a few seconds there
			}
			ps, _ := reportsOf(s, u, time.Second, secs, nil)
			want := dispatched
			if onScene {
				want = busy
			}
			if st := ps[len(ps)-1].Status; st != want {
				t.Fatalf("status %s before the cancel, want %s", st, want)
			}

			s.obey([]dispatch{}) // cancelled by an operator: no longer listed
			ps, _ = reportsOf(s, u, 200*time.Millisecond, 1, nil)
			if len(ps) != 1 || ps[0].Status != available {
				t.Fatalf("reports %+v right after the cancel, want available at once", ps)
			}
			if u.order != nil {
				t.Fatal("unit still holds the order")
			}
			if !onScene && u.target == scene {
				t.Error("released unit still drives to the scene")
			}
		})
	}
}

func TestDispatchForOtherUnitsAndUnknownPlacesIgnored(t *testing.T) {
	s := newSim(t, "http://127.0.0.1:1", func(c *Config) { c.Units = 5 })
	u := s.units[0]
	s.obey([]dispatch{
		{ID: "d-1", Unit: "XX-car-999", Lat: 31.3, Lng: 120.6, Status: "assigned"},
		{ID: "d-2", Unit: u.id, Cell: "not a cell", Status: "assigned"},
		{ID: "d-3", Unit: s.units[1].id, Lat: 31.3, Lng: 120.6, Status: "cancelled"},
	})
	for _, u := range s.units {
		if u.order != nil {
			t.Errorf("%s took %s", u.id, u.order.id)
		}
	}
	// Only a cell: the unit goes to its centre.
	c := geo.CellOf(u.pos, 9)
	s.obey([]dispatch{{ID: "d-4", Unit: u.id, Cell: c.String(), Status: "assigned"}})
	if u.order == nil || distance(u.order.scene, c.Center()) > 0.01 {
		t.Fatalf("order %+v, want the cell's centre", u.order)
	}
}

// A fakeOps is a stand-in server with dispatches: positions go to a recorder,
// and GET /api/v1/dispatches answers as the contract says, with a dispatch
// turning on_scene when its unit reports within one ring of the target cell and
// cleared when it then reports available.
type fakeOps struct {
	rec  *recorder
	fail func(n int) int // status to answer the nth GET, 0 to answer

	mu     sync.Mutex
	gets   int
	authz  []string
	ds     []dispatch
	onAt   map[string]bool
	served int // positions already folded
}

func newFakeOps(t *testing.T, ds ...dispatch) (*fakeOps, *httptest.Server) {
	f := &fakeOps{rec: &recorder{t: t, attempts: map[string]int{}}, ds: ds, onAt: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeOps) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/dispatches" {
		f.rec.ServeHTTP(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	f.authz = append(f.authz, r.Header.Get("Authorization"))
	if r.Method != http.MethodGet || r.URL.Query().Get("status") != "active" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if f.fail != nil {
		if st := f.fail(f.gets); st != 0 {
			http.Error(w, http.StatusText(st), st)
			return
		}
	}
	_, ps := f.rec.snapshot()
	for _, p := range ps[f.served:] {
		for i := range f.ds {
			d := &f.ds[i]
			if d.Unit != p.Unit || !d.active() {
				continue
			}
			target, _ := geo.ParseCell(d.Cell)
			near := slices.Contains(target.Disk(1), geo.CellOf(orb.Point{p.Lng, p.Lat}, 9))
			switch {
			case d.Status == "on_scene" && p.Status == available:
				d.Status = "cleared"
			case near:
				d.Status = "on_scene"
			case d.Status == "assigned":
				d.Status = "en_route"
			}
		}
	}
	f.served = len(ps)
	var active []dispatch
	for _, d := range f.ds {
		if d.active() {
			active = append(active, d)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"asOf": time.Now(), "dispatches": active})
}

func (f *fakeOps) status(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.ds {
		if d.ID == id {
			return d.Status
		}
	}
	return ""
}

// parkOffDuty parks u off duty for good, so none of its reports before it takes an
// order say available or dispatched.
func parkOffDuty(s *Simulator, u *unit) {
	s.umu.Lock()
	defer s.umu.Unlock()
	u.status, u.statusLeft = offDuty, 1e9
}

// reported reports whether the server got a position of unit with status.
func (f *fakeOps) reported(unit, status string) bool {
	_, ps := f.rec.snapshot()
	return slices.ContainsFunc(ps, func(p Position) bool { return p.Unit == unit && p.Status == status })
}

func TestRunFollowsDispatchUntilServerClearsIt(t *testing.T) {
	t.Parallel()
	s := newSim(t, "http://127.0.0.1:1", func(c *Config) {
		c.Rate = 1
		c.Units = 10
		c.PositionEvery = 200 * time.Millisecond
		c.DispatchEvery = 50 * time.Millisecond
		c.APIKey = "secret"
	})
	s.sceneMin, s.sceneMax = 0.3, 0.5
	u, scene := carAndScene(t, s, 40)
	parkOffDuty(s, u) // so a report made before it polls cannot clear the dispatch
	f, srv := newFakeOps(t, order9("d-1", u, scene, "assigned"))
	s.cfg.URL = srv.URL

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		for ctx.Err() == nil && f.status("d-1") != "cleared" {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // a few more polls with it gone
		cancel()
	}()
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}

	if st := f.status("d-1"); st != "cleared" {
		t.Fatalf("dispatch %s, want cleared by the unit's own reports", st)
	}
	if st := s.Stats(); st.Orders != 1 || st.Cleared != 1 {
		t.Errorf("stats %+v, want 1 dispatch taken and cleared", st)
	}
	_, ps := f.rec.snapshot()
	var runs []string
	for _, p := range ps {
		if p.Unit == u.id && (len(runs) == 0 || runs[len(runs)-1] != p.Status) {
			runs = append(runs, p.Status)
		}
	}
	if i := slices.Index(runs, dispatched); i < 0 || !slices.Equal(runs[i:], []string{dispatched, busy, available}) {
		t.Errorf("statuses %v, want dispatched, busy, available and then patrol", runs)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.authz {
		if a != "Bearer secret" {
			t.Fatalf("GET dispatches with Authorization %q", a)
		}
	}
}

func TestPollerSurvivesServerWithoutDispatches(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusNotFound, http.StatusUnauthorized, http.StatusForbidden, http.StatusInternalServerError} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var logs []string
			s := newSim(t, "http://127.0.0.1:1", func(c *Config) {
				c.Units = 10
				c.PositionEvery = 100 * time.Millisecond
				c.DispatchEvery = 20 * time.Millisecond
				c.Logf = func(format string, args ...any) {
					mu.Lock()
					defer mu.Unlock()
					logs = append(logs, fmt.Sprintf(format, args...))
				}
			})
			u, scene := carAndScene(t, s, 400)
			parkOffDuty(s, u)
			// Refuses the first 10 polls, then has an order: polling goes on.
			f, srv := newFakeOps(t, order9("d-1", u, scene, "assigned"))
			f.fail = func(n int) int {
				if n <= 10 {
					return code
				}
				return 0
			}
			s.cfg.URL = srv.URL
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for ctx.Err() == nil && !f.reported(u.id, dispatched) {
					time.Sleep(10 * time.Millisecond)
				}
				cancel()
			}()
			time.AfterFunc(10*time.Second, cancel)
			if err := s.Run(ctx); err != nil {
				t.Fatal(err)
			}

			if !f.reported(u.id, dispatched) {
				t.Error("the unit never took the dispatch after the server answered")
			}
			if _, ps := f.rec.snapshot(); len(ps) < 10 {
				t.Errorf("%d positions: the refused polls stopped the feed", len(ps))
			}
			mu.Lock()
			defer mu.Unlock()
			var failed int
			for _, l := range logs {
				if strings.Contains(l, "dispatches") && strings.Contains(l, http.StatusText(code)) {
					failed++
				}
			}
			if failed != 1 {
				t.Errorf("%d log lines about the refusals, want 1: %q", failed, logs)
			}
		})
	}
}

func TestPollerQuietWhileServerIsDown(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines int
	s := newSim(t, "http://127.0.0.1:1", func(c *Config) {
		c.DispatchEvery = 10 * time.Millisecond
		c.Logf = func(format string, args ...any) {
			if strings.HasPrefix(format, "sim: dispatches") {
				mu.Lock()
				lines++
				mu.Unlock()
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	s.pollDispatches(ctx) // nothing listens: returns only because ctx ends
	if lines != 1 {
		t.Errorf("%d log lines for a server that is down, want 1", lines)
	}
}

func TestFinishedDispatchServerMissedIsTakenAgain(t *testing.T) {
	t.Parallel()
	s := newSim(t, "http://127.0.0.1:1", func(c *Config) { c.Units = 20 })
	s.sceneMin, s.sceneMax = 1, 1
	u, scene := carAndScene(t, s, 10) // there already: on scene at once
	s.obey([]dispatch{order9("d-1", u, scene, "assigned")})
	reportsOf(s, u, time.Second, 3, nil)
	if u.order != nil || !s.finished["d-1"] {
		t.Fatalf("order %+v, finished %v: want it done", u.order, s.finished)
	}
	s.obey([]dispatch{order9("d-1", u, scene, "on_scene")}) // the server catching up
	if u.order != nil {
		t.Fatal("taken again while the server has it on scene")
	}
	s.obey([]dispatch{order9("d-1", u, scene, "en_route")}) // the server never saw it arrive
	if u.order == nil || u.order.id != "d-1" || u.status != dispatched {
		t.Fatalf("order %+v status %s: want the unit back on it", u.order, u.status)
	}
}
