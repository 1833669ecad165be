package live_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
	"github.com/paulmach/orb"
)

// BenchmarkFold1000 is the fold's cost per batch of 1,000 incidents through
// the loop, with the heat fold and a ready board (so a cell turning hot is
// checked as it is folded): what every node pays for every event.
func BenchmarkFold1000(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	board := ops.NewBoard(ops.Config{})
	a := live.NewLoop(live.Config{Tick: time.Hour}, heat.NewState(time.Now()), board)
	go a.Run(ctx)
	a.SetReady()
	r := rand.New(rand.NewPCG(1, 1))
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		es := make([]geo.Event, 1000)
		for i := range es {
			n++
			p := orb.Point{120.3 + r.Float64()*0.8, 31.0 + r.Float64()*0.8}
			es[i] = geo.IncidentEvent(geo.Incident{ID: fmt.Sprint(n), Cell: geo.CellOf(p, 9), Lat: p.Lat(), Lng: p.Lon(), Time: time.Now(), Severity: 1, Category: "theft"})
		}
		b.StartTimer()
		_ = a.Add(ctx, es)
		_ = a.Do(ctx, func(*live.Env) {})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/event")
}
