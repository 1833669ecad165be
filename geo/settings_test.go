package geo_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/citygrid/citygrid/geo"
)

func TestProfileSettings(t *testing.T) {
	p := suzhou(t)
	if p.Lang != "zh-CN" || p.Language() != "zh" || len(p.Roads) == 0 {
		t.Fatalf("Suzhou: lang %q (%q), %d roads", p.Lang, p.Language(), len(p.Roads))
	}
	fsys := fstest.MapFS{
		"c/outline.geojson":   {Data: []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`)},
		"c/districts.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[]}`)},
	}
	p, err := geo.LoadProfile(fsys, "c")
	if err != nil || p.Lang != "" || p.Language() != "" || p.Roads != nil {
		t.Fatalf("without profile.json: %v, lang %q, roads %v", err, p.Lang, p.Roads)
	}
	for _, bad := range []string{`{"language":"en"}`, `{"roads":[" "]}`, `{"lang":`} {
		fsys["c/profile.json"] = &fstest.MapFile{Data: []byte(bad)}
		if _, err := geo.LoadProfile(fsys, "c"); err == nil || !strings.Contains(err.Error(), "profile.json") {
			t.Errorf("%s: loaded (%v)", bad, err)
		}
	}
}
