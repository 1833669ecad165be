package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/ops"
	"github.com/paulmach/orb"
)

// BenchmarkEvaluate is one evaluation of every rule at 100,000 active res-9
// cells (the hot-cell rule reads that view), with 1,000 of them hot and
// alerted, anomaly histories for their res-7 cells and streets, 300 units and
// 100 active dispatches: the cost the fold pays once a second.
func BenchmarkEvaluate(b *testing.B) {
	now := time.Now()
	rules := ops.DefaultRules()
	rules.HotCell = []ops.HotCellRule{{Name: "hot", Res: 9, Window: "1h", Open: 3, Clear: 1, Severity: 2}}
	rules.Uncover.Rule = "hot"
	board := ops.NewBoard(ops.Config{Rules: rules, History: now.Add(-8 * 24 * time.Hour)})
	board.Advance(now)
	s := heat.NewState(now)
	add := func(in *geo.Incident) { s.AddIncident(in); board.AddIncident(in) }
	rng := rand.New(rand.NewPCG(1, 2))
	cells := map[geo.Cell]bool{}
	n := 0
	for len(cells) < 100_000 {
		p := orb.Point{120.0 + rng.Float64()*1.5, 30.8 + rng.Float64()*1.2}
		c := geo.CellOf(p, geo.FineRes)
		if cells[c] {
			continue
		}
		times := 1
		if len(cells) < 1000 {
			times = 3 // hot
		}
		cells[c] = true
		for range times {
			n++
			in := geo.Incident{ID: fmt.Sprint("i", n), Lat: p.Lat(), Lng: p.Lon(), Cell: c, Severity: 1, Category: "theft",
				Time:    now.Add(-time.Duration(rng.IntN(50)) * time.Minute),
				Regions: geo.RegionCodes{District: "3205", Street: fmt.Sprint("3205", rng.IntN(120))}}
			add(&in)
		}
	}
	// A week of history: one incident an hour somewhere, so every past hour
	// counts as seen and each place's anomaly score is computed in full.
	for h := 1; h <= 8*24; h++ {
		p := orb.Point{120.6, 31.3}
		in := geo.Incident{ID: fmt.Sprint("h", h), Lat: p.Lat(), Lng: p.Lon(), Cell: geo.CellOf(p, geo.FineRes), Severity: 1,
			Time: now.Add(-time.Duration(h) * time.Hour)}
		add(&in)
	}
	for i := range 300 {
		p := orb.Point{120.2 + rng.Float64(), 30.9 + rng.Float64()}
		pos := geo.Position{Unit: fmt.Sprint("u", i), Status: geo.StatusAvailable, Lat: p.Lat(), Lng: p.Lon(),
			Cell: geo.CellOf(p, geo.FineRes), Time: now.Add(-time.Minute)}
		s.AddPosition(&pos)
	}
	board.SetReady()
	for i := range 100 {
		pr, _, err := board.AssignProposal(s, ops.DispatchRequest{Unit: fmt.Sprint("u", i), Cell: geo.CellOf(orb.Point{120.6, 31.3}, 9).String()}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		board.ApplyCommand(s, fmt.Sprintf("%d-0", i+1), &pr.Cmd)
	}
	// Reach the steady state: every hot cell alerted.
	seq := 1000
	for range 3 {
		board.Evaluate(s, s)
		for _, p := range board.Drain() {
			seq++
			board.ApplyCommand(s, fmt.Sprintf("%d-0", seq), &p.Cmd)
		}
	}
	if c := board.Counts(); c.ByKind[ops.KindHotCell] != 1000 {
		b.Fatalf("want 1,000 hot-cell alerts, have %+v", c)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		board.Evaluate(s, s)
		board.Drain()
	}
}
