package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/api"
	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
	"github.com/redis/go-redis/v9"
)

type caseReply struct {
	cases.Case
	Actions []string `json:"actions"`
	Error   string   `json:"error"`
	State2  string   `json:"-"`
}

// UnmarshalJSON keeps the error body's "state" apart from the case's.
func (r *caseReply) UnmarshalJSON(b []byte) error {
	var errBody struct {
		Error string `json:"error"`
		State string `json:"state"`
	}
	_ = json.Unmarshal(b, &errBody)
	if errBody.Error != "" {
		r.Error, r.State2 = errBody.Error, errBody.State
		return nil
	}
	var body struct {
		cases.Case
		Actions []string `json:"actions"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return err
	}
	r.Case, r.Actions = body.Case, body.Actions
	return nil
}

func newCaseBody(id string, lat, lng float64) map[string]any {
	return map[string]any{"id": id, "title": "暴露垃圾 on the corner", "subcategory": "env.exposed-garbage",
		"lat": lat, "lng": lng, "channel": "hotline-12345", "description": "bags by the bins",
		"reporter": map[string]string{"name": "王女士", "phone": "13912345678"}}
}

func (s *server) moveCase(id, action string, body any) (int, caseReply) {
	s.t.Helper()
	var r caseReply
	code := s.call("POST", "/api/v1/cases/"+id+"/"+action, body, &r)
	return code, r
}

func (s *server) getCase(id string) caseReply {
	s.t.Helper()
	var r caseReply
	if code := s.call("GET", "/api/v1/cases/"+id, nil, &r); code != 200 {
		s.t.Fatalf("GET case %s: %d %s", id, code, r.Error)
	}
	return r
}

// A case from registration to rating, with a failed check, a restart of the
// server midway, and the figures following; on an injected clock.
func TestCaseLoopThroughTheAPI(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	// Tuesday 1 Dec 2026, 09:00 in Suzhou.
	clock := newTestClock(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC))
	s := startServerClock(t, clock.Now, rs.URL(), prefix)
	p := place(31.30, 120.60)

	var made caseReply
	if code := s.call("POST", "/api/v1/cases", newCaseBody("hotline-1", p.lat, p.lng), &made); code != 201 {
		t.Fatalf("register: %d %s", code, made.Error)
	}
	if made.State != cases.Registered || made.Label != "待受理" || made.Cell != p.cell.String() || made.Regions.Street == "" ||
		made.Level != "community" || made.Region != made.Regions.Community || made.Reporter == nil || made.LimitMinutes != 240 {
		t.Fatalf("registered: %+v", made.Case)
	}
	// The feed's retry is the same case, not a second one.
	var again caseReply
	if code := s.call("POST", "/api/v1/cases", newCaseBody("hotline-1", p.lat, p.lng), &again); code != 200 || again.Version != 1 || again.CreatedAt != made.CreatedAt {
		t.Fatalf("a retry: %d %+v", code, again.Case)
	}

	// Bad input: each its clear 4xx, nothing written.
	bad := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"subcategory": "env.unicorns"}, "subcategory"},
		{map[string]any{"lat": 39.9, "lng": 116.4}, "lat/lng"},
		{map[string]any{"channel": "carrier-pigeon"}, "channel"},
		{map[string]any{"title": ""}, "title"},
		{map[string]any{"description": strings.Repeat("x", 4001)}, "description"},
	}
	for i, b := range bad {
		body := newCaseBody(fmt.Sprintf("bad-%d", i), p.lat, p.lng)
		for k, v := range b.body {
			body[k] = v
		}
		var r caseReply
		if code := s.call("POST", "/api/v1/cases", body, &r); code != 400 || !strings.HasPrefix(r.Error, b.field+":") {
			t.Errorf("%v: %d %q, want 400 naming %s", b.body, code, r.Error, b.field)
		}
	}
	id := made.ID
	step := func(action string, body any, state cases.State) caseReply {
		t.Helper()
		code, r := s.moveCase(id, action, body)
		if code != 200 || r.State != state {
			t.Fatalf("%s: %d %s %q", action, code, r.State, r.Error)
		}
		return r
	}
	// An action the state forbids: 409 naming the state; a note over the
	// limit: 400; neither changes the case.
	if code, r := s.moveCase(id, "close", nil); code != 409 || r.State2 != "registered" || !strings.Contains(r.Error, "registered") {
		t.Fatalf("close a registered case: %d %+v", code, r)
	}
	if code, r := s.moveCase(id, "accept", map[string]string{"note": strings.Repeat("备", 1000)}); code != 400 || !strings.HasPrefix(r.Error, "note:") {
		t.Fatalf("a long note: %d %q", code, r.Error)
	}
	if got := s.getCase(id); got.Version != 1 || len(got.Timeline) != 1 {
		t.Fatalf("refused moves changed the case: %+v", got.Case)
	}
	step("accept", nil, cases.Accepted)
	clock.Advance(time.Hour) // 10:00
	assigned := step("assign", map[string]string{"department": "姑苏环卫所"}, cases.Assigned)
	if want := time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC); !assigned.Due.Equal(want) || assigned.Department != "姑苏环卫所" {
		// 4 working hours from 10:00: 10:00-12:00 and 13:30-15:30 (07:30 UTC).
		t.Fatalf("assigned: due %v, department %s", assigned.Due, assigned.Department)
	}
	clock.Advance(time.Hour)
	step("handle", map[string]string{"note": "cleared"}, cases.Handled)
	step("return", map[string]string{"note": "bags still there"}, cases.Assigned)

	// The server restarts mid-journey: nothing changes.
	before := s.getCase(id)
	s.stop()
	s = startServerClock(t, clock.Now, rs.URL(), prefix)
	after := s.getCase(id)
	if after.Version != before.Version || after.State != before.State || after.Rework != 1 || len(after.Timeline) != len(before.Timeline) || !after.Due.Equal(before.Due) {
		t.Fatalf("after a restart: %+v, before %+v", after.Case, before.Case)
	}
	clock.Advance(30 * time.Minute)
	step("handle", map[string]string{"note": "cleared, photo attached"}, cases.Handled)
	step("verify", nil, cases.Verified)
	closed := step("close", nil, cases.Closed)
	if !closed.OnTime || closed.Rework != 1 {
		t.Fatalf("closed: %+v", closed.Case)
	}
	rated := step("rate", map[string]any{"satisfaction": 4, "comment": "ok"}, cases.Rated)
	if rated.Satisfaction != 4 || len(rated.Timeline) != 9 || rated.Actions[0] != "reopen" {
		t.Fatalf("rated: %+v", rated)
	}

	// The street's figures follow.
	var stats struct {
		Rows []cases.Figures `json:"rows"`
	}
	q := "/api/v1/cases/stats?level=street&code=" + made.Regions.District + "&from=2026-12-01T00:00:00%2B08:00&to=2026-12-02T00:00:00%2B08:00"
	if code := s.call("GET", q, nil, &stats); code != 200 {
		t.Fatalf("stats: %d", code)
	}
	found := false
	for _, r := range stats.Rows {
		if r.Code != made.Regions.Street {
			if r.Closed != 0 || r.Registered != 0 {
				t.Errorf("street %s counts a case it does not hold: %+v", r.Code, r)
			}
			continue
		}
		found = true
		if r.Registered != 1 || r.Closed != 1 || r.Due != 1 || r.ClosedOnTime != 1 || r.Rework != 1 || r.Rated != 1 ||
			r.Satisfaction == nil || *r.Satisfaction != 4 || r.OnTimeRate == nil || *r.OnTimeRate != 1 || r.Name == "" {
			t.Errorf("the street's figures: %+v", r)
		}
	}
	if !found || len(stats.Rows) < 2 {
		t.Fatalf("no row for street %s among %d", made.Regions.Street, len(stats.Rows))
	}
	var list struct {
		Cases []cases.Case `json:"cases"`
		Total int          `json:"total"`
	}
	if code := s.call("GET", "/api/v1/cases?state=rated&level=street&code="+made.Regions.Street, nil, &list); code != 200 || list.Total != 1 || list.Cases[0].ID != id {
		t.Fatalf("list: %d %+v", code, list)
	}
	if code := s.call("GET", "/api/v1/cases?state=open", nil, &list); code != 200 || list.Total != 0 {
		t.Fatalf("open list: %d %+v", code, list)
	}
}

// Two nodes, eight dispatchers moving one case at once: exactly one wins,
// the others are told the case changed and where it stands.
func TestConcurrentCaseMoves(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	a := startServer(t, rs.URL(), prefix)
	b := startServer(t, rs.URL(), prefix)
	p := place(31.35, 120.68)
	var made caseReply
	if code := a.call("POST", "/api/v1/cases", newCaseBody("race-1", p.lat, p.lng), &made); code != 201 {
		t.Fatalf("register: %d", code)
	}
	eventually(t, "the second node knows the case", func() bool {
		var r caseReply
		return b.call("GET", "/api/v1/cases/"+made.ID, nil, &r) == 200
	})
	// accept, then handle: each allowed in one state only (assign may also
	// route an assigned case again, so two assigns may both stand).
	for _, action := range []string{"accept", "assign", "handle"} {
		if action == "assign" {
			if code, r := a.moveCase(made.ID, "assign", nil); code != 200 {
				t.Fatalf("assign: %d %s", code, r.Error)
			}
			eventually(t, "both nodes see it assigned", func() bool { return b.getCase(made.ID).State == cases.Assigned })
			continue
		}
		codes := make([]int, 8)
		replies := make([]caseReply, 8)
		var wg sync.WaitGroup
		for i := range codes {
			node := a
			if i%2 == 1 {
				node = b
			}
			wg.Go(func() {
				codes[i], replies[i] = node.moveCase(made.ID, action, map[string]string{"note": fmt.Sprint("dispatcher ", i)})
			})
		}
		wg.Wait()
		wins := 0
		for i, c := range codes {
			switch c {
			case 200:
				wins++
			case 409:
				if replies[i].State2 == "" || replies[i].Error == "" {
					t.Errorf("%s: a 409 without the state: %+v", action, replies[i])
				}
			default:
				t.Errorf("%s: %d %q", action, c, replies[i].Error)
			}
		}
		if wins != 1 {
			t.Fatalf("%s: %d winners, want 1 (codes %v)", action, wins, codes)
		}
		eventually(t, "both nodes agree", func() bool {
			x, y := a.getCase(made.ID), b.getCase(made.ID)
			return x.Version == y.Version && x.State == y.State
		})
	}
	if c := a.getCase(made.ID); c.Version != 4 || len(c.Timeline) != 4 || c.State != cases.Handled {
		t.Fatalf("after the races: version %d, %d steps, %s", c.Version, len(c.Timeline), c.State)
	}
}

// Cases outlive the length-trimmed commands stream: their records are kept
// apart, and a node starting again has them all.
func TestCasesSurviveTheCommandsStream(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	s := startServer(t, rs.URL(), prefix)
	p := place(31.30, 120.60)
	var made caseReply
	if code := s.call("POST", "/api/v1/cases", newCaseBody("old-1", p.lat, p.lng), &made); code != 201 {
		t.Fatalf("register: %d", code)
	}
	if code, r := s.moveCase(made.ID, "accept", nil); code != 200 {
		t.Fatalf("accept: %d %s", code, r.Error)
	}
	s.stop()
	opts, _ := redis.ParseURL(rs.URL())
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.Del(context.Background(), stream.Layout{Prefix: prefix}.CommandStream()).Err(); err != nil {
		t.Fatal(err)
	}
	s = startServer(t, rs.URL(), prefix)
	if c := s.getCase(made.ID); c.State != cases.Accepted || c.Version != 2 {
		t.Fatalf("after the stream is gone: %+v", c.Case)
	}
	if code, r := s.moveCase(made.ID, "assign", nil); code != 200 || r.Version != 3 {
		t.Fatalf("assign: %d %+v", code, r)
	}
}

// A street's dispatcher sees and moves only their street's cases; people
// below dispatcher never see a reporter.
func TestCaseScopeAndPersonalData(t *testing.T) {
	profile, err := geo.LoadProfile(profiles.FS, "suzhou")
	if err != nil {
		t.Fatal(err)
	}
	regions, err := geo.LoadRegions(profiles.FS, profile)
	if err != nil {
		t.Fatal(err)
	}
	home, away := place(31.30, 120.60), place(31.40, 120.75)
	homeStreet := regions.Assign(orb.Point{home.lng, home.lat}).Street
	if awayStreet := regions.Assign(orb.Point{away.lng, away.lat}).Street; homeStreet == "" || homeStreet == awayStreet {
		t.Fatalf("streets %q and %q", homeStreet, awayStreet)
	}
	c := newCreds(t)
	var out strings.Builder
	if err := runAdmin([]string{"users", "add", "-auth", c.path, "-role", "dispatcher", "-scope", homeStreet, "street-person"},
		strings.NewReader(testPassword+"\n"), &out, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	key := func(role, id string) string {
		var out strings.Builder
		if err := runAdmin([]string{"keys", "add", "-auth", c.path, "-role", role, id}, nil, &out, func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	cityKey, adminKey := key("dispatcher", "city-console"), key("admin", "city-admin")
	s := startServer(t, "", "scope", "-auth", c.path)
	// The scope is a person's: they sign in. Sign-ins are throttled per
	// address, process-wide; this one comes from an address of its own so
	// as not to use up the other tests' share.
	street := caller{name: "street", cookie: signInFrom(t, s, "street-person", "127.0.0.13")}
	city := caller{name: "city", key: cityKey}
	wall := caller{name: "wall", key: c.keys["wallkey"]}
	feed := caller{name: "feed", key: c.keys["feed"]}

	register := func(who caller, id string, p at) (int, caseReply) {
		b, _ := json.Marshal(newCaseBody(id, p.lat, p.lng))
		resp, body := who.send(t, "POST", s.URL+"/api/v1/cases", string(b))
		var r caseReply
		_ = json.Unmarshal(body, &r)
		return resp.StatusCode, r
	}
	code, mine := register(feed, "scope-home", home)
	if code != 201 || mine.Reporter != nil {
		t.Fatalf("a feed registers: %d, reporter shown %v", code, mine.Reporter)
	}
	if code, _ := register(feed, "scope-away", away); code != 201 {
		t.Fatalf("register away: %d", code)
	}
	if code, _ := register(street, "scope-street-away", away); code != 403 {
		t.Errorf("the street registers a case in another street: %d", code)
	}
	get := func(who caller, path string) (int, []byte) {
		resp, b := who.send(t, "GET", s.URL+path, "")
		return resp.StatusCode, b
	}
	if code, _ := get(street, "/api/v1/cases/scope-away"); code != 403 {
		t.Errorf("the street reads another street's case: %d", code)
	}
	if resp, _ := street.send(t, "POST", s.URL+"/api/v1/cases/scope-away/accept", ""); resp.StatusCode != 403 {
		t.Errorf("the street moves another street's case: %d", resp.StatusCode)
	}
	if resp, b := street.send(t, "POST", s.URL+"/api/v1/cases/scope-home/accept", ""); resp.StatusCode != 200 {
		t.Errorf("the street moves its own case: %d %s", resp.StatusCode, b)
	}
	var list struct {
		Cases []cases.Case `json:"cases"`
		Total int          `json:"total"`
	}
	_, b := get(street, "/api/v1/cases")
	if err := json.Unmarshal(b, &list); err != nil || list.Total != 1 || list.Cases[0].ID != "scope-home" || list.Cases[0].Reporter == nil {
		t.Errorf("the street's list: %s", b)
	}
	_, b = get(city, "/api/v1/cases")
	if err := json.Unmarshal(b, &list); err != nil || list.Total != 2 {
		t.Errorf("the city's list: %s", b)
	}
	_, b = get(wall, "/api/v1/cases")
	if err := json.Unmarshal(b, &list); err != nil || list.Total != 2 || strings.Contains(string(b), "13912345678") || strings.Contains(string(b), "reporter") {
		t.Errorf("the wall sees personal data: %s", b)
	}
	if code, b := get(wall, "/api/v1/cases/scope-home"); code != 200 || strings.Contains(string(b), "王女士") {
		t.Errorf("the wall reads a case: %d %s", code, b)
	}
	if code, b := get(city, "/api/v1/cases/scope-home"); code != 200 || !strings.Contains(string(b), "王女士") {
		t.Errorf("the city's dispatcher reads a case: %d %s", code, b)
	}
	if resp, _ := wall.send(t, "POST", s.URL+"/api/v1/cases/scope-home/assign", ""); resp.StatusCode != 403 {
		t.Errorf("the wall moves a case: %d", resp.StatusCode)
	}
	// The audit records moves, never the reporter.
	adm := caller{name: "admin", key: adminKey}
	if code, b := get(adm, "/api/v1/audit"); code != 200 || !strings.Contains(string(b), "case.move") || strings.Contains(string(b), "13912345678") {
		t.Errorf("audit: %d %s", code, b)
	}
	if code, b := get(street, "/api/v1/cases/stats?level=street"); code != 200 || strings.Count(string(b), `"code"`) != 1 {
		t.Errorf("the street's figures hold its street only: %d %s", code, b)
	}
}

// A case past its deadline raises a case_overdue alert, which resolves once
// the case is handled; the cases layer on the websocket counts it.
func TestOverdueCaseRaisesAnAlert(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	// Tuesday 1 Dec 2026, 09:00 in Suzhou.
	clock := newTestClock(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC))
	s := startOps(t, clock, rs, prefix, `{`+rulesOff+`}`)
	ws := s.dial(`{"type":"subscribe","layers":["cases"]}`)
	p := place(31.32, 120.62)
	var made caseReply
	if code := s.call("POST", "/api/v1/cases", newCaseBody("late-1", p.lat, p.lng), &made); code != 201 {
		t.Fatalf("register: %d", code)
	}
	for _, a := range []string{"accept", "assign"} {
		if code, r := s.moveCase(made.ID, a, nil); code != 200 {
			t.Fatalf("%s: %d %s", a, code, r.Error)
		}
	}
	// 4 working hours from 09:00 end at 14:30; at 14:00 it is only warned.
	clock.Advance(5 * time.Hour)
	if c := s.getCase(made.ID); c.Overdue || !c.Warning {
		t.Fatalf("at 14:00: overdue %v, warning %v", c.Overdue, c.Warning)
	}
	clock.Advance(time.Hour)
	if c := s.getCase(made.ID); !c.Overdue {
		t.Fatal("at 15:00 the case is not overdue")
	}
	eventually(t, "a case_overdue alert opens", func() bool {
		open := kinds(s.alerts("open").Alerts, ops.KindCaseOverdue)
		return len(open) == 1 && open[0].Case == made.ID && open[0].Severity == 2 && open[0].Regions.Street == made.Regions.Street
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, _ := ws.next(5 * time.Second)
		if f.Cases != nil && f.Cases.Overdue == 1 && f.Cases.Counts[cases.Assigned] == 1 && len(f.Cases.OverdueList) == 1 && f.Cases.OverdueList[0].ID == made.ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no cases frame counting the overdue case; last %+v", f.Cases)
		}
	}
	if code, r := s.moveCase(made.ID, "handle", map[string]string{"note": "done, late"}); code != 200 || r.OnTime {
		t.Fatalf("handle: %d onTime %v", code, r.OnTime)
	}
	eventually(t, "the alert resolves once the case is handled", func() bool {
		return len(kinds(s.alerts("open").Alerts, ops.KindCaseOverdue)) == 0
	})
}

// signInFrom signs user in from a loopback address of the test's choosing.
func signInFrom(t *testing.T, s *server, user, ip string) *http.Cookie {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}}
	resp, err := client.Post(s.URL+"/api/v1/session", "application/json", strings.NewReader(`{"user":"`+user+`","password":"`+testPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == api.SessionCookie && resp.StatusCode == http.StatusOK {
			return c
		}
	}
	t.Fatalf("sign in %s from %s: %d", user, ip, resp.StatusCode)
	return nil
}

// Transitions per second through the API: eight dispatchers each moving
// their own cases along the loop (accept, assign, handle, verify, close,
// rate), on a real Redis. Every transition is a version-checked script call
// and waits until this node has folded it.
func BenchmarkCaseTransitions(b *testing.B) {
	rs := redistest.Start(b)
	s := startServer(b, rs.URL(), redistest.Prefix(b))
	steps := []struct {
		action string
		body   any
	}{
		{"accept", nil}, {"assign", nil}, {"handle", map[string]string{"note": "done"}},
		{"verify", nil}, {"close", nil}, {"rate", map[string]int{"satisfaction": 5}},
	}
	n := (b.N + len(steps) - 1) / len(steps)
	ids := make([]string, n)
	for i := range ids {
		var r caseReply
		if code := s.call("POST", "/api/v1/cases", newCaseBody(fmt.Sprintf("bench-%d", i), 31.3, 120.6), &r); code != 201 {
			b.Fatalf("register: %d %s", code, r.Error)
		}
		ids[i] = r.ID
	}
	work := make(chan string, n)
	for _, id := range ids {
		work <- id
	}
	close(work)
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for id := range work {
				for _, st := range steps {
					if code, r := s.moveCase(id, st.action, st.body); code != 200 {
						b.Errorf("%s %s: %d %s", id, st.action, code, r.Error)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(n*len(steps))/b.Elapsed().Seconds(), "transitions/s")
}

// Escalation up the levels and back down, and a suspension stopping the
// clock, through the API on an injected clock.
func TestCaseEscalationAndSuspensionThroughTheAPI(t *testing.T) {
	rs := redistest.Start(t)
	// Monday 2 Nov 2026, 09:00 in Suzhou (01:00 UTC).
	clock := newTestClock(time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC))
	s := startServerClock(t, clock.Now, rs.URL(), redistest.Prefix(t))
	p := place(31.30, 120.60)
	body := newCaseBody("esc-1", p.lat, p.lng)
	body["subcategory"] = "dispute.neighbour" // 3 working days, settled in the community
	var made caseReply
	if code := s.call("POST", "/api/v1/cases", body, &made); code != 201 {
		t.Fatalf("register: %d %s", code, made.Error)
	}
	move := func(action string, body any) caseReply {
		t.Helper()
		code, r := s.moveCase(made.ID, action, body)
		if code != 200 {
			t.Fatalf("%s: %d %q", action, code, r.Error)
		}
		return r
	}
	move("accept", nil)
	r := move("assign", nil)
	// Hand-worked in testdata/cases/deadlines.json: Thu 5 Nov 09:00.
	if due := time.Date(2026, 11, 5, 1, 0, 0, 0, time.UTC); !r.Due.Equal(due) || r.Level != "community" || r.Region != made.Regions.Community {
		t.Fatalf("assigned: due %v, %s %s", r.Due, r.Level, r.Region)
	}
	for _, up := range []struct{ level, region string }{{"street", made.Regions.Street}, {"district", made.Regions.District}} {
		r = move("escalate", map[string]string{"note": "needs the level above"})
		if r.Level != up.level || r.Region != up.region {
			t.Fatalf("escalated to %s %s, want %s %s", r.Level, r.Region, up.level, up.region)
		}
	}
	r = move("assign", map[string]string{"level": "community", "note": "back down with the district's instructions"})
	if r.Level != "community" || r.Escalations != 2 || r.Region != made.Regions.Community {
		t.Fatalf("sent down: %+v", r.Case)
	}
	// Suspended Tue 3 Nov 14:00, resumed Wed 4 Nov 10:00: 5 working hours
	// stopped, the deadline moves to Thu 5 Nov 15:30.
	clock.Advance(29 * time.Hour) // Tue 14:00
	if code, r := s.moveCase(made.ID, "suspend", nil); code != 400 || !strings.HasPrefix(r.Error, "note:") {
		t.Fatalf("suspend without the approved reason: %d %q", code, r.Error)
	}
	r = move("suspend", map[string]string{"note": "approved: the neighbours are away"})
	if r.State != cases.Suspended {
		t.Fatalf("suspended: %s", r.State)
	}
	clock.Advance(20 * time.Hour) // Wed 10:00
	r = move("resume", nil)
	if due := time.Date(2026, 11, 5, 7, 30, 0, 0, time.UTC); r.State != cases.Assigned || !r.Due.Equal(due) || !r.Deferred {
		t.Fatalf("resumed: %s due %v deferred %v", r.State, r.Due, r.Deferred)
	}
	if len(r.Timeline) != 8 { // register, accept, assign, escalate ×2, assign, suspend, resume
		t.Fatalf("%d steps: %+v", len(r.Timeline), r.Timeline)
	}
}
