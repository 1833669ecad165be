package geo_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Suzhou's mask holds its lakes and the Yangtze, and leaves the city's land
// open: the centres of the lakes are masked, well-known places on land are not.
func TestSuzhouMask(t *testing.T) {
	p := suzhou(t)
	water := []struct {
		name string
		at   orb.Point
	}{
		{"太湖", orb.Point{120.25, 31.20}},
		{"太湖", orb.Point{120.10, 31.10}},
		{"太湖", orb.Point{120.50, 31.06}}, // East Lake Tai, between Dongshan and Wujiang,
		{"金鸡湖", orb.Point{120.68, 31.315}},
		{"独墅湖", orb.Point{120.705, 31.268}},
		{"阳澄湖", orb.Point{120.80, 31.42}},
		{"淀山湖", orb.Point{120.93, 31.15}}, // the lake's Kunshan end; the rest is Shanghai's,
		{"长江", orb.Point{121.20, 31.67}},
	}
	for _, w := range water {
		a := p.MaskAt(w.at)
		if a == nil || a.Kind != geo.MaskWater || !strings.Contains(a.Name, w.name[:3]) {
			t.Errorf("%s at %v: masked as %+v, want water", w.name, w.at, a)
		}
		if !p.Contains(w.at) || p.Open(w.at) {
			t.Errorf("%s at %v: in the outline %v, open %v; want in and not open", w.name, w.at, p.Contains(w.at), p.Open(w.at))
		}
	}
	land := []struct {
		name string
		at   orb.Point
	}{
		{"观前街", orb.Point{120.625, 31.311}},
		{"西山岛 (an island in Lake Tai)", orb.Point{120.27, 31.12}},
		{"东山镇", orb.Point{120.40, 31.08}},
		{"昆山", orb.Point{120.98, 31.385}},
		{"张家港", orb.Point{120.55, 31.87}},
		{"太仓", orb.Point{121.10, 31.45}},
	}
	for _, l := range land {
		if !p.Open(l.at) {
			t.Errorf("%s at %v: not open (mask %+v)", l.name, l.at, p.MaskAt(l.at))
		}
	}
}

// A mask area answers exactly as orb's ray casting over its polygon does.
func TestMaskAgreesWithOrb(t *testing.T) {
	p := suzhou(t)
	if len(p.Mask) == 0 {
		t.Fatal("Suzhou has no mask")
	}
	r := rand.New(rand.NewPCG(11, 11))
	for i := range p.Mask {
		a := &p.Mask[i]
		b := a.Polygon.Bound()
		for range 5000 {
			pt := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
			if got, want := a.Contains(pt), planar.MultiPolygonContains(a.Polygon, pt); got != want {
				t.Fatalf("%s: %v: Contains %v, orb %v", a.Name, pt, got, want)
			}
		}
	}
}

func TestMaskIsOptionalAndChecked(t *testing.T) {
	outline := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}`
	districts := `{"type":"FeatureCollection","features":[]}`
	fsys := fstest.MapFS{
		"c/outline.geojson":   {Data: []byte(outline)},
		"c/districts.geojson": {Data: []byte(districts)},
	}
	p, err := geo.LoadProfile(fsys, "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Mask) != 0 || !p.Open(orb.Point{0.5, 0.5}) {
		t.Fatalf("a profile without mask.geojson: mask %v", p.Mask)
	}

	lake := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"%s","name":"lake"},"geometry":{"type":"Polygon","coordinates":[[[0.2,0.2],[0.4,0.2],[0.4,0.4],[0.2,0.4],[0.2,0.2]]]}}]}`
	fsys["c/mask.geojson"] = &fstest.MapFile{Data: []byte(strings.Replace(lake, "%s", "no-go", 1))}
	p, err = geo.LoadProfile(fsys, "c")
	if err != nil {
		t.Fatal(err)
	}
	if a := p.MaskAt(orb.Point{0.3, 0.3}); a == nil || a.Kind != geo.MaskNoGo || p.Open(orb.Point{0.3, 0.3}) || !p.Open(orb.Point{0.5, 0.5}) {
		t.Fatalf("mask %+v", a)
	}

	for _, bad := range []string{strings.Replace(lake, "%s", "swamp", 1), strings.Replace(lake, `"Polygon"`, `"Point"`, 1)} {
		fsys["c/mask.geojson"] = &fstest.MapFile{Data: []byte(bad)}
		if _, err := geo.LoadProfile(fsys, "c"); err == nil || !strings.Contains(err.Error(), "mask.geojson") {
			t.Errorf("a bad mask loaded: %v", err)
		}
	}
}
