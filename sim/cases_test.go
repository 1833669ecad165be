package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// caseDesk is a stand-in for the server's cases: it keeps each case's state
// and refuses, as the server does, an action its state does not allow.
type caseDesk struct {
	mu      sync.Mutex
	state   map[string]string
	actions map[string][]string // by case, in order
	refused int
	steal   string // a case a person moves first: the simulator's next move of it is refused
	status  int    // answer every move with this status, when set
}

// legal is the server's table: the states an action may be taken in, and
// the state it leads to.
var legal = map[string]struct {
	from []string
	to   string
}{
	"accept": {[]string{"registered"}, "accepted"}, "reject": {[]string{"registered", "accepted"}, "rejected"},
	"assign": {[]string{"accepted", "assigned"}, "assigned"}, "escalate": {[]string{"accepted", "assigned"}, "assigned"},
	"handle": {[]string{"assigned"}, "handled"}, "suspend": {[]string{"assigned"}, "suspended"},
	"resume": {[]string{"suspended"}, "assigned"}, "verify": {[]string{"handled"}, "verified"},
	"return": {[]string{"handled"}, "assigned"}, "close": {[]string{"verified"}, "closed"},
	"rate": {[]string{"closed"}, "rated"},
}

func (d *caseDesk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	rest := strings.TrimPrefix(r.URL.Path, "/api/v1/cases")
	if rest == "" {
		id := body["id"].(string)
		if body["subcategory"] != "env.road-cleaning" || body["channel"] != "grid-worker" || body["incident"] == "" {
			http.Error(w, `{"error":"bad case"}`, 400)
			return
		}
		d.state[id] = "registered"
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "state": "registered"})
		return
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	id, action := parts[0], parts[1]
	d.actions[id] = append(d.actions[id], action)
	if d.status != 0 {
		w.WriteHeader(d.status)
		return
	}
	rule, ok := legal[action]
	if id == d.steal || !ok || !slices.Contains(rule.from, d.state[id]) {
		d.refused++
		w.WriteHeader(409)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "conflict", "state": d.state[id]})
		return
	}
	if (action == "handle" || action == "reject" || action == "return" || action == "suspend") && body["note"] == "" {
		http.Error(w, `{"error":"note: required"}`, 400)
		return
	}
	d.state[id] = rule.to
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "state": rule.to})
}

// runDesk runs a simulator's cases against desk: n incidents become cases,
// then the simulated clock moves ten minutes a step, steps times (pause
// apart, so the simulator takes its steps), and the run ends.
func runDesk(t *testing.T, desk *caseDesk, n, steps int, pause time.Duration) *Simulator {
	t.Helper()
	srv := httptest.NewServer(desk)
	t.Cleanup(srv.Close)
	var clock atomic.Int64
	clock.Store(nineAM().UnixNano())
	s := newSim(t, srv.URL, func(c *Config) {
		c.Now = func() time.Time { return time.Unix(0, clock.Load()) }
		c.CaseKinds = []CaseKind{{Code: "env.road-cleaning", Limit: 2 * time.Hour}}
		c.CaseChannels = []string{"grid-worker"}
	})
	s.caseEvery = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	in := make(chan Incident)
	done := make(chan struct{})
	go func() { defer close(done); s.runCases(ctx, in) }()
	for i := range n {
		in <- Incident{ID: fmt.Sprintf("in-%d", i), Title: "垃圾", Lat: 31.3, Lng: 120.6}
	}
	for range steps {
		clock.Add(int64(10 * time.Minute))
		time.Sleep(pause)
	}
	cancel()
	<-done
	return s
}

func TestSimulatedCasesGoRoundTheLoop(t *testing.T) {
	desk := &caseDesk{state: map[string]string{}, actions: map[string][]string{}, steal: "sim-case-in-3"}
	const n = 40
	s := runDesk(t, desk, n, 60, 15*time.Millisecond) // ten simulated hours

	desk.mu.Lock()
	defer desk.mu.Unlock()
	if len(desk.state) != n || s.Stats().Cases != n {
		t.Fatalf("%d cases opened (stats %d), want %d", len(desk.state), s.Stats().Cases, n)
	}
	ends := map[string]int{}
	sawRework, sawLoop := false, false
	for id, st := range desk.state {
		ends[st]++
		acts := desk.actions[id]
		sawRework = sawRework || slices.Contains(acts, "return")
		sawLoop = sawLoop || st == "rated" && slices.Contains(acts, "handle") && slices.Contains(acts, "verify")
	}
	// The stolen case was let go after its first refusal; nothing else was
	// refused: every move the simulator made was one its state allowed.
	if got := desk.actions["sim-case-in-3"]; len(got) != 1 || desk.refused != 1 {
		t.Errorf("the case a person moved: %v; %d refusals in all", got, desk.refused)
	}
	if ends["rated"] < n/2 || !sawLoop {
		t.Errorf("after ten hours %v: most cases should be rated", ends)
	}
	if !sawRework {
		t.Errorf("no case was sent back after a check, in %d", n)
	}
	if s.Stats().Moves < int64(5*n) {
		t.Errorf("%d moves", s.Stats().Moves)
	}
}

// A key that may not move cases stops the moving, not the simulator.
func TestSimulatedCasesStopMovingWithoutTheRight(t *testing.T) {
	desk := &caseDesk{state: map[string]string{}, actions: map[string][]string{}, status: http.StatusForbidden}
	runDesk(t, desk, 3, 20, 5*time.Millisecond)
	desk.mu.Lock()
	defer desk.mu.Unlock()
	moves := 0
	for _, a := range desk.actions {
		moves += len(a)
	}
	if len(desk.state) != 3 || moves != 1 {
		t.Fatalf("%d cases, %d moves tried; want 3 cases and one refused move", len(desk.state), moves)
	}
}
