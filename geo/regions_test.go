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

// Assign must agree with orb's planar point-in-polygon over 100,000 points:
// half uniform over the city's box, half on or within about 10 m of the
// boundaries of a random level's divisions, where the index switches from a
// map read to an exact test. The districts (real shapes) agree everywhere; a
// generated level agrees wherever the division holding the point belongs to
// the district (and street, …) the point is in, and elsewhere gives one of
// the right parent's divisions: the codes are one chain.
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
	inside, fitted := map[geo.Level]int{}, map[geo.Level]int{}
	for i, pt := range pts {
		rc := r.Assign(pt)
		for _, lv := range levels {
			want := brutes[lv].locate(pt)
			got := rc.At(lv)
			if want != "" {
				inside[lv]++
			}
			if i%10 == 0 { // Locate answers by the shapes alone
				if d := r.Layer(lv).Locate(pt); (d == nil && want != "") || (d != nil && d.Code != want) {
					t.Fatalf("%s at %v: Locate says %v, want %q", lv, pt, d, want)
				}
			}
			if lv == geo.LevelDistrict {
				if got != want {
					t.Fatalf("district at %v: Assign says %q, point-in-polygon says %q", pt, got, want)
				}
				continue
			}
			parent := rc.At(lv - 1)
			if w := r.Layer(lv).Division(want); w != nil && w.Parent == parent {
				if got != want {
					t.Fatalf("%s at %v: Assign says %q, point-in-polygon says %q (of the same %s %s)", lv, pt, got, want, lv-1, parent)
				}
				continue
			}
			if parent == "" {
				if got != "" {
					t.Fatalf("%s at %v: %q under no %s", lv, pt, got, lv-1)
				}
				continue
			}
			fitted[lv]++
			if g := r.Layer(lv).Division(got); g == nil || g.Parent != parent {
				t.Fatalf("%s at %v: Assign says %q, not one of %s %s's (point-in-polygon: %q)", lv, pt, got, lv-1, parent, want)
			}
		}
	}
	t.Logf("%d points agree; inside a division: %v; fitted into their parent: %v", len(pts), inside, fitted)
}

// The figures of every level add up to the level above: over 100,000 random
// points of the city, every code's parent is the code one level up, and a
// point with a code at a level whose division has children has a code one
// level down. So the children of every region count exactly what it counts.
func TestAssignIsOneChain(t *testing.T) {
	r := suzhouRegions(t)
	city := r.Layer(geo.LevelCity).Divisions[0]
	rng := rand.New(rand.NewPCG(9, 9))
	n := 100_000
	if testing.Short() || raceEnabled {
		n = 20_000
	}
	counts := map[geo.Level]map[string]int{}
	for _, lv := range geo.Levels[1:] {
		counts[lv] = map[string]int{}
	}
	hasChildren := map[geo.Level]map[string]bool{}
	for _, lv := range geo.Levels[1 : len(geo.Levels)-1] {
		hasChildren[lv] = map[string]bool{}
		for _, d := range r.Layer(lv + 1).Divisions {
			hasChildren[lv][d.Parent] = true
		}
	}
	for placed := 0; placed < n; {
		b := city.Bound
		pt := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		if !city.Contains(pt) {
			continue
		}
		placed++
		rc := r.Assign(pt)
		for _, lv := range geo.Levels[1:] {
			code := rc.At(lv)
			if code == "" {
				continue
			}
			counts[lv][code]++
			if lv > geo.LevelDistrict {
				if p := r.Layer(lv).Division(code).Parent; p != rc.At(lv-1) {
					t.Fatalf("%v: %s %s has parent %s, but the %s is %q", pt, lv, code, p, lv-1, rc.At(lv-1))
				}
			}
			if lv < geo.LevelGrid && hasChildren[lv][code] && rc.At(lv+1) == "" {
				t.Fatalf("%v: in %s %s, which has %ss, but in none of them", pt, lv, code, lv+1)
			}
		}
	}
	for _, lv := range geo.Levels[2:] {
		sums := map[string]int{}
		for code, n := range counts[lv] {
			sums[r.Layer(lv).Division(code).Parent] += n
		}
		for code, n := range counts[lv-1] {
			if hasChildren[lv-1][code] && sums[code] != n {
				t.Errorf("%s %s counts %d, its %ss %d", lv-1, code, n, lv, sums[code])
			}
		}
	}
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

// Slivers measures the area where an uploaded level does not nest in the
// level above: a street spilling past its district, and a district half of
// which no street of its own covers.
func TestSliversOfAnUploadedLevel(t *testing.T) {
	box := func(x0, y0, x1, y1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
	}
	// km² of a box of dx × dy degrees at latitude lat.
	area := func(dx, dy, lat float64) float64 { return dx * 111.32 * math.Cos(lat*math.Pi/180) * dy * 110.57 }
	dl, err := geo.NewLayer(geo.LevelDistrict, []geo.Division{
		{Code: "D1", Shape: box(120.60, 31.30, 120.62, 31.32)},
		{Code: "D2", Shape: box(120.62, 31.30, 120.64, 31.32)},
	})
	if err != nil {
		t.Fatal(err)
	}
	sl, err := geo.NewLayer(geo.LevelStreet, []geo.Division{
		{Code: "S1", Parent: "D1", Shape: box(120.60, 31.30, 120.624, 31.32)}, // 0.004° into D2
		{Code: "S2", Parent: "D2", Shape: box(120.624, 31.30, 120.64, 31.31)}, // D2's north half uncovered
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := geo.NewRegions(dl, sl)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Slivers(geo.LevelStreet)
	wantOut := area(0.004, 0.02, 31.31)
	// D2's own street covers 0.016° × 0.01° of its 0.02° × 0.02°.
	wantUncovered := area(0.02, 0.02, 31.31) - area(0.016, 0.01, 31.305)
	if s.Level != "street" || s.Parent != "district" ||
		math.Abs(s.OutsideParentKm2-wantOut) > 0.15*wantOut || math.Abs(s.UncoveredKm2-wantUncovered) > 0.15*wantUncovered {
		t.Fatalf("slivers %+v, want outside ≈ %.2f km², uncovered ≈ %.2f km²", s, wantOut, wantUncovered)
	}
	// Figures still add up: a point in the spill counts in S1 and in D1.
	if rc := r.Assign(orb.Point{120.622, 31.31}); rc.District != "D1" || rc.Street != "S1" {
		t.Fatalf("a point in the spill: %+v, want S1 of D1 (the child's shape, the parent from the chain)", rc)
	}
	nested, _ := geo.NewLayer(geo.LevelStreet, []geo.Division{{Code: "S1", Parent: "D1", Shape: box(120.60, 31.30, 120.62, 31.32)},
		{Code: "S2", Parent: "D2", Shape: box(120.62, 31.30, 120.64, 31.32)}})
	r2, _ := geo.NewRegions(dl, nested)
	if s := r2.Slivers(geo.LevelStreet); s.OutsideParentKm2 > 0.05 || s.UncoveredKm2 > 0.05 {
		t.Fatalf("streets that nest: slivers %+v", s)
	}
}
