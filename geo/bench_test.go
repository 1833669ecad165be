package geo_test

import (
	"math/rand/v2"
	"testing"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
	"github.com/paulmach/orb"
)

// benchPoints are n points inside Suzhou's outline, the same every run.
func benchPoints(b *testing.B, n int) (*geo.Profile, []orb.Point) {
	b.Helper()
	p, err := geo.LoadProfile(profiles.FS, "suzhou")
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	pts := make([]orb.Point, 0, n)
	for len(pts) < n {
		pt := orb.Point{
			p.Bound.Min.Lon() + r.Float64()*(p.Bound.Max.Lon()-p.Bound.Min.Lon()),
			p.Bound.Min.Lat() + r.Float64()*(p.Bound.Max.Lat()-p.Bound.Min.Lat()),
		}
		if p.Contains(pt) {
			pts = append(pts, pt)
		}
	}
	return p, pts
}

// Coarser cells are parents, never recomputed from lon/lat.
func BenchmarkParent(b *testing.B) {
	_, pts := benchPoints(b, 1024)
	cells := make([]geo.Cell, len(pts))
	for i, pt := range pts {
		cells[i] = geo.CellOf(pt, geo.FineRes)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = cells[i%len(cells)].Parent(7)
		i++
	}
}

// Every ingested event is checked against the city's outline.
func BenchmarkProfileContains(b *testing.B) {
	p, pts := benchPoints(b, 1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = p.Contains(pts[i%len(pts)])
		i++
	}
}

// The cell's string form is written into every stream entry and every frame.
func BenchmarkCellString(b *testing.B) {
	_, pts := benchPoints(b, 1024)
	c := geo.CellOf(pts[0], geo.FineRes)
	b.ReportAllocs()
	for b.Loop() {
		_ = c.String()
	}
}

// Region codes of a point, as ingest assigns them: every level of the Suzhou
// hierarchy (districts, streets, communities, generated grids), random points
// inside the city.
func BenchmarkRegionsAssign(b *testing.B) {
	r := suzhouRegions(b)
	_, pts := benchPoints(b, 4096)
	cells := make([]geo.Cell, len(pts))
	for i, pt := range pts {
		cells[i] = geo.CellOf(pt, geo.FineRes)
	}
	i := 0
	for b.Loop() {
		r.AssignAt(pts[i%len(pts)], cells[i%len(pts)])
		i++
	}
}
