package cases_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

// figuresFile is testdata/cases/figures.json: cases, and their figures
// worked out by hand.
type figuresFile struct {
	From, To, Now time.Time
	Cases         []struct {
		ID, Street, State    string
		Emergency, OnTime    bool
		Deferred             bool
		Created, Due, Closed time.Time
		Rated                time.Time
		HandlingMinutes      float64
		Satisfaction         int
		Returns              []time.Time
	}
	Expected map[string]map[string]struct {
		Counts        map[cases.State]int
		Overdue       int
		Registered    int
		Closed        int
		Due           int
		Suspended     int
		ClosedDue     int
		ClosedOnTime  int
		ClosureRate   *float64
		OnTimeRate    *float64
		Rework        int
		Rated         int
		Satisfaction  *float64
		HandlingHours *float64
	}
}

var districtOf = map[string]string{"S11": "D1", "S12": "D1", "S21": "D2", "S22": "D2"}

// handBook is a book holding the cases of the file, at its clock.
func handBook(t testing.TB) (*cases.Book, figuresFile) {
	var f figuresFile
	b, err := os.ReadFile(filepath.Join("..", "testdata", "cases", "figures.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	book := cases.NewBook(catalogue(t))
	for _, k := range f.Cases {
		c := &cases.Case{ID: k.ID, State: cases.State(k.State), Emergency: k.Emergency, OnTime: k.OnTime, Deferred: k.Deferred,
			CreatedAt: k.Created, Due: k.Due, ClosedAt: k.Closed, RatedAt: k.Rated, HandlingMinutes: k.HandlingMinutes,
			Satisfaction: k.Satisfaction, Regions: geo.RegionCodes{District: districtOf[k.Street], Street: k.Street}, Version: 1}
		for _, r := range k.Returns {
			c.Timeline = append(c.Timeline, cases.Step{Action: cases.ActReturn, At: r})
		}
		book.Put(c)
	}
	book.Advance(f.Now)
	return book, f
}

func TestFiguresWorkedOutByHand(t *testing.T) {
	book, f := handBook(t)
	queries := map[string]cases.StatsQuery{
		"street":    {Level: geo.LevelStreet, From: f.From, To: f.To},
		"district":  {Level: geo.LevelDistrict, From: f.From, To: f.To},
		"emergency": {Level: geo.LevelStreet, From: f.From, To: f.To, Emergency: true},
	}
	for name, q := range queries {
		got := book.Stats(q)
		want := f.Expected[name]
		if len(got) != len(want) {
			t.Errorf("%s: %d rows, want %d", name, len(got), len(want))
		}
		for code, w := range want {
			g := got[code]
			if g == nil {
				t.Errorf("%s %s: no row", name, code)
				continue
			}
			for _, s := range cases.OpenStates {
				if g.Counts[s] != w.Counts[s] {
					t.Errorf("%s %s: %d %s, want %d", name, code, g.Counts[s], s, w.Counts[s])
				}
			}
			ints := []struct {
				what      string
				got, want int
			}{
				{"overdue", g.Overdue, w.Overdue}, {"registered", g.Registered, w.Registered}, {"closed", g.Closed, w.Closed},
				{"due", g.Due, w.Due}, {"suspended", g.Suspended, w.Suspended}, {"closedDue", g.ClosedDue, w.ClosedDue},
				{"closedOnTime", g.ClosedOnTime, w.ClosedOnTime}, {"rework", g.Rework, w.Rework}, {"rated", g.Rated, w.Rated},
			}
			for _, n := range ints {
				if n.got != n.want {
					t.Errorf("%s %s: %s %d, want %d", name, code, n.what, n.got, n.want)
				}
			}
			floats := []struct {
				what      string
				got, want *float64
			}{
				{"closureRate", g.ClosureRate, w.ClosureRate}, {"onTimeRate", g.OnTimeRate, w.OnTimeRate},
				{"satisfaction", g.Satisfaction, w.Satisfaction}, {"handlingHours", g.HandlingHours, w.HandlingHours},
			}
			for _, x := range floats {
				if (x.got == nil) != (x.want == nil) || x.got != nil && math.Abs(*x.got-*x.want) > 1e-9 {
					t.Errorf("%s %s: %s %v, want %v", name, code, x.what, deref(x.got), deref(x.want))
				}
			}
		}
	}
}

// The counts of a district are the sums of its streets'.
func TestFiguresAddUpOverChildren(t *testing.T) {
	book, f := handBook(t)
	streets := book.Stats(cases.StatsQuery{Level: geo.LevelStreet, From: f.From, To: f.To})
	districts := book.Stats(cases.StatsQuery{Level: geo.LevelDistrict, From: f.From, To: f.To})
	city := book.Stats(cases.StatsQuery{Level: geo.LevelCity, From: f.From, To: f.To, CityCode: "3205"})
	sum := map[string]*cases.Figures{}
	total := cases.NewFigures("3205")
	for code, s := range streets {
		d := sum[districtOf[code]]
		if d == nil {
			d = cases.NewFigures(districtOf[code])
			sum[districtOf[code]] = d
		}
		for _, into := range []*cases.Figures{d, total} {
			add(into, s)
		}
	}
	for code, d := range districts {
		if !sameCounts(d, sum[code]) {
			t.Errorf("district %s: %+v, its streets add up to %+v", code, d, sum[code])
		}
	}
	if !sameCounts(city["3205"], total) {
		t.Errorf("city: %+v, the streets add up to %+v", city["3205"], total)
	}
}

func add(into, f *cases.Figures) {
	for s, n := range f.Counts {
		into.Counts[s] += n
	}
	into.Overdue += f.Overdue
	into.Registered += f.Registered
	into.Closed += f.Closed
	into.Due += f.Due
	into.Suspended += f.Suspended
	into.ClosedDue += f.ClosedDue
	into.ClosedOnTime += f.ClosedOnTime
	into.Rework += f.Rework
	into.Rated += f.Rated
}

func sameCounts(a, b *cases.Figures) bool {
	if a == nil || b == nil {
		return false
	}
	for _, s := range cases.OpenStates {
		if a.Counts[s] != b.Counts[s] {
			return false
		}
	}
	return a.Overdue == b.Overdue && a.Registered == b.Registered && a.Closed == b.Closed && a.Due == b.Due &&
		a.Suspended == b.Suspended && a.ClosedDue == b.ClosedDue && a.ClosedOnTime == b.ClosedOnTime &&
		a.Rework == b.Rework && a.Rated == b.Rated
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// The cases layer counts the open cases by state and lists the overdue.
func TestSummaryOfTheLayer(t *testing.T) {
	book, _ := handBook(t)
	s := book.Summarize()
	want := map[cases.State]int{cases.Registered: 1, cases.Accepted: 1, cases.Assigned: 2, cases.Handled: 1, cases.Verified: 1, cases.Suspended: 1}
	for st, n := range want {
		if s.Counts[st] != n {
			t.Errorf("%s: %d, want %d", st, s.Counts[st], n)
		}
	}
	if s.Overdue != 1 || len(s.OverdueList) != 1 || s.OverdueList[0].ID != "c3" || !s.OverdueList[0].Overdue {
		t.Errorf("overdue: %d %+v", s.Overdue, s.OverdueList)
	}
	if len(s.Open) != 7 || s.ByDistrict["D1"] != 5 || s.ByDistrict["D2"] != 2 {
		t.Errorf("open %d, by district %v", len(s.Open), s.ByDistrict)
	}
}

// The book answers WhenApplied once it has folded a command with that id,
// and keeps the newer of two records of a case.
func TestBookFoldsRecords(t *testing.T) {
	book := cases.NewBook(catalogue(t))
	rec := func(version int, state cases.State) geo.Event {
		b, _ := json.Marshal(&cases.Case{ID: "k", State: state, Version: version})
		return geo.Event{Kind: geo.KindCommand, ID: "100-" + string(rune('0'+version)), Command: geo.Command{Type: cases.CmdPut, Data: b}}
	}
	done := book.WhenApplied("100-2")
	e1, e2 := rec(1, cases.Registered), rec(2, cases.Accepted)
	book.Apply(&live.Env{}, &e1)
	select {
	case <-done:
		t.Fatal("woken before its command")
	default:
	}
	book.Apply(&live.Env{}, &e2)
	<-done
	book.Put(&cases.Case{ID: "k", State: cases.Registered, Version: 1}) // an older record, from the snapshot
	if c := book.Case("k"); c.State != cases.Accepted || c.Version != 2 || c.Label != "待派遣" {
		t.Fatalf("book holds %+v", c)
	}
}

// With more open cases than the layer lists, it lists the newest open and
// the most overdue, in order.
func TestSummaryKeepsTheFirstOfMany(t *testing.T) {
	book := cases.NewBook(catalogue(t))
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for i := range 1200 {
		// Creation times and deadlines in a scrambled order.
		k := (i * 7919) % 1200
		book.Put(&cases.Case{ID: fmt.Sprintf("c%04d", k), State: cases.Assigned, Version: 1,
			CreatedAt: now.Add(-time.Duration(k) * time.Minute), Due: now.Add(-time.Duration(1200-k) * time.Minute)})
	}
	book.Advance(now)
	s := book.Summarize()
	if s.Overdue != 1200 || len(s.Open) != 500 || len(s.OverdueList) != 500 {
		t.Fatalf("overdue %d, %d open and %d overdue listed", s.Overdue, len(s.Open), len(s.OverdueList))
	}
	for i, m := range s.Open {
		if want := fmt.Sprintf("c%04d", i); m.ID != want {
			t.Fatalf("open[%d] is %s, want %s (the newest first)", i, m.ID, want)
		}
	}
	for i, m := range s.OverdueList {
		if want := fmt.Sprintf("c%04d", i); m.ID != want {
			t.Fatalf("overdue[%d] is %s, want %s (the most overdue first)", i, m.ID, want)
		}
	}
}
