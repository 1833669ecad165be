package tiles

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

var update = flag.Bool("update", false, "rewrite the golden tiles in testdata/tiles")

// suzhou is the Suzhou hierarchy; geo.LoadRegions generates it once per test
// binary and hands out the same one afterwards.
func suzhou(t testing.TB) *geo.Regions {
	t.Helper()
	p, err := geo.LoadProfile(profiles.FS, profiles.Default)
	if err != nil {
		t.Fatal(err)
	}
	r, err := geo.LoadRegions(profiles.FS, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newHandler(t testing.TB) *Handler {
	r := suzhou(t)
	return New(Config{Regions: func() *geo.Regions { return r }})
}

// Suzhou's old town, where every level has divisions.
var center = orb.Point{120.62, 31.31}

func keyAt(layer string, z uint32) Key {
	t := tileOf(center, z)
	return Key{Layer: layer, Z: z, X: t.X, Y: t.Y}
}

func TestBadTilesAre400(t *testing.T) {
	h := newHandler(t)
	cases := []struct {
		path string
		code int
	}{
		{"/tiles/regions/23/0/0.pbf", 400},
		{"/tiles/regions/-1/0/0.pbf", 400},
		{"/tiles/regions/9/512/0.pbf", 400},
		{"/tiles/regions/9/0/512.pbf", 400},
		{"/tiles/regions/9/x/0.pbf", 400},
		{"/tiles/regions/9/0/0.png", 400},
		{"/tiles/regions/99999999999/0/0.pbf", 400},
		{"/tiles/9/0/0.pbf", 404},
		{"/tiles/roads/9/0/0.pbf", 404},
		{"/tiles/regions/0/0/0.pbf", 200},
		{"/tiles/h3/22/0/0.pbf", 200},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", c.path, nil))
			if w.Code != c.code {
				t.Fatalf("%s: %d %s, want %d", c.path, w.Code, w.Body, c.code)
			}
			if c.code != 200 && !bytes.Contains(w.Body.Bytes(), []byte(`"error"`)) {
				t.Fatalf("%s: body %q has no error", c.path, w.Body)
			}
		})
	}
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"/tiles/regions/12/3425/1664.pbf", "/tiles/h3/0/0/0.pbf", "/tiles/h3/1/2/0.pbf", "regions/22/4194303/4194303.pbf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			return
		}
		if k.Z > MaxZoom || k.X >= 1<<k.Z || k.Y >= 1<<k.Z {
			t.Fatalf("%q parsed to out-of-range %v", s, k)
		}
	})
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHeadersETagAnd304(t *testing.T) {
	h := newHandler(t)
	k := keyAt(LayerRegions, 12)
	w := get(t, h, "/tiles/"+k.String()+".pbf")
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if ct, ce := w.Header().Get("Content-Type"), w.Header().Get("Content-Encoding"); ct != ContentType || ce != "gzip" {
		t.Fatalf("Content-Type %q, Content-Encoding %q", ct, ce)
	}
	etag := w.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if _, err := mvt.UnmarshalGzipped(w.Body.Bytes()); err != nil {
		t.Fatalf("body is not a gzipped MVT: %v", err)
	}
	w2 := get(t, h, "/tiles/"+k.String()+".pbf", "If-None-Match", etag)
	if w2.Code != http.StatusNotModified || w2.Body.Len() != 0 {
		t.Fatalf("If-None-Match: %d with %d bytes, want 304 and none", w2.Code, w2.Body.Len())
	}
	if w3 := get(t, h, "/tiles/"+k.String()+".pbf", "If-None-Match", `"other"`); w3.Code != 200 {
		t.Fatalf("stale ETag: %d, want 200", w3.Code)
	}
}

// A tile far from the city is empty, not an error.
func TestEmptyAreaIsEmptyTile(t *testing.T) {
	h := newHandler(t)
	for _, layer := range []string{LayerRegions, LayerH3} {
		w := get(t, h, fmt.Sprintf("/tiles/%s/12/0/0.pbf", layer))
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", layer, w.Code, w.Body)
		}
		ls, err := mvt.UnmarshalGzipped(w.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			if len(l.Features) != 0 {
				t.Fatalf("%s: %d features in an empty area", layer, len(l.Features))
			}
		}
	}
}

// Replacing regions changes the regions tiles (a new version, a new ETag) at
// once, without waiting for the cache.
func TestNewRegionsVersionBypassesCache(t *testing.T) {
	r := suzhou(t)
	cur := r
	h := New(Config{Regions: func() *geo.Regions { return cur }})
	k := keyAt(LayerRegions, 9)
	_, e1, err := h.Tile(k)
	if err != nil {
		t.Fatal(err)
	}
	// Keep only the first district.
	dl := r.Layer(geo.LevelDistrict)
	one, err := geo.NewLayer(geo.LevelDistrict, []geo.Division{{Code: dl.Divisions[0].Code, Name: "x", Shape: dl.Divisions[0].Shape}})
	if err != nil {
		t.Fatal(err)
	}
	if cur, err = geo.NewRegions(one); err != nil {
		t.Fatal(err)
	}
	body, e2, err := h.Tile(k)
	if err != nil {
		t.Fatal(err)
	}
	if e1 == e2 {
		t.Fatal("same ETag after the regions changed")
	}
	ls, _ := mvt.UnmarshalGzipped(body)
	if n := len(ls[0].Features); n != 1 {
		t.Fatalf("%d features, want the 1 district left", n)
	}
}

// Which levels appear depends on the zoom.
func TestLevelsByZoom(t *testing.T) {
	h := newHandler(t)
	for _, z := range []uint32{9, 12, 15} {
		body, _, err := h.Tile(keyAt(LayerRegions, z))
		if err != nil {
			t.Fatal(err)
		}
		ls, err := mvt.UnmarshalGzipped(body)
		if err != nil {
			t.Fatal(err)
		}
		if ls[0].Version != 2 {
			t.Fatalf("z%d: layer version %d, want 2 (MapLibre warns on 1)", z, ls[0].Version)
		}
		seen := map[string]bool{}
		for _, f := range ls[0].Features {
			seen[f.Properties.MustString("level")] = true
		}
		for _, lv := range LevelsAt(z) {
			if lv != geo.LevelCity && !seen[lv.String()] {
				t.Errorf("z%d: no %s boundaries (saw %v)", z, lv, seen)
			}
		}
		if len(seen) != len(LevelsAt(z)) {
			t.Errorf("z%d: levels %v, want %v", z, seen, LevelsAt(z))
		}
	}
}

// Golden tiles: decoded and compared feature by feature, with a tolerance on
// geometry, so an encoder change that moves a vertex by a unit passes and a
// change in what is drawn fails. Run with -update to rewrite them.
func TestGoldenTiles(t *testing.T) {
	h := newHandler(t)
	keys := []Key{keyAt(LayerRegions, 9), keyAt(LayerRegions, 12), keyAt(LayerRegions, 15), keyAt(LayerH3, 12), keyAt(LayerH3, 15)}
	for _, k := range keys {
		t.Run(k.String(), func(t *testing.T) {
			body, _, err := h.Tile(k)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join("..", "testdata", "tiles", fmt.Sprintf("%s-%d-%d-%d", k.Layer, k.Z, k.X, k.Y))
			if *update {
				raw := gunzip(t, body)
				if err := os.WriteFile(name+".mvt", raw, 0o644); err != nil {
					t.Fatal(err)
				}
				ls, _ := mvt.Unmarshal(raw)
				ls.ProjectToWGS84(k.Tile())
				js, _ := json.Marshal(ls.ToFeatureCollections())
				if err := os.WriteFile(name+".json", js, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := os.ReadFile(name + ".mvt")
			if err != nil {
				t.Fatalf("%v (run go test ./tiles -run Golden -update)", err)
			}
			want, err := mvt.Unmarshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := mvt.UnmarshalGzipped(body)
			if err != nil {
				t.Fatal(err)
			}
			compareLayers(t, got, want)
		})
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tolerance is in tile units (4096 a tile).
const tolerance = 2.0

func compareLayers(t *testing.T, got, want mvt.Layers) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d layers, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := byID(got[i].Features), byID(want[i].Features)
		if len(g) != len(w) {
			t.Fatalf("layer %s: %d features, want %d", want[i].Name, len(g), len(w))
		}
		ids := make([]string, 0, len(w))
		for id := range w {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			wf, gf := w[id], g[id]
			if gf == nil {
				t.Fatalf("layer %s: feature %s missing", want[i].Name, id)
			}
			for k, v := range wf.Properties {
				if gf.Properties[k] != v {
					t.Errorf("%s: property %s = %v, want %v", id, k, gf.Properties[k], v)
				}
			}
			gb, wb := gf.Geometry.Bound(), wf.Geometry.Bound()
			for j := range 2 {
				if math.Abs(gb.Min[j]-wb.Min[j]) > tolerance || math.Abs(gb.Max[j]-wb.Max[j]) > tolerance {
					t.Errorf("%s: bound %v, want %v within %v", id, gb, wb, tolerance)
				}
			}
			ga, wa := planar.Area(gf.Geometry), planar.Area(wf.Geometry)
			if math.Abs(ga-wa) > 0.01*math.Abs(wa)+tolerance*tolerance {
				t.Errorf("%s: area %.0f, want %.0f", id, ga, wa)
			}
		}
	}
}

func byID(fs []*geojson.Feature) map[string]*geojson.Feature {
	m := map[string]*geojson.Feature{}
	for _, f := range fs {
		id := f.Properties.MustString("level", "") + ":" + f.Properties.MustString("code", "") + f.Properties.MustString("cell", "")
		m[id] = f
	}
	return m
}
