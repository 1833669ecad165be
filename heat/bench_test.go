package heat_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/paulmach/orb"
)

func benchIncidents(n int, at time.Time) []geo.Incident {
	r := rand.New(rand.NewPCG(4, 4))
	ins := make([]geo.Incident, n)
	cats := []string{"theft", "noise", "traffic", "fire", "dispute"}
	for i := range ins {
		pt := orb.Point{120.3 + r.Float64()*0.8, 31.0 + r.Float64()*0.8}
		ins[i] = geo.Incident{ID: "b", Category: cats[i%len(cats)], Severity: 1 + i%4,
			Lat: pt.Lat(), Lng: pt.Lon(), Time: at}
		ins[i].Place() // its cells at every resolution, as ingest sets them
	}
	return ins
}

// The fold: one incident into every view (res 7/8/9 × 15m/1h/24h).
func BenchmarkAddIncident(b *testing.B) {
	now := time.Now()
	s := heat.NewState(now)
	ins := benchIncidents(4096, now)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.AddIncident(&ins[i%len(ins)])
		i++
	}
}

// A tick after 2,500 incidents (10,000 events/s, 250 ms): drain the changed
// cells of every view.
func BenchmarkTick2500(b *testing.B) {
	now := time.Now()
	s := heat.NewState(now)
	ins := benchIncidents(2500, now)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for j := range ins {
			s.AddIncident(&ins[j])
		}
		b.StartTimer()
		_ = s.Changes()
	}
}
