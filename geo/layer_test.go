package geo_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// The real district file passes validation, codes from feature ids.
func TestParseLayerAcceptsSuzhouDistricts(t *testing.T) {
	b, err := os.ReadFile("../profiles/suzhou/districts.geojson")
	if err != nil {
		t.Fatal(err)
	}
	l, err := geo.ParseLayer(geo.LevelDistrict, b)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 9 || l.Division("320508") == nil || l.Division("320508").Name != "姑苏区" {
		t.Fatalf("got %d districts", l.Len())
	}
	if d := l.Locate(orb.Point{120.62, 31.31}); d == nil || d.Code != "320508" {
		t.Fatalf("old town in %v, want 姑苏区", d)
	}
}

// A division's population is kept when an upload gives one (the safety
// index judges rates per resident), and zero when it does not.
func TestParseLayerKeepsPopulation(t *testing.T) {
	sq := `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}`
	l, err := geo.ParseLayer(geo.LevelDistrict, []byte(`{"type":"FeatureCollection","features":[`+
		`{"type":"Feature","geometry":`+sq+`,"properties":{"code":"A","population":52000}},`+
		`{"type":"Feature","geometry":`+sq+`,"properties":{"code":"B"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := l.Division("A"), l.Division("B"); a.Population != 52000 || b.Population != 0 {
		t.Fatalf("populations %v, %v", a.Population, b.Population)
	}
}

func TestParseLayerErrors(t *testing.T) {
	fc := func(features ...string) []byte {
		return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
	}
	f := func(geom, props string) string {
		return `{"type":"Feature","geometry":` + geom + `,"properties":` + props + `}`
	}
	sq := `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}`
	cases := []struct {
		name  string
		level geo.Level
		body  []byte
		field string
		want  string
	}{
		{"markup in a code", geo.LevelDistrict, fc(f(sq, `{"code":"<b>A</b>"}`)), "properties.code", "letters, digits"},
		{"control character in a code", geo.LevelDistrict, fc(f(sq, `{"code":"A\u0007"}`)), "properties.code", "letters, digits"},
		{"markup in a name", geo.LevelDistrict, fc(f(sq, `{"code":"A","name":"<script>x</script>"}`)), "properties.name", "without control characters or markup"},
		{"override in a name", geo.LevelDistrict, fc(f(sq, `{"code":"A","name":"abc\u202e"}`)), "properties.name", "without control characters or markup"},
		{"point", geo.LevelDistrict, fc(f(`{"type":"Point","coordinates":[0,0]}`, `{"code":"A"}`)), "geometry", "feature 0: geometry: Point, want Polygon or MultiPolygon"},
		{"null geometry", geo.LevelDistrict, fc(f(`null`, `{"code":"A"}`)), "geometry", "missing"},
		{"short ring", geo.LevelDistrict, fc(f(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`, `{"code":"A"}`)), "geometry", "3 positions"},
		{"unclosed", geo.LevelDistrict, fc(f(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`, `{"code":"A"}`)), "geometry", "not closed"},
		{"self-intersecting hole", geo.LevelDistrict, fc(f(sq, `{"code":"A"}`), f(`{"type":"MultiPolygon","coordinates":[[[[2,0],[3,0],[3,1],[2,1],[2,0]],[[2.1,0.1],[2.9,0.9],[2.9,0.1],[2.1,0.9],[2.1,0.1]]]]}`, `{"code":"B"}`)), "geometry", "feature 1: geometry: polygon 0 ring 1: self-intersecting"},
		{"bad coordinate", geo.LevelDistrict, fc(f(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,95],[0,0]]]}`, `{"code":"A"}`)), "geometry", "not a longitude, latitude"},
		{"comma in code", geo.LevelDistrict, fc(f(sq, `{"code":"A,B"}`)), "properties.code", "comma"},
		{"missing code", geo.LevelDistrict, fc(f(sq, `{"name":"x"}`)), "properties.code", "missing"},
		{"duplicate code", geo.LevelDistrict, fc(f(sq, `{"code":"A"}`), f(sq, `{"code":"A"}`)), "properties.code", "feature 1: properties.code: \"A\" is also the code of feature 0"},
		{"missing parent", geo.LevelGrid, fc(f(sq, `{"code":"A"}`)), "properties.parent", "a grid names its community"},
		{"population as text", geo.LevelDistrict, fc(f(sq, `{"code":"A","population":"many"}`)), "properties.population", "a number of residents"},
		{"negative population", geo.LevelDistrict, fc(f(sq, `{"code":"A","population":-1}`)), "properties.population", "from 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := geo.ParseLayer(c.level, c.body)
			var le *geo.LayerError
			if !errors.As(err, &le) || le.Field != c.field || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a %s error containing %q", err, c.field, c.want)
			}
		})
	}
	big := make([]byte, geo.MaxLayerBytes+1)
	if _, err := geo.ParseLayer(geo.LevelDistrict, big); !errors.Is(err, geo.ErrLayerTooLarge) {
		t.Fatalf("too large: %v", err)
	}
}

// Replace swaps one level; a layer with unknown parents leaves everything as
// it was; readers holding the old hierarchy keep it.
func TestRegionStoreReplace(t *testing.T) {
	sq := func(x0, y0 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, y0}, {x0 + 0.01, y0}, {x0 + 0.01, y0 + 0.01}, {x0, y0 + 0.01}, {x0, y0}}}}
	}
	dl, _ := geo.NewLayer(geo.LevelDistrict, []geo.Division{{Code: "D1", Shape: sq(0, 0)}, {Code: "D2", Shape: sq(0.01, 0)}})
	sl, _ := geo.NewLayer(geo.LevelStreet, []geo.Division{{Code: "S1", Parent: "D1", Shape: sq(0, 0)}})
	r, err := geo.NewRegions(dl, sl)
	if err != nil {
		t.Fatal(err)
	}
	s := geo.NewRegionStore(r)
	old := s.Load()
	if rc := old.Assign(orb.Point{0.005, 0.005}); rc != (geo.RegionCodes{District: "D1", Street: "S1"}) {
		t.Fatalf("assign: %+v", rc)
	}
	bad, _ := geo.NewLayer(geo.LevelStreet, []geo.Division{{Code: "S9", Parent: "D9", Shape: sq(0, 0)}})
	if _, err := s.Replace(bad); err == nil || s.Load() != old {
		t.Fatalf("unknown parent: err %v, store changed %v", err, s.Load() != old)
	}
	// New districts that drop D1 orphan street S1.
	nd, _ := geo.NewLayer(geo.LevelDistrict, []geo.Division{{Code: "D2", Shape: sq(0, 0)}})
	orphans, err := s.Replace(nd)
	if err != nil || orphans != 1 {
		t.Fatalf("replace: %d orphans, %v", orphans, err)
	}
	if got := s.Load().Assign(orb.Point{0.005, 0.005}).District; got != "D2" || s.Load().Version() == old.Version() {
		t.Fatalf("after replace: district %q", got)
	}
	if got := old.Assign(orb.Point{0.005, 0.005}).District; got != "D1" {
		t.Fatalf("the old hierarchy changed under its reader: %q", got)
	}
}
