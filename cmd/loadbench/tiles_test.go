package main

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

func TestTilesOver(t *testing.T) {
	for _, z := range []maptile.Zoom{0, 9, 12} {
		ts := tilesOver(suzhouTiles, z)
		if len(ts) == 0 {
			t.Fatalf("z%d: no tiles", z)
		}
		// Every tile lies in the area's tile range, and the corners are covered.
		var u orb.Bound
		for i, tl := range ts {
			if tl.Z != z {
				t.Fatalf("z%d: tile %v has the wrong zoom", z, tl)
			}
			if i == 0 {
				u = tl.Bound()
			} else {
				u = u.Union(tl.Bound())
			}
		}
		for _, p := range []orb.Point{suzhouTiles.Min, suzhouTiles.Max, {119.9, 32.1}, {121.4, 30.7}} {
			if !u.Contains(p) {
				t.Errorf("z%d: corner %v not covered by %v", z, p, u)
			}
		}
	}
	if n := len(tilesOver(suzhouTiles, 0)); n != 1 {
		t.Errorf("z0: %d tiles, want 1", n)
	}
	// z9: 1.5° of longitude is 2.1 tiles of 0.703°; 119.9–121.4 spans x 426–428.
	ts := tilesOver(suzhouTiles, 9)
	if ts[0].X != 426 || ts[len(ts)-1].X != 428 {
		t.Errorf("z9: x %d..%d, want 426..428", ts[0].X, ts[len(ts)-1].X)
	}
}

func TestSample(t *testing.T) {
	s := make([]int, 100)
	for i := range s {
		s[i] = i
	}
	if got := sample(s, 0, 1); len(got) != 100 {
		t.Errorf("sample(0) has %d", len(got))
	}
	if got := sample(s, 200, 1); len(got) != 100 {
		t.Errorf("sample(200) has %d", len(got))
	}
	a, b := sample(s, 10, 7), sample(s, 10, 7)
	if len(a) != 10 {
		t.Fatalf("sample(10) = %v", a)
	}
	cols := map[int]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different picks: %v, %v", a, b)
		}
		if i > 0 && a[i] <= a[i-1] {
			t.Fatalf("not in order or repeated: %v", a)
		}
		cols[a[i]%10] = true
	}
	// Rows of 10: picks must not all fall in one column.
	if len(cols) < 3 {
		t.Errorf("picks in %d columns only: %v", len(cols), a)
	}
}

func TestTileContent(t *testing.T) {
	fc := geojson.NewFeatureCollection()
	fc.Append(geojson.NewFeature(orb.Point{0.5, 0.5}))
	fc.Append(geojson.NewFeature(orb.Point{0.25, 0.5}))
	layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{"x": fc, "empty": geojson.NewFeatureCollection()})
	gz, err := mvt.MarshalGzipped(layers)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := mvt.Marshal(layers)
	if err != nil {
		t.Fatal(err)
	}
	if n, f := tileContent(gz); n != len(raw) || f != 2 {
		t.Errorf("tileContent = %d bytes, %d features; want %d, 2", n, f, len(raw))
	}
	if n, f := tileContent([]byte("not gzip")); n != -1 || f != -1 {
		t.Errorf("not gzip: %d, %d", n, f)
	}
}

func TestSummarizeSizes(t *testing.T) {
	if s := summarizeSizes(nil); s != (sizeSummary{}) {
		t.Errorf("nil: %+v", s)
	}
	s := summarizeSizes([]int{30, 10, 20})
	if s.P50 != 20 || s.Max != 30 || s.Mean != 20 {
		t.Errorf("got %+v", s)
	}
}

func TestSlope(t *testing.T) {
	xs := []float64{0, 10, 20, 30}
	if got := slope(xs, []float64{5, 25, 45, 65}); math.Abs(got-2) > 1e-9 {
		t.Errorf("slope = %v, want 2", got)
	}
	if got := slope(xs, []float64{7, 7, 7, 7}); got != 0 {
		t.Errorf("flat slope = %v", got)
	}
	if got := slope([]float64{1}, []float64{1}); got != 0 {
		t.Errorf("one point: %v", got)
	}
	if got := slope([]float64{3, 3}, []float64{1, 2}); got != 0 {
		t.Errorf("same x: %v", got)
	}
	// Noise around a line: the least-squares fit.
	if got := slope([]float64{0, 1, 2}, []float64{0, 2, 1}); math.Abs(got-0.5) > 1e-9 {
		t.Errorf("noisy slope = %v, want 0.5", got)
	}
}

func TestTrend(t *testing.T) {
	at := []float64{0, 60, 120, 180, 240, 300}
	// Grows during warm-up, then flat.
	tr := trend(at, []int64{1000, 5000, 9000, 9000, 9000, 9000})
	if tr.StartKiB != 1000 || tr.EndKiB != 9000 || tr.MaxKiB != 9000 {
		t.Errorf("start/end/max: %+v", tr)
	}
	if tr.LateSlopeKiBPerMin != 0 || !tr.Flat {
		t.Errorf("late flat: %+v", tr)
	}
	if tr.SlopeKiBPerMin <= 0 {
		t.Errorf("whole slope: %+v", tr)
	}
	// A leak: 100 KiB a minute on 1,000 KiB is 600 % an hour.
	leak := trend(at, []int64{1000, 1100, 1200, 1300, 1400, 1500})
	if leak.Flat || leak.LateSlopeKiBPerMin != 100 {
		t.Errorf("leak: %+v", leak)
	}
	if e := trend(nil, nil); e != (memTrend{}) {
		t.Errorf("empty: %+v", e)
	}
}

func TestNotMeasured(t *testing.T) {
	all := notMeasured(&Results{})
	some := notMeasured(&Results{Stall: &stallResult{}, Tiles: &tilesResult{}, Soak: &soakResult{}})
	if len(all) != len(some)+3 {
		t.Errorf("not measured: %d with nothing run, %d with everything", len(all), len(some))
	}
}
