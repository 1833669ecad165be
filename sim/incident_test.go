package sim

import (
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestIncidentsAreInsideAndWellFormed(t *testing.T) {
	t.Parallel()
	s := newSim(t, "http://127.0.0.1:1", nil)
	p := suzhou(t)
	seen := map[string]bool{}
	for _, in := range s.NextIncidents(1000) {
		if !p.Contains(orb.Point{in.Lng, in.Lat}) {
			t.Errorf("%s at %v,%v is outside the outline", in.ID, in.Lng, in.Lat)
		}
		if seen[in.ID] {
			t.Errorf("duplicate id %s", in.ID)
		}
		seen[in.ID] = true
		if !isOneOf(in.Source, "110,12345,grid,sensor,mediation") {
			t.Errorf("%s: source %q", in.ID, in.Source)
		}
		if !isOneOf(in.Category, "traffic,theft,noise,dispute,fire,medical,environment,public-order") {
			t.Errorf("%s: category %q", in.ID, in.Category)
		}
		if in.Severity < 1 || in.Severity > 4 {
			t.Errorf("%s: severity %d", in.ID, in.Severity)
		}
		if in.Title == "" || in.Address == "" || !in.Time.Equal(nineAM()) {
			t.Errorf("%s: title %q address %q time %v", in.ID, in.Title, in.Address, in.Time)
		}
	}
}

func TestIncidentProportionsArePlausible(t *testing.T) {
	s := newSim(t, "http://127.0.0.1:1", nil)
	const n = 5000
	sev := map[int]int{}
	src := map[string]int{}
	cat := map[string]int{}
	for _, in := range s.NextIncidents(n) {
		sev[in.Severity]++
		src[in.Source]++
		cat[in.Category]++
	}
	share := func(k int) float64 { return float64(k) / n }
	if f := share(sev[4]); f >= 0.05 || f == 0 {
		t.Errorf("severity 4 share %.3f, want rare but present", f)
	}
	if f := share(sev[1] + sev[2]); f < 0.75 {
		t.Errorf("severity 1–2 share %.3f, want most", f)
	}
	if f := share(src["110"]); f < 0.25 || f > 0.45 {
		t.Errorf("110 share %.3f", f)
	}
	if src["mediation"] == 0 || src["mediation"] > src["grid"] {
		t.Errorf("sources %v: mediation should be the smallest non-empty feed", src)
	}
	if cat["fire"] > cat["traffic"] || cat["medical"] > cat["dispute"] {
		t.Errorf("categories %v: emergencies should be rarer than everyday trouble", cat)
	}
}

func TestDeterministicForSeedAndClock(t *testing.T) {
	a := newSim(t, "http://127.0.0.1:1", nil)
	b := newSim(t, "http://127.0.0.1:1", nil)
	if !reflect.DeepEqual(a.NextIncidents(300), b.NextIncidents(300)) {
		t.Error("same seed and clock gave different incidents")
	}
	for range 3 {
		if !reflect.DeepEqual(a.NextPositions(5*time.Second), b.NextPositions(5*time.Second)) {
			t.Fatal("same seed and clock gave different positions")
		}
	}
	c := newSim(t, "http://127.0.0.1:1", func(c *Config) { c.Seed = 43 })
	x, y := a.NextIncidents(1)[0], c.NextIncidents(1)[0]
	if x.Lat == y.Lat && x.Lng == y.Lng {
		t.Error("different seeds gave the same incident")
	}
}

func TestHotSpotsDriftWithTheClock(t *testing.T) {
	now := nineAM()
	s := newSim(t, "http://127.0.0.1:1", func(c *Config) { c.Now = func() time.Time { return now } })
	before := *s.spots[0].v
	now = now.Add(10 * time.Minute)
	s.NextIncidents(1)
	after := *s.spots[0].v
	if d := distance(before.centre, after.centre); d < 50 || d > 20_000 {
		t.Errorf("hot spot moved %.0f m in 10 minutes", d)
	}
	if !s.atlas.contains(after.centre) {
		t.Error("hot spot drifted out of the city")
	}
}
