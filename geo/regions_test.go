package geo_test

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// suzhouRegions is the embedded Suzhou hierarchy. geo.LoadRegions generates it
// once per test binary and hands out the same one afterwards, so only the first
// call pays (and reports) the generation.
func suzhouRegions(t testing.TB) *geo.Regions {
	t.Helper()
	p, err := geo.LoadProfile(profiles.FS, profiles.Default)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r, err := geo.LoadRegions(profiles.FS, p)
	if err != nil {
		t.Fatal(err)
	}
	if tl, ok := t.(*testing.T); ok {
		tl.Logf("regions loaded in %v", time.Since(start))
	}
	return r
}

func TestLoadRegionsSuzhou(t *testing.T) {
	r := suzhouRegions(t)
	fsys := os.DirFS("../profiles")
	p, _ := geo.LoadProfile(fsys, "suzhou")
	if again, err := geo.LoadRegions(fsys, p); err != nil || again != r {
		t.Fatalf("a second load of the same profile made a new hierarchy (%v)", err)
	}
	want := map[geo.Level][2]int{ // min, max divisions
		geo.LevelCity: {1, 1}, geo.LevelDistrict: {9, 9}, geo.LevelStreet: {110, 118},
		geo.LevelCommunity: {2000, 2248}, geo.LevelGrid: {10000, 40000},
	}
	for _, lv := range geo.Levels {
		l := r.Layer(lv)
		t.Logf("%-9s %6d divisions", lv, l.Len())
		if n := l.Len(); n < want[lv][0] || n > want[lv][1] {
			t.Errorf("%s: %d divisions, want %d..%d", lv, n, want[lv][0], want[lv][1])
		}
		if lv <= geo.LevelDistrict {
			continue
		}
		up := r.Layer(lv - 1)
		for _, d := range l.Divisions {
			if !d.Generated {
				t.Errorf("%s %s: not marked generated", lv, d.Code)
			}
			if up.Division(d.Parent) == nil {
				t.Fatalf("%s %s: parent %q unknown", lv, d.Code, d.Parent)
			}
			if len(d.Shape) == 0 {
				t.Fatalf("%s %s: no shape", lv, d.Code)
			}
		}
	}
	// SIP's streets live in 吴中 (hosts.csv).
	if d := r.Layer(geo.LevelStreet).Division("320576001"); d != nil && d.Parent != "320506" {
		t.Errorf("SIP street parent = %q, want 320506", d.Parent)
	}
}

// bruteIndex is the independent answer: the lowest code among divisions whose
// shape holds pt by orb's planar test, with divisions found through a plain
// grid of their bounding boxes (no H3, no banded Region).
type bruteIndex struct {
	l       *geo.Layer
	buckets map[[2]int][]int
}

const bucketDeg = 0.01

func newBrute(l *geo.Layer) *bruteIndex {
	b := &bruteIndex{l: l, buckets: map[[2]int][]int{}}
	for i := range l.Divisions {
		bd := l.Divisions[i].Bound
		for x := int(math.Floor(bd.Min[0] / bucketDeg)); x <= int(math.Floor(bd.Max[0]/bucketDeg)); x++ {
			for y := int(math.Floor(bd.Min[1] / bucketDeg)); y <= int(math.Floor(bd.Max[1]/bucketDeg)); y++ {
				b.buckets[[2]int{x, y}] = append(b.buckets[[2]int{x, y}], i)
			}
		}
	}
	return b
}

func (b *bruteIndex) locate(pt orb.Point) string {
	for _, i := range b.buckets[[2]int{int(math.Floor(pt[0] / bucketDeg)), int(math.Floor(pt[1] / bucketDeg))}] {
		d := &b.l.Divisions[i]
		if d.Bound.Contains(pt) && planar.MultiPolygonContains(d.Shape, pt) {
			return d.Code // buckets list divisions in code order
		}
	}
	return ""
}

// randomPoints mixes uniform points over the city's box with points on and a
// hair off the boundaries of the layer's divisions, where the index switches
// from a map read to an exact test.
func randomPoints(r *rand.Rand, b orb.Bound, l *geo.Layer, n int) []orb.Point {
	pts := make([]orb.Point, 0, n)
	for len(pts) < n/2 {
		pts = append(pts, orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])})
	}
	for len(pts) < n {
		d := &l.Divisions[r.IntN(len(l.Divisions))]
		p := d.Shape[r.IntN(len(d.Shape))]
		ring := p[r.IntN(len(p))]
		i := r.IntN(len(ring) - 1)
		f := r.Float64()
		pt := orb.Point{ring[i][0] + f*(ring[i+1][0]-ring[i][0]), ring[i][1] + f*(ring[i+1][1]-ring[i][1])}
		switch r.IntN(4) {
		case 0: // on the edge
		case 1:
			pt = ring[i] // a vertex
		default: // within about 10 m of it
			pt[0] += (r.Float64() - 0.5) * 2e-4
			pt[1] += (r.Float64() - 0.5) * 2e-4
		}
		pts = append(pts, pt)
	}
	return pts
}

// Assign must agree, at every level, with orb's planar point-in-polygon over
// 100,000 points: half uniform over the city's box, half on or within about
// 10 m of the boundaries of a random level's divisions, where the index
// switches from a map read to an exact test.
func TestAssignAgreesWithPointInPolygon(t *testing.T) {
	r := suzhouRegions(t)
	city := r.Layer(geo.LevelCity).Divisions[0].Bound
	rng := rand.New(rand.NewPCG(4, 2))
	n := 100_000
	if testing.Short() || raceEnabled {
		n = 20_000
	}
	levels := []geo.Level{geo.LevelDistrict, geo.LevelStreet, geo.LevelCommunity, geo.LevelGrid}
	brutes := map[geo.Level]*bruteIndex{}
	var pts []orb.Point
	for _, lv := range levels {
		brutes[lv] = newBrute(r.Layer(lv))
		pts = append(pts, randomPoints(rng, city, r.Layer(lv), n/len(levels))...)
	}
	inside := map[geo.Level]int{}
	for i, pt := range pts {
		rc := r.Assign(pt)
		for _, lv := range levels {
			want := brutes[lv].locate(pt)
			if got := rc.At(lv); got != want {
				t.Fatalf("%s at %v: Assign says %q, point-in-polygon says %q", lv, pt, got, want)
			}
			if want != "" {
				inside[lv]++
			}
			if i%10 == 0 { // Locate answers alike
				if d := r.Layer(lv).Locate(pt); (d == nil && want != "") || (d != nil && d.Code != want) {
					t.Fatalf("%s at %v: Locate says %v, want %q", lv, pt, d, want)
				}
			}
		}
	}
	t.Logf("%d points agree at every level; inside a division: %v", len(pts), inside)
}

func BenchmarkAssign(b *testing.B) {
	r := suzhouRegions(b)
	city := r.Layer(geo.LevelCity).Divisions[0].Bound
	rng := rand.New(rand.NewPCG(1, 1))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = orb.Point{city.Min[0] + rng.Float64()*(city.Max[0]-city.Min[0]), city.Min[1] + rng.Float64()*(city.Max[1]-city.Min[1])}
	}
	b.Run("all-levels", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			r.Assign(pts[i%len(pts)])
		}
	})
	b.Run("cell-only", func(b *testing.B) { // the h3 call every lookup starts with
		for i := 0; b.Loop(); i++ {
			geo.CellOf(pts[i%len(pts)], geo.FineRes)
		}
	})
	for _, lv := range []geo.Level{geo.LevelDistrict, geo.LevelGrid} {
		l := r.Layer(lv)
		b.Run(lv.String(), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				l.Locate(pts[i%len(pts)])
			}
		})
	}
}
