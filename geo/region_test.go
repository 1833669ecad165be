package geo_test

import (
	"math/rand/v2"
	"testing"
	"testing/fstest"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func suzhou(t testing.TB) *geo.Profile {
	p, err := geo.LoadProfile(profiles.FS, "suzhou")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A Region must answer exactly as orb's ray casting does, vertices and points a
// hair off an edge included: that is where banding could go wrong.
func TestRegionAgreesWithOrb(t *testing.T) {
	p := suzhou(t)
	r := rand.New(rand.NewPCG(7, 7))
	var pts []orb.Point
	for range 2000 {
		pts = append(pts, orb.Point{
			p.Bound.Min[0] + r.Float64()*(p.Bound.Max[0]-p.Bound.Min[0]),
			p.Bound.Min[1] + r.Float64()*(p.Bound.Max[1]-p.Bound.Min[1]),
		})
	}
	for _, poly := range p.Outline {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i += 13 {
				m := orb.Point{(ring[i][0] + ring[i+1][0]) / 2, (ring[i][1] + ring[i+1][1]) / 2}
				pts = append(pts, ring[i], m, orb.Point{m[0] + 1e-9, m[1]}, orb.Point{m[0], m[1] - 1e-9})
			}
		}
	}
	inside := 0
	for _, pt := range pts {
		want := planar.MultiPolygonContains(p.Outline, pt)
		if got := p.Contains(pt); got != want {
			t.Fatalf("%v: Contains %v, orb %v", pt, got, want)
		}
		if want {
			inside++
		}
		for _, d := range p.Districts {
			if got, want := d.Contains(pt), planar.MultiPolygonContains(d.Polygon, pt); got != want {
				t.Fatalf("%v in %s: %v, orb %v", pt, d.Name, got, want)
			}
		}
	}
	if inside == 0 || inside == len(pts) {
		t.Fatalf("%d of %d points inside: the test points miss the outline", inside, len(pts))
	}
}

func BenchmarkContains(b *testing.B) {
	p := suzhou(b)
	pt := orb.Point{120.62, 31.31}
	b.Run("region", func(b *testing.B) {
		for range b.N {
			p.Contains(pt)
		}
	})
	b.Run("orb", func(b *testing.B) {
		for range b.N {
			planar.MultiPolygonContains(p.Outline, pt)
		}
	})
}

// A store generated in the background serves the same hierarchy as
// LoadRegions once it is in, and Load waits for it rather than answer
// without regions.
func TestGenerateRegionStoreWaitsForTheHierarchy(t *testing.T) {
	p := suzhou(t)
	s, done := geo.GenerateRegionStore(profiles.FS, p)
	r := s.Load() // waits
	if !s.Loaded() || r == nil || r.Layer(geo.LevelDistrict) == nil || r.Layer(geo.LevelGrid) == nil {
		t.Fatalf("Load returned before the hierarchy was in: loaded %v, %v", s.Loaded(), r)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want, _ := geo.LoadRegions(profiles.FS, p)
	if got := r.Layer(geo.LevelGrid).Len(); got != want.Layer(geo.LevelGrid).Len() {
		t.Errorf("%d grids, want %d", got, want.Layer(geo.LevelGrid).Len())
	}
}

// A hierarchy that cannot be made is reported once, and Load then gives an
// empty one instead of waiting for ever.
func TestGenerateRegionStoreReportsItsError(t *testing.T) {
	p := suzhou(t)
	bad := fstest.MapFS{p.Name + "/divisions.csv": {Data: []byte("not,a,division,table\n\"unclosed")}}
	s, done := geo.GenerateRegionStore(bad, p)
	if err := <-done; err == nil {
		t.Fatal("a broken divisions.csv: want an error")
	}
	if r := s.Load(); r == nil || r.Layer(geo.LevelDistrict) != nil {
		t.Errorf("after an error Load gave %+v, want an empty hierarchy", r)
	}
}
