package recent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/recent"
	"github.com/paulmach/orb"
)

var start = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// event is an incident at p that happened at t, stored as entry id.
func event(id string, p orb.Point, t time.Time) *geo.Event {
	in := geo.Incident{ID: "in-" + id, Lat: p.Lat(), Lng: p.Lon(), Time: t, Severity: 1}
	in.Place()
	e := geo.IncidentEvent(in)
	e.ID = id
	return &e
}

func ids(refs []recent.Ref) string {
	s := ""
	for _, r := range refs {
		s += r.ID() + " "
	}
	return s
}

func TestNewestFirstByEventTimeAtEveryResolution(t *testing.T) {
	x := recent.NewIndex(24*time.Hour, 0)
	x.Advance(start)
	p := orb.Point{120.60, 31.30}
	// Stored in this order; the second happened first (it arrived late).
	x.Apply(nil, event("100-0", p, start.Add(-2*time.Minute)))
	x.Apply(nil, event("101-0", p, start.Add(-50*time.Minute)))
	x.Apply(nil, event("102-0", p, start.Add(-time.Minute)))
	x.Apply(nil, event("103-0", orb.Point{120.90, 31.10}, start)) // elsewhere
	for _, res := range geo.HeatResolutions {
		cell := geo.CellOf(p, res)
		refs, truncated := x.Newest(cell, start.Add(-time.Hour), 50)
		if got := ids(refs); got != "102-0 100-0 101-0 " || truncated {
			t.Errorf("res %d: %s (truncated %v)", res, got, truncated)
		}
		refs, truncated = x.Newest(cell, start.Add(-15*time.Minute), 50)
		if got := ids(refs); got != "102-0 100-0 " || truncated {
			t.Errorf("res %d, 15 min: %s (truncated %v)", res, got, truncated)
		}
		refs, truncated = x.Newest(cell, start.Add(-time.Hour), 1)
		if got := ids(refs); got != "102-0 " || !truncated {
			t.Errorf("res %d, limit 1: %s (truncated %v)", res, got, truncated)
		}
	}
	if refs, _ := x.Newest(geo.CellOf(p, 9), start.Add(-time.Hour), 50); refs[0].Fine != geo.CellOf(p, geo.FineRes) || !refs[0].Time().Equal(start.Add(-time.Minute)) {
		t.Errorf("ref %+v: want its fine cell and event time", refs[0])
	}
}

func TestOnlyThePerCellNewestAreKeptAndTheRestSaidTruncated(t *testing.T) {
	x := recent.NewIndex(24*time.Hour, 3)
	x.Advance(start)
	p := orb.Point{120.60, 31.30}
	for i := range 5 {
		x.Apply(nil, event(fmt.Sprintf("%d-0", 100+i), p, start.Add(time.Duration(i-10)*time.Minute)))
	}
	cell := geo.CellOf(p, geo.FineRes)
	refs, truncated := x.Newest(cell, start.Add(-time.Hour), 50)
	if got := ids(refs); got != "104-0 103-0 102-0 " || !truncated {
		t.Fatalf("%s (truncated %v): want the newest 3, truncated", got, truncated)
	}
	// A window narrower than what was dropped is whole.
	refs, truncated = x.Newest(cell, start.Add(-7*time.Minute-30*time.Second), 50)
	if got := ids(refs); got != "104-0 103-0 " || truncated {
		t.Fatalf("%s (truncated %v): the window holds nothing dropped", got, truncated)
	}
}

func TestWhatLeavesTheHorizonIsDropped(t *testing.T) {
	x := recent.NewIndex(time.Hour, 0)
	x.Advance(start)
	p, q := orb.Point{120.60, 31.30}, orb.Point{120.70, 31.35}
	x.Apply(nil, event("100-0", p, start.Add(-2*time.Hour))) // already past it
	x.Apply(nil, event("101-0", p, start.Add(-30*time.Minute)))
	x.Apply(nil, event("102-0", q, start.Add(-40*time.Minute)))
	if x.Cells() != 2*len(geo.HeatResolutions) {
		t.Fatalf("%d cells, want %d", x.Cells(), 2*len(geo.HeatResolutions))
	}
	// Forty-five minutes on, both left the hour: the query says so at once,
	// and a sweep frees the cells.
	x.Advance(start.Add(45 * time.Minute))
	if refs, _ := x.Newest(geo.CellOf(p, 9), time.Time{}, 50); len(refs) != 0 {
		t.Fatalf("past the horizon: %s", ids(refs))
	}
	x.Tick(nil, &live.Tick{})
	if x.Cells() != 0 {
		t.Fatalf("%d cells left after the sweep", x.Cells())
	}
}

// BenchmarkApply is what every node pays to index an incident (arriving in
// event-time order, as they mostly do).
func BenchmarkApply(b *testing.B) {
	x := recent.NewIndex(24*time.Hour, 0)
	x.Advance(start)
	es := make([]*geo.Event, 10_000)
	for i := range es {
		p := orb.Point{120.5 + float64(i%100)*0.004, 31.2 + float64(i/100)*0.002}
		es[i] = event(fmt.Sprintf("%d-0", 1000+i), p, start)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e := es[i%len(es)]
		e.Incident.Time = start.Add(time.Duration(i) * time.Millisecond)
		x.Apply(nil, e)
		i++
	}
}

func TestAnIncidentIsFoundByItsIDWithinTheHorizon(t *testing.T) {
	x := recent.NewIndex(24*time.Hour, 0)
	x.Advance(start)
	p := orb.Point{120.60, 31.30}
	x.Apply(nil, event("100-0", p, start.Add(-time.Hour)))
	ref, ok := x.ByID("in-100-0")
	if !ok || ref.ID() != "100-0" || ref.Fine != geo.CellOf(p, geo.FineRes) {
		t.Fatalf("by id: %+v %v", ref, ok)
	}
	if _, ok := x.ByID("in-999-0"); ok {
		t.Error("an id never indexed was found")
	}
	x.Advance(start.Add(22*time.Hour + 59*time.Minute))
	if _, ok := x.ByID("in-100-0"); !ok {
		t.Error("lost before the horizon")
	}
	x.Advance(start.Add(23*time.Hour + time.Minute))
	if _, ok := x.ByID("in-100-0"); ok {
		t.Error("found past the horizon")
	}
}
