package safety_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/safety"
	"github.com/citygrid/citygrid/stream"
)

// run starts a loop over fold, ready, until the test ends.
func run(t *testing.T, fold *safety.Fold, at time.Time) *live.Loop {
	loop := live.NewLoop(live.Config{Now: func() time.Time { return at }}, fold)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { loop.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	loop.SetReady()
	<-loop.WhenReady()
	return loop
}

// What one node keeps, a node started after the streams dropped it reads
// back: the same tallies give the same index, and the marks make a history.
func TestTheHistoryOutlivesTheStreams(t *testing.T) {
	rs := redistest.Start(t)
	store := stream.NewSafetyStore(rs.Client(), stream.Layout{Prefix: redistest.Prefix(t)})
	regs := smallCity(t)
	ctx := context.Background()

	// Node one: its streams hold 10 days; incidents on each of them.
	first := safety.NewFold(safety.FoldConfig{Config: config(t), Regions: func() *geo.Regions { return regs }, Since: now.Add(-10 * 24 * time.Hour)})
	loop := run(t, first, now)
	var events []geo.Event
	for d := range 10 {
		for i, st := range streets() {
			for range i + d%3 {
				events = append(events, *incident(st, categories[(d+i)%len(categories)], 1+(d+i)%4, now.Add(-time.Duration(d)*24*time.Hour)))
			}
		}
	}
	if err := loop.Add(ctx, events); err != nil {
		t.Fatal(err)
	}
	svc := safety.NewService(safety.ServiceConfig{Loop: loop, Fold: first, Store: store})
	// The marks are of the last computed table: compute it (as Tick does), then persist.
	want, err := svc.List(ctx, geo.LevelStreet, "30d", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Persist(ctx); err != nil {
		t.Fatal(err)
	}

	// Node two, started at the same time, but its streams hold only today:
	// the nine days before come from the store.
	second := safety.NewFold(safety.FoldConfig{Config: config(t), Regions: func() *geo.Regions { return regs }, Since: now.Truncate(time.Hour).Add(-12 * time.Hour)})
	loop2 := run(t, second, now)
	svc2 := safety.NewService(safety.ServiceConfig{Loop: loop2, Fold: second, Store: store})
	n, err := svc2.Preload(ctx)
	if err != nil || n < 9 {
		t.Fatalf("preloaded %d days, %v", n, err)
	}
	var today []geo.Event
	for _, e := range events {
		if !e.Incident.Time.Before(now.Truncate(time.Hour).Add(-12 * time.Hour)) {
			today = append(today, e)
		}
	}
	if err := loop2.Add(ctx, today); err != nil {
		t.Fatal(err)
	}
	got, err := svc2.List(ctx, geo.LevelStreet, "30d", true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Rows {
		if got.Rows[i] != want.Rows[i] {
			t.Errorf("read back: %+v\nfirst node: %+v", got.Rows[i], want.Rows[i])
		}
	}
	d, err := svc2.Detail(ctx, "D0S1", "7d", 30, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Hourly) != 1 || len(d.Daily) != 1 || d.Inputs[0].Sub != safety.PublicOrder {
		t.Fatalf("detail: %+v", d)
	}
	if _, err := svc2.Detail(ctx, "nowhere", "7d", 30, false); err == nil {
		t.Fatal("an unknown region: no error")
	}
	if _, err := svc2.List(ctx, geo.LevelStreet, "1y", false); err == nil {
		t.Fatal("an unknown period: no error")
	}
}

// Once the case book holds dispute cases, the disputes sub-index is read
// from them (new, overdue, sent back, rated badly), not from dispute
// incidents.
func TestDisputesComeFromTheCases(t *testing.T) {
	regs := smallCity(t)
	fold := safety.NewFold(safety.FoldConfig{Config: config(t), Regions: func() *geo.Regions { return regs }, Since: now.Add(-40 * 24 * time.Hour)})
	cat, err := cases.LoadCatalogue(profiles.FS, "suzhou")
	if err != nil {
		t.Fatal(err)
	}
	book := cases.NewBook(cat)
	// The clock moves on between the questions: fresh=1 recomputes at most once in 5 s.
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	loop := live.NewLoop(live.Config{Now: func() time.Time { return time.Unix(0, clock.Load()) }}, book, fold)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { loop.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	loop.SetReady()
	svc := safety.NewService(safety.ServiceConfig{Loop: loop, Fold: fold, Store: stream.NewSafetyStore(redistest.Start(t).Client(), stream.Layout{Prefix: redistest.Prefix(t)})})
	disputes := func() map[string]float64 {
		l, err := svc.List(ctx, geo.LevelStreet, "7d", true)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, r := range l.Rows {
			out[r.Code] = r.Sub.Disputes
		}
		return out
	}
	// Five weeks of data with no dispute anywhere: nothing is expected.
	events := []geo.Event{*incident("D0S1", "traffic", 1, now.Add(-39*24*time.Hour))}
	// Dispute incidents in D0S0: its disputes fall.
	for range 5 {
		events = append(events, *incident("D0S0", "dispute", 3, now.Add(-time.Hour)))
	}
	if err := loop.Add(ctx, events); err != nil {
		t.Fatal(err)
	}
	if d := disputes(); d["D0S0"] >= 100 || d["D1S1"] != 100 {
		t.Fatalf("from incidents: %v", d)
	}
	// A dispute case in D1S1, overdue and sent back once: now the cases
	// count, D1S1's disputes fall and D0S0's incidents no longer do.
	codes := geo.RegionCodes{District: "D1", Street: "D1S1", Community: "D1S1c", Grid: "D1S1g"}
	c := &cases.Case{ID: "c1", Category: "dispute", Subcategory: "dispute.neighbour", Regions: codes, State: cases.Assigned, Version: 1,
		CreatedAt: now.Add(-3 * 24 * time.Hour), Due: now.Add(-24 * time.Hour),
		Timeline: []cases.Step{{Action: cases.ActReturn, At: now.Add(-2 * 24 * time.Hour)}}}
	if err := loop.Do(ctx, func(*live.Env) { book.Put(c) }); err != nil {
		t.Fatal(err)
	}
	// Asked again at once, fresh=1 answers from the last computation.
	computedAt := func() (at time.Time) {
		if err := loop.Do(ctx, func(*live.Env) { at = fold.ComputedAt() }); err != nil {
			t.Fatal(err)
		}
		return at
	}
	at := computedAt()
	if d := disputes(); d["D0S0"] >= 100 || !computedAt().Equal(at) {
		t.Fatalf("a second fresh=1 within 5 s recomputed (%v → %v): %v", at, computedAt(), d)
	}
	clock.Add(int64(6 * time.Second))
	d := disputes()
	if d["D0S0"] != 100 || d["D1S1"] >= 100 {
		t.Fatalf("from cases: %v", d)
	}
	// new 1 + rework 2 + overdue 2 = 5, nothing expected (no history):
	// 100 × 2^(−5/4).
	if want := 42.0; d["D1S1"] != want {
		t.Fatalf("D1S1 disputes %v, want %v", d["D1S1"], want)
	}
}

// Before the regions are loaded, the index has no rows and nothing is
// kept; the first computation after they are has them all.
func TestNothingBeforeTheRegions(t *testing.T) {
	regs := smallCity(t)
	var loaded atomic.Bool
	fold := safety.NewFold(safety.FoldConfig{Config: config(t), Since: now.Add(-7 * 24 * time.Hour),
		Regions: func() *geo.Regions {
			if !loaded.Load() {
				return nil
			}
			return regs
		}})
	loop := run(t, fold, now)
	rs := redistest.Start(t)
	store := stream.NewSafetyStore(rs.Client(), stream.Layout{Prefix: redistest.Prefix(t)})
	svc := safety.NewService(safety.ServiceConfig{Loop: loop, Fold: fold, Store: store})
	ctx := context.Background()
	if err := loop.Add(ctx, []geo.Event{*incident("D0S0", "fire", 4, now.Add(-time.Hour))}); err != nil {
		t.Fatal(err)
	}
	l, err := svc.List(ctx, geo.LevelStreet, "", true)
	if err != nil || len(l.Rows) != 0 || l.Period != "7d" {
		t.Fatalf("before the regions: %+v, %v", l, err)
	}
	if err := svc.Persist(ctx); err != nil {
		t.Fatal(err)
	}
	if _, hourly, _ := store.Marks(ctx, "D0S0", nil, nil); len(hourly) != 0 {
		t.Fatalf("marks kept before the regions: %v", hourly)
	}
	loaded.Store(true)
	if l, err = svc.List(ctx, geo.LevelStreet, "", false); err != nil || len(l.Rows) != 4 || l.Rows[3].Code != "D0S0" {
		t.Fatalf("once loaded: %+v, %v", l, err)
	}
	if err := svc.Persist(ctx); err != nil {
		t.Fatal(err)
	}
	// Fire: E = 8 a day (the prior, 8 per 10,000 residents; 10,000 live
	// there) × the one hour recorded = 1/3; x = (8 − 1/3) / (4 + 1/3) =
	// 1.769; 100 × 2^−1.769 = 29.3.
	if _, hourly, _ := store.Marks(ctx, "D0S0", nil, nil); len(hourly) != 1 || hourly[0].Mark[3] != 2930 {
		t.Fatalf("marks once loaded: %v", hourly)
	}
}

// The loop never waits for a recomputation: it runs on a goroutine of its
// own over a snapshot, while the loop goes on folding into the same days
// (under -race, a day shared without a copy is caught), and its tables are
// put in place on a later tick.
func TestARecomputationRunsOffTheLoopWhileItFolds(t *testing.T) {
	regs := smallCity(t)
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	fold := safety.NewFold(safety.FoldConfig{Config: config(t), Regions: func() *geo.Regions { return regs },
		Since: now.Add(-7 * 24 * time.Hour), Refresh: time.Millisecond})
	loop := live.NewLoop(live.Config{Tick: 2 * time.Millisecond, Now: func() time.Time { return time.Unix(0, clock.Load()) }}, fold)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { loop.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	loop.SetReady()
	weighted := func() (v float64, at time.Time) {
		if err := loop.Do(ctx, func(*live.Env) {
			if tb := fold.Table("7d"); tb != nil {
				_, in, _ := tb.Row("D0S0")
				v, at = in[0].Weighted, fold.ComputedAt() // public order's weighted count
			}
		}); err != nil {
			t.Fatal(err)
		}
		return v, at
	}
	// Every day of the week and today, in every street, while the ticks
	// recompute: 40 batches, the clock moving on.
	for b := range 40 {
		var events []geo.Event
		for d := range 8 {
			for _, st := range streets() {
				events = append(events, *incident(st, "theft", 1+b%4, now.Add(-time.Duration(d)*24*time.Hour+time.Duration(b)*time.Second)))
			}
		}
		if err := loop.Add(ctx, events); err != nil {
			t.Fatal(err)
		}
		clock.Add(int64(time.Second))
		time.Sleep(time.Millisecond)
	}
	// Then a burst in D0S0 today: a later recomputation, made off the loop,
	// counts all: the 7d period is today and the 7 whole days before it, so
	// 8 days × 10 rounds of severities 1..4 (weights 1 + 2 + 4 + 8), and
	// 200 critical thefts (8 each).
	const want = 8*10*(1+2+4+8) + 200*8
	var burst []geo.Event
	for range 200 {
		burst = append(burst, *incident("D0S0", "theft", 4, now.Add(39*time.Second)))
	}
	if err := loop.Add(ctx, burst); err != nil {
		t.Fatal(err)
	}
	clock.Add(int64(time.Minute))
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, at := weighted()
		if v == want && at.After(now.Add(40*time.Second)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("D0S0's public order weighs %v (computed at %v), want %v once the burst is counted", v, at, want)
		}
		// The clock moves on, so a recomputation comes after the burst was
		// folded (one snapshot may have been taken before it).
		clock.Add(int64(time.Second))
		time.Sleep(5 * time.Millisecond)
	}
}
