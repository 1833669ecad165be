package cases_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
)

func catalogue(t testing.TB) *cases.Catalogue {
	t.Helper()
	cat, err := cases.LoadCatalogue(profiles.FS, "suzhou")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// journey moves one case through the loop on a clock the test sets.
type journey struct {
	t   *testing.T
	cat *cases.Catalogue
	c   *cases.Case
	now time.Time
}

var regions = geo.RegionCodes{District: "320506", Street: "320506001", Community: "320506001001", Grid: "320506001001001"}

func newJourney(t *testing.T, sub string, at time.Time) *journey {
	cat := catalogue(t)
	s := cat.Subcategory(sub)
	if s == nil {
		t.Fatalf("no subcategory %s", sub)
	}
	c := &cases.Case{ID: "k1", Title: "t", Category: s.Category, Subcategory: s.Code, Channel: "grid-worker",
		Regions: regions, State: cases.Registered, LimitMinutes: s.LimitMinutes, CreatedAt: at,
		Level: s.Level, Region: regions.At(mustLevel(t, s.Level)), Department: s.Department, Version: 1}
	return &journey{t: t, cat: cat, c: c, now: at}
}

func mustLevel(t *testing.T, s string) geo.Level {
	lv, err := geo.ParseLevel(s)
	if err != nil {
		t.Fatal(err)
	}
	return lv
}

func (j *journey) env() cases.Env {
	return cases.Env{Now: j.now, Calendar: j.cat.Calendar, CityCode: "3205"}
}

// do takes an action at the journey's clock, failing the test if refused.
func (j *journey) do(a cases.Action) *cases.Case {
	j.t.Helper()
	n, err := j.c.Move(a, cases.Actor{By: "tester", Level: "city", Region: "3205"}, j.env())
	if err != nil {
		j.t.Fatalf("%s from %s: %v", a.Name, j.c.State, err)
	}
	if n.Version != j.c.Version+1 {
		j.t.Errorf("%s: version %d after %d", a.Name, n.Version, j.c.Version)
	}
	j.c = n
	return n
}

// refuse takes an action that must be refused, and returns the error.
func (j *journey) refuse(a cases.Action) error {
	j.t.Helper()
	before := *j.c
	n, err := j.c.Move(a, cases.Actor{By: "tester"}, j.env())
	if err == nil {
		j.t.Fatalf("%s from %s: allowed (%s)", a.Name, j.c.State, n.State)
	}
	if j.c.Version != before.Version || j.c.State != before.State || len(j.c.Timeline) != len(before.Timeline) {
		j.t.Errorf("a refused %s changed the case", a.Name)
	}
	return err
}

func act(name string) cases.Action { return cases.Action{Name: name} }

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPlainLoopToARating(t *testing.T) {
	j := newJourney(t, "env.exposed-garbage", at(t, "2026-12-04T09:00:00+08:00"))
	want := func(state cases.State, label string, actions ...string) {
		t.Helper()
		if j.c.State != state || j.c.Label != label {
			t.Fatalf("state %s %s, want %s %s", j.c.State, j.c.Label, state, label)
		}
		if got := j.c.Allowed(); !slices.Equal(got, actions) {
			t.Fatalf("%s allows %v, want %v", state, got, actions)
		}
	}
	j.do(act("accept"))
	want(cases.Accepted, "待派遣", "reject", "assign", "escalate")
	j.now = j.now.Add(time.Hour) // 10:00
	j.do(cases.Action{Name: "assign", Department: "环卫所 Sanitation"})
	want(cases.Assigned, "待处理", "assign", "handle", "escalate", "transfer", "suspend")
	// 4 working hours from Fri 10:00: 10:00-12:00, 13:30-15:30.
	if due := at(t, "2026-12-04T15:30:00+08:00"); !j.c.Due.Equal(due) || j.c.Level != "community" || j.c.Region != regions.Community {
		t.Fatalf("assigned: due %v level %s region %s", j.c.Due, j.c.Level, j.c.Region)
	}
	if j.c.OverdueAt(at(t, "2026-12-04T15:30:00+08:00")) || !j.c.OverdueAt(at(t, "2026-12-04T15:31:00+08:00")) {
		t.Error("overdue is not 'past the deadline'")
	}
	// 80 % of 240 minutes is 192: 10:00 + 2 h, then 13:30 + 72 min.
	if warn := at(t, "2026-12-04T14:42:00+08:00"); !j.c.WarnAt.Equal(warn) {
		t.Errorf("warnAt %v, want %v", j.c.WarnAt, warn)
	}
	j.now = at(t, "2026-12-04T14:00:00+08:00")
	j.do(cases.Action{Name: "handle", Note: "cleared the pile"})
	want(cases.Handled, "待核查", "verify", "return")
	if !j.c.OnTime || j.c.HandlingMinutes != 150 { // 10:00-12:00 and 13:30-14:00
		t.Errorf("handled: onTime %v, handling %v min", j.c.OnTime, j.c.HandlingMinutes)
	}
	j.do(act("verify"))
	want(cases.Verified, "待结案", "close")
	j.do(act("close"))
	want(cases.Closed, "已结案", "rate", "reopen")
	j.do(cases.Action{Name: "rate", Satisfaction: 4, Comment: "quick"})
	want(cases.Rated, "已评价", "reopen")
	if j.c.Satisfaction != 4 || j.c.Comment != "quick" || len(j.c.Timeline) != 6 {
		t.Fatalf("rated: %+v", j.c)
	}
	steps := []string{}
	for _, s := range j.c.Timeline {
		steps = append(steps, s.Action+">"+string(s.To))
		if s.By != "tester" || s.ActorLevel != "city" || s.At.IsZero() {
			t.Errorf("step %+v lacks who, where or when", s)
		}
	}
	// The registration step is the service's; Move adds one per action.
	if got := strings.Join(steps, " "); got != "accept>accepted assign>assigned handle>handled verify>verified close>closed rate>rated" {
		t.Errorf("timeline %s", got)
	}
}

func TestReworkAfterAFailedCheck(t *testing.T) {
	j := newJourney(t, "env.road-cleaning", at(t, "2026-12-01T09:00:00+08:00"))
	j.do(act("accept"))
	j.do(act("assign"))
	j.now = j.now.Add(30 * time.Minute)
	j.do(cases.Action{Name: "handle", Note: "swept"})
	if err := j.refuse(act("return")); !isField(err, "note") {
		t.Fatalf("return without a reason: %v", err)
	}
	j.do(cases.Action{Name: "return", Note: "still dirty"})
	if j.c.State != cases.Assigned || j.c.Rework != 1 || !j.c.HandledAt.IsZero() || j.c.OnTime {
		t.Fatalf("after the failed check: %+v", j.c)
	}
	// Handled again after the deadline (2 h from 09:00 is 11:00): late.
	j.now = at(t, "2026-12-01T11:30:00+08:00")
	if !j.c.OverdueAt(j.now) {
		t.Error("rework past the deadline is not overdue")
	}
	j.do(cases.Action{Name: "handle", Note: "swept again"})
	j.do(act("verify"))
	j.do(act("close"))
	if j.c.OnTime || j.c.Rework != 1 || j.c.HandlingMinutes != 150 {
		t.Fatalf("closed: onTime %v rework %d handling %v", j.c.OnTime, j.c.Rework, j.c.HandlingMinutes)
	}
}

func TestEscalationUpAndBackDown(t *testing.T) {
	j := newJourney(t, "dispute.neighbour", at(t, "2026-12-01T09:00:00+08:00"))
	j.do(act("accept"))
	j.do(act("assign"))
	due := j.c.Due
	path := []struct{ level, region string }{
		{"street", regions.Street}, {"district", regions.District}, {"city", "3205"},
	}
	for i, p := range path {
		j.now = j.now.Add(time.Hour)
		j.do(cases.Action{Name: "escalate", Note: "beyond us"})
		if j.c.Level != p.level || j.c.Region != p.region || j.c.Escalations != i+1 || j.c.State != cases.Assigned {
			t.Fatalf("escalation %d: %s %s (%d)", i+1, j.c.Level, j.c.Region, j.c.Escalations)
		}
	}
	if !j.c.Due.Equal(due) {
		t.Error("escalating restarted the clock")
	}
	var conflict *cases.ConflictError
	if err := j.refuse(act("escalate")); !errors.As(err, &conflict) || conflict.State != cases.Assigned {
		t.Fatalf("escalating above the city: %v", err)
	}
	// Sent back down to the community, with its department.
	j.do(cases.Action{Name: "assign", Level: "community", Department: "人民调解委员会 Mediation committee"})
	if j.c.Level != "community" || j.c.Region != regions.Community || !j.c.Due.Equal(due) {
		t.Fatalf("sent down: %s %s due %v", j.c.Level, j.c.Region, j.c.Due)
	}
	if err := j.refuse(cases.Action{Name: "escalate", Level: "community"}); !isField(err, "level") {
		t.Fatalf("escalating to the same level: %v", err)
	}
	if err := j.refuse(cases.Action{Name: "assign", Level: "grid"}); !isField(err, "level") {
		t.Fatalf("assigning to a grid: %v", err)
	}
	j.do(cases.Action{Name: "transfer", Department: "街道矛调中心 Street mediation centre"})
	if j.c.Transfers != 1 || j.c.Department != "街道矛调中心 Street mediation centre" {
		t.Fatalf("transfer: %+v", j.c)
	}
	if err := j.refuse(cases.Action{Name: "transfer", Department: j.c.Department}); !isField(err, "department") {
		t.Fatalf("transfer to the same department: %v", err)
	}
}

// The deadlines of testdata/cases/deadlines.json, worked out by hand.
func TestDeadlinesWorkedOutByHand(t *testing.T) {
	var file struct {
		Cases []struct {
			Name, Subcategory, Why string
			Assigned, Due          string
			DueBeforeSuspension    string
			Suspended, Resumed     string
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "testdata", "cases", "deadlines.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 5 {
		t.Fatalf("%d cases in the file", len(file.Cases))
	}
	for _, tc := range file.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			j := newJourney(t, tc.Subcategory, at(t, tc.Assigned).Add(-time.Hour))
			j.do(act("accept"))
			j.now = at(t, tc.Assigned)
			j.do(act("assign"))
			if tc.Suspended != "" {
				if !j.c.Due.Equal(at(t, tc.DueBeforeSuspension)) {
					t.Fatalf("due %v before the suspension, want %s", j.c.Due.In(j.cat.Calendar.Location()), tc.DueBeforeSuspension)
				}
				j.now = at(t, tc.Suspended)
				if err := j.refuse(act("suspend")); !isField(err, "note") {
					t.Fatalf("suspending without the approved reason: %v", err)
				}
				j.do(cases.Action{Name: "suspend", Note: "approved: waiting for the owner"})
				j.now = at(t, tc.Resumed)
				if j.c.OverdueAt(j.now.Add(30 * 24 * time.Hour)) {
					t.Error("a suspended case fell overdue: its clock is stopped")
				}
				j.do(act("resume"))
				if j.c.State != cases.Assigned || !j.c.Deferred {
					t.Fatalf("resumed: %s deferred %v", j.c.State, j.c.Deferred)
				}
			}
			if want := at(t, tc.Due); !j.c.Due.Equal(want) {
				t.Fatalf("due %v, want %v (%s)", j.c.Due.In(want.Location()), want, tc.Why)
			}
		})
	}
}

func TestIllegalTransitionsNameTheState(t *testing.T) {
	// Every action that the state does not allow is a conflict naming it.
	allowed := map[cases.State][]string{
		cases.Registered: {"accept", "reject"},
		cases.Accepted:   {"reject", "assign", "escalate"},
		cases.Assigned:   {"assign", "handle", "escalate", "transfer", "suspend"},
		cases.Handled:    {"verify", "return"},
		cases.Verified:   {"close"},
		cases.Closed:     {"rate", "reopen"},
		cases.Rated:      {"reopen"},
		cases.Rejected:   {"reopen"},
		cases.Suspended:  {"resume"},
	}
	for _, s := range cases.States {
		c := &cases.Case{ID: "k", State: s, Level: "street", Regions: regions, Version: 3}
		for _, a := range cases.Actions {
			if slices.Contains(allowed[s], a) {
				continue
			}
			_, err := c.Move(cases.Action{Name: a, Note: "n", Satisfaction: 3, Department: "d", Level: "street"}, cases.Actor{By: "x"}, cases.Env{Now: time.Now(), Calendar: catalogue(t).Calendar})
			var conflict *cases.ConflictError
			if !errors.As(err, &conflict) || conflict.State != s || !strings.Contains(err.Error(), string(s)) {
				t.Errorf("%s from %s: %v", a, s, err)
			}
		}
		if got := c.Allowed(); !slices.Equal(got, allowed[s]) {
			t.Errorf("%s allows %v, want %v", s, got, allowed[s])
		}
	}
}

func TestBadActionBodies(t *testing.T) {
	j := newJourney(t, "env.exposed-garbage", at(t, "2026-12-01T09:00:00+08:00"))
	if err := j.refuse(cases.Action{Name: "accept", Note: strings.Repeat("长", 700)}); !isField(err, "note") {
		t.Errorf("a note over the limit: %v", err)
	}
	if err := j.refuse(act("reject")); !isField(err, "note") {
		t.Errorf("reject without a reason: %v", err)
	}
	if err := j.refuse(act("dance")); !isField(err, "action") {
		t.Errorf("an unknown action: %v", err)
	}
	j.do(act("accept"))
	if err := j.refuse(cases.Action{Name: "assign", Level: "province"}); !isField(err, "level") {
		t.Errorf("assign to a level that is none: %v", err)
	}
	if err := j.refuse(cases.Action{Name: "assign", Level: "city", Region: "9999"}); !isField(err, "region") {
		t.Errorf("assign to another city: %v", err)
	}
	j.do(act("assign"))
	if err := j.refuse(cases.Action{Name: "handle"}); !isField(err, "note") {
		t.Errorf("handle without feedback: %v", err)
	}
	if err := j.refuse(cases.Action{Name: "transfer"}); !isField(err, "department") {
		t.Errorf("transfer to nobody: %v", err)
	}
	j.do(cases.Action{Name: "handle", Note: "done"})
	j.do(act("verify"))
	j.do(act("close"))
	for _, s := range []int{0, 6} {
		if err := j.refuse(cases.Action{Name: "rate", Satisfaction: s}); !isField(err, "satisfaction") {
			t.Errorf("satisfaction %d: %v", s, err)
		}
	}
	j.do(cases.Action{Name: "reopen", Note: "the pile is back"})
	if j.c.State != cases.Accepted || j.c.Reopened != 1 || !j.c.Due.IsZero() || !j.c.ClosedAt.IsZero() {
		t.Fatalf("reopened: %+v", j.c)
	}
}

func isField(err error, field string) bool {
	var fe *geo.FieldError
	return errors.As(err, &fe) && fe.Field == field
}

// A case rolled back to a time stands as its timeline says it did then.
func TestACaseAsItStood(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	c := &cases.Case{ID: "c1", CreatedAt: t0, State: cases.Handled, Version: 4, Level: "street", Region: "S2", Department: "城管",
		AssignedAt: at(20), Due: at(600), HandledAt: at(90),
		Timeline: []cases.Step{
			{Action: "register", To: cases.Registered, At: t0, Level: "district"},
			{Action: "accept", From: cases.Registered, To: cases.Accepted, At: at(10), Level: "district"},
			{Action: "assign", From: cases.Accepted, To: cases.Assigned, At: at(20), Level: "street", Region: "S2", Department: "城管"},
			{Action: "handle", From: cases.Assigned, To: cases.Handled, At: at(90), Level: "street", Region: "S2", Department: "城管"},
		}}
	if _, ok := c.AsOf(t0.Add(-time.Second)); ok {
		t.Error("a case registered later was there")
	}
	was, ok := c.AsOf(at(30))
	if !ok || was.State != cases.Assigned || was.Label != cases.Assigned.Label() || was.Version != 3 || len(was.Timeline) != 3 ||
		!was.AssignedAt.Equal(at(20)) || !was.HandledAt.IsZero() || was.Region != "S2" {
		t.Errorf("at +30 min: %+v", was)
	}
	if was, _ := c.AsOf(at(15)); was.State != cases.Accepted || !was.AssignedAt.IsZero() || was.Level != "district" || was.Region != "" || was.Version != 2 {
		t.Errorf("at +15 min: %+v", was)
	}
	if now, _ := c.AsOf(at(100)); now.State != cases.Handled || now.Version != 4 || !now.HandledAt.Equal(at(90)) {
		t.Errorf("after every step: %+v", now)
	}
	if c.State != cases.Handled || len(c.Timeline) != 4 {
		t.Errorf("the record itself changed: %+v", c)
	}
}
