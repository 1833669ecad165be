package safety_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/safety"
	"github.com/paulmach/orb"
)

// now is a Thursday noon in Suzhou.
var now = time.Date(2026, 12, 10, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

func config(t testing.TB) *safety.Config {
	t.Helper()
	c, err := safety.Load(profiles.FS, "suzhou")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// square is a small square polygon at (x, y), 0.01° a side.
func square(x, y float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x, y}, {x + 0.01, y}, {x + 0.01, y + 0.01}, {x, y + 0.01}, {x, y}}}}
}

// smallCity is a city of two districts, each of two streets, each of one
// community of one grid; every region has the same population.
func smallCity(t testing.TB) *geo.Regions {
	t.Helper()
	var ds, ss, cs, gs []geo.Division
	city := []geo.Division{{Code: "C", Name: "city", Shape: square(120, 31)}}
	for d := range 2 {
		dc := fmt.Sprintf("D%d", d)
		ds = append(ds, geo.Division{Code: dc, Name: dc, Parent: "C", Population: 20000, Shape: square(120+float64(d)*0.02, 31)})
		for s := range 2 {
			sc := fmt.Sprintf("%sS%d", dc, s)
			sh := square(120+float64(d)*0.02+float64(s)*0.01, 31.05)
			ss = append(ss, geo.Division{Code: sc, Name: sc, Parent: dc, Population: 10000, Shape: sh})
			cs = append(cs, geo.Division{Code: sc + "c", Name: sc + "c", Parent: sc, Population: 10000, Shape: sh})
			gs = append(gs, geo.Division{Code: sc + "g", Name: sc + "g", Parent: sc + "c", Population: 10000, Shape: sh})
		}
	}
	var layers []*geo.Layer
	for i, divs := range [][]geo.Division{city, ds, ss, cs, gs} {
		l, err := geo.NewLayer(geo.Levels[i], divs)
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, l)
	}
	r, err := geo.NewRegions(layers...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func streets() []string { return []string{"D0S0", "D0S1", "D1S0", "D1S1"} }

// incident is one of street's incidents (its whole chain of codes).
func incident(street, category string, sev int, at time.Time) *geo.Event {
	e := geo.IncidentEvent(geo.Incident{ID: "x", Category: category, Severity: sev, Time: at,
		Regions: geo.RegionCodes{District: street[:2], Street: street, Community: street + "c", Grid: street + "g"}})
	return &e
}

var categories = []string{"public-order", "theft", "traffic", "fire", "dispute"}

// newFold is a fold over the small city, the streams holding the last 7 days.
func newFold(t testing.TB, regs *geo.Regions) *safety.Fold {
	f := safety.NewFold(safety.FoldConfig{Config: config(t), Regions: func() *geo.Regions { return regs }, Since: now.Add(-7 * 24 * time.Hour)})
	f.Advance(now)
	return f
}

// randomWeeks folds a week of history and the current day at random.
func randomWeeks(f *safety.Fold, r *rand.Rand, n int) {
	for range n {
		st := streets()[r.IntN(4)]
		at := now.Add(-time.Duration(r.Int64N(int64(7 * 24 * time.Hour))))
		f.Apply(nil, incident(st, categories[r.IntN(len(categories))], 1+r.IntN(4), at))
	}
}

func rows(f *safety.Fold, period string) map[string]safety.Row {
	out := map[string]safety.Row{}
	t := f.Table(period)
	for _, lv := range geo.Levels {
		for _, r := range t.Level(lv) {
			out[r.Code] = r
		}
	}
	return out
}

// Adding an incident in the period never raises any index or sub-index, in
// any region at any level, or the city's.
func TestAnIncidentNeverRaisesAnIndex(t *testing.T) {
	regs := smallCity(t)
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		f := newFold(t, regs)
		randomWeeks(f, r, 20+r.IntN(200))
		f.Recompute(nil)
		for _, period := range []string{"24h", "7d", "30d"} {
			before := rows(f, period)
			st := streets()[r.IntN(4)]
			f.Apply(nil, incident(st, categories[r.IntN(len(categories))], 1+r.IntN(4), now.Add(-time.Duration(r.Int64N(int64(20*time.Hour))))))
			f.Recompute(nil)
			after := rows(f, period)
			for code, a := range after {
				b := before[code]
				if a.Index > b.Index || a.Sub.PublicOrder > b.Sub.PublicOrder || a.Sub.Traffic > b.Sub.Traffic ||
					a.Sub.Fire > b.Sub.Fire || a.Sub.Disputes > b.Sub.Disputes {
					t.Fatalf("seed %d, %s: an incident in %s raised %s: %+v -> %+v", seed, period, st, code, b, a)
				}
			}
		}
	}
}

// A region with nothing in the period, whose history is normal, scores 100
// and is in the top band; so does one whose period is just as its history.
func TestNoEventsAndANormalBaselineIsTheTopBand(t *testing.T) {
	regs := smallCity(t)
	f := newFold(t, regs)
	// Six days of one minor incident a day in every street, the same kind.
	for d := 1; d <= 6; d++ {
		for _, st := range streets() {
			f.Apply(nil, incident(st, "traffic", 1, now.Add(-time.Duration(d)*24*time.Hour)))
		}
	}
	f.Recompute(nil)
	// The 24h period (yesterday and today so far) holds one incident a
	// street; the 7d one, six: as normal. Nothing happened today.
	for _, period := range []string{"24h", "7d"} {
		got := rows(f, period)
		for _, st := range streets() {
			if r := got[st]; r.Index != 100 || r.Band != "excellent" {
				t.Errorf("%s, %s: %+v, want 100, excellent", period, st, r)
			}
		}
		if c := got["C"]; c.Index != 100 || c.Band != "excellent" {
			t.Errorf("%s, the city: %+v", period, c)
		}
	}
	// Today the same again in one street, and the street is no longer
	// normal: it can fail.
	for range 3 {
		f.Apply(nil, incident("D0S0", "traffic", 4, now.Add(-time.Hour)))
	}
	f.Recompute(nil)
	if r := rows(f, "24h")["D0S0"]; r.Index >= 90 {
		t.Errorf("three severe incidents today: %+v", r)
	}
}

// Regions alike in size and events score alike.
func TestIdenticalRegionsScoreTheSame(t *testing.T) {
	regs := smallCity(t)
	f := newFold(t, regs)
	r := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		at := now.Add(-time.Duration(r.Int64N(int64(7 * 24 * time.Hour))))
		cat, sev := categories[r.IntN(len(categories))], 1+r.IntN(4)
		// D0S1 and D1S0 get the very same incidents; the others at random.
		f.Apply(nil, incident("D0S1", cat, sev, at))
		f.Apply(nil, incident("D1S0", cat, sev, at))
		f.Apply(nil, incident(streets()[[]int{0, 3}[r.IntN(2)]], categories[r.IntN(len(categories))], 1+r.IntN(4), at))
	}
	f.Recompute(nil)
	for _, period := range []string{"24h", "7d", "30d"} {
		got := rows(f, period)
		a, b := got["D0S1"], got["D1S0"]
		if a.Index != b.Index || a.Sub != b.Sub || a.Band != b.Band || a.RankInLevel != b.RankInLevel {
			t.Errorf("%s: %+v and %+v differ", period, a, b)
		}
	}
}

// The city's index is its districts' mean weighted by population (by area
// where a district lacks one), sub-index by sub-index.
func TestTheCityIsItsDistrictsMean(t *testing.T) {
	regs := smallCity(t)
	f := newFold(t, regs)
	randomWeeks(f, rand.New(rand.NewPCG(5, 6)), 400)
	f.Recompute(nil)
	for _, period := range []string{"24h", "7d", "30d"} {
		got := rows(f, period)
		d0, d1, city := got["D0"], got["D1"], got["C"]
		// Equal populations: the plain mean (of the rounded figures, so
		// within the rounding).
		if want := (d0.Index + d1.Index) / 2; math.Abs(city.Index-want) > 0.1 {
			t.Errorf("%s: city %v, districts %v and %v", period, city.Index, d0.Index, d1.Index)
		}
		if want := (d0.Sub.Traffic + d1.Sub.Traffic) / 2; math.Abs(city.Sub.Traffic-want) > 0.1 {
			t.Errorf("%s: city traffic %v, districts %v and %v", period, city.Sub.Traffic, d0.Sub.Traffic, d1.Sub.Traffic)
		}
		if city.Band != config(t).Band(city.Index) {
			t.Errorf("%s: city band %s for %v", period, city.Band, city.Index)
		}
	}
}

// The curve: 100 at or below normal, halving with each normal's worth of
// excess, the band edges where docs/SAFETY.md says.
func TestScoreCurve(t *testing.T) {
	cases := []struct{ count, expected, want float64 }{
		{0, 10, 100}, {10, 10, 100}, {24, 10, 50}, {38, 10, 25}, {4, 0, 50},
	}
	for _, c := range cases {
		if got, _ := safety.Score(c.count, c.expected, 4); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Score(%v, %v) = %v, want %v", c.count, c.expected, got, c.want)
		}
	}
	prev := 101.0
	for c := 0.0; c < 100; c += 0.5 {
		s, _ := safety.Score(c, 20, 4)
		if s > prev {
			t.Fatalf("Score rose at %v", c)
		}
		prev = s
	}
}
