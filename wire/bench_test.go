package wire_test

import (
	"math/rand/v2"
	"testing"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/wire"
	"github.com/paulmach/orb"
)

// Encoding a tick's changed cells: the hot path of every frame, done once per
// topic. 2,500 cells is a tick at 10,000 events/s and 250 ms.
func BenchmarkAppendCells2500(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	cells := make([]heat.CellCount, 2500)
	for i := range cells {
		pt := orb.Point{120.3 + r.Float64()*0.8, 31.0 + r.Float64()*0.8}
		cells[i] = heat.CellCount{Cell: geo.CellOf(pt, geo.FineRes), Count: int32(r.IntN(50) + 1)}
	}
	buf := wire.AppendCells(nil, cells, nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = wire.AppendCells(buf[:0], cells, nil)
	}
}
