package geo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// Lon and lat must not be swapped: a point at lng 120.6, lat 31.3 (Suzhou) has
// its cell centre within a cell's size of it, and the swapped point would be
// near Antarctica.
func TestCellOfKeepsLonLatApart(t *testing.T) {
	p := orb.Point{120.6, 31.3}
	c := geo.CellOf(p, geo.FineRes)
	ctr := c.Center()
	if math.Abs(ctr.Lon()-120.6) > 0.01 || math.Abs(ctr.Lat()-31.3) > 0.01 {
		t.Fatalf("centre of %v is %v, want near %v", c, ctr, p)
	}
	if c.Res() != geo.FineRes || !c.Valid() {
		t.Fatalf("cell %v res %d", c, c.Res())
	}
	back, err := geo.ParseCell(c.String())
	if err != nil || back != c {
		t.Fatalf("ParseCell(%q) = %v, %v", c.String(), back, err)
	}
	if _, err := geo.ParseCell("not-a-cell"); err == nil {
		t.Fatal("ParseCell accepted garbage")
	}
	if c.Parent(7) != geo.CellOf(p, 7) {
		t.Fatalf("parent at 7 differs from the res-7 cell of the point")
	}
}

// Every point of the city has its shard in Profile.Shards: otherwise the tailer
// would never read the events stored there.
func TestShardsCoverTheCity(t *testing.T) {
	p := suzhou(t)
	for _, res := range []int{3, 4, 5} {
		shards := map[geo.Cell]bool{}
		for _, s := range p.Shards(res) {
			shards[s] = true
		}
		r := rand.New(rand.NewPCG(3, uint64(res)))
		checked := 0
		for checked < 20000 {
			pt := orb.Point{
				p.Bound.Min[0] + r.Float64()*(p.Bound.Max[0]-p.Bound.Min[0]),
				p.Bound.Min[1] + r.Float64()*(p.Bound.Max[1]-p.Bound.Min[1]),
			}
			if !p.Contains(pt) {
				continue
			}
			checked++
			if s := geo.CellOf(pt, geo.FineRes).Parent(res); !shards[s] {
				t.Fatalf("res %d: %v has shard %v, not in Shards", res, pt, s)
			}
		}
		// The outline's vertices are the points most likely to fall outside.
		for _, poly := range p.Outline {
			for _, v := range poly[0] {
				if s := geo.CellOf(v, geo.FineRes).Parent(res); !shards[s] {
					t.Fatalf("res %d: vertex %v has shard %v, not in Shards", res, v, s)
				}
			}
		}
		t.Logf("res %d: %d shards", res, len(shards))
	}
}

func BenchmarkCellOf(b *testing.B) {
	p := orb.Point{120.6, 31.3}
	for range b.N {
		geo.CellOf(p, geo.FineRes)
	}
}
