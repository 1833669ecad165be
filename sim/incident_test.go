package sim

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
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

// typeOf finds the type an incident's title names, by its words in lang.
func typeOf(t *testing.T, in Incident, lang string) *incidentType {
	t.Helper()
	var found *incidentType
	for i := range typesByCategory[in.Category] {
		typ := &typesByCategory[in.Category][i]
		w := typ.title.in(lang)
		if strings.HasSuffix(in.Title, " "+w) || strings.HasPrefix(in.Title, w+", ") {
			if found != nil {
				t.Fatalf("%q names both %s and %s", in.Title, found.code, typ.code)
			}
			found = typ
		}
	}
	if found == nil {
		t.Fatalf("%s: title %q names no %s type", in.ID, in.Title, in.Category)
	}
	return found
}

// Severity follows the type: over many incidents, each type's severities are
// only those its table allows, illegal parking is never above 2, and every
// type that may be critical is now and then.
func TestSeverityFollowsTheType(t *testing.T) {
	t.Parallel()
	s := newSim(t, "http://127.0.0.1:1", nil)
	seen := map[string]map[int]int{}
	for _, in := range s.NextIncidents(40_000) {
		typ := typeOf(t, in, "zh")
		if !slices.ContainsFunc(typ.severity, func(c choice[int]) bool { return c.v == in.Severity }) {
			t.Fatalf("%s: %s (%q) of severity %d, allowed %v", in.ID, typ.code, in.Title, in.Severity, typ.severity)
		}
		if typ.code == "traffic.parking" && in.Severity > 2 {
			t.Fatalf("%s: illegal parking of severity %d", in.ID, in.Severity)
		}
		if seen[typ.code] == nil {
			seen[typ.code] = map[int]int{}
		}
		seen[typ.code][in.Severity]++
	}
	for cat, types := range typesByCategory {
		for _, typ := range types {
			if len(seen[typ.code]) == 0 {
				t.Errorf("%s/%s never drawn", cat, typ.code)
			}
			critical := slices.ContainsFunc(typ.severity, func(c choice[int]) bool { return c.v == 4 })
			if critical && seen[typ.code][4] == 0 && seen[typ.code][1]+seen[typ.code][2]+seen[typ.code][3] > 500 {
				t.Errorf("%s: never severity 4 in %v", typ.code, seen[typ.code])
			}
		}
	}
	if parking := seen["traffic.parking"]; parking[1] == 0 || parking[2] == 0 {
		t.Errorf("illegal parking: %v", parking)
	}
}

var han = regexp.MustCompile(`\p{Han}`)
var latinWord = regexp.MustCompile(`[A-Za-z]{2,}`)

// Titles and addresses are written in the profile's language: Chinese for
// Suzhou ("人民路 违章停车"), with no English word; English for a profile
// that says so, or says nothing.
func TestMessagesInTheProfilesLanguage(t *testing.T) {
	t.Parallel()
	s := newSim(t, "http://127.0.0.1:1", nil)
	for _, in := range s.NextIncidents(500) {
		for _, text := range []string{in.Title, in.Address} {
			if !han.MatchString(text) || latinWord.MatchString(text) {
				t.Fatalf("%s: %q is not Chinese", in.ID, text)
			}
		}
		road, what, ok := strings.Cut(in.Title, " ")
		if !ok || !slices.Contains(suzhou(t).Roads, road) || typeOf(t, in, "zh").title.zh != what {
			t.Fatalf("%s: title %q, want a road of Suzhou and what happened", in.ID, in.Title)
		}
	}
	for _, step := range []string{"registered", "accepted", "assigned", "handled", "closed"} {
		for range 50 {
			_, body := s.nextStep(&simCase{state: step}, s.irng)
			for _, v := range body {
				if text, ok := v.(string); ok && (!han.MatchString(text) || latinWord.MatchString(text)) {
					t.Fatalf("a case's %s step says %q", step, text)
				}
			}
		}
	}

	for _, lang := range []string{"en-GB", ""} {
		p := *suzhou(t)
		p.Lang, p.Roads = lang, nil
		s := newSim(t, "http://127.0.0.1:1", func(c *Config) { c.Profile = &p })
		in := s.NextIncidents(1)[0]
		typ := typeOf(t, in, "en")
		if han.MatchString(in.Title) || !strings.HasPrefix(in.Title, typ.title.en+", ") {
			t.Errorf("lang %q: title %q", lang, in.Title)
		}
	}
}
