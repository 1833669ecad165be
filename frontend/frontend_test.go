package frontend

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

func get(t *testing.T, h http.Handler, method, target string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandlerBuilt(t *testing.T) {
	dist := fstest.MapFS{
		"index.html":        {Data: []byte("<!doctype html><title>citygrid</title>")},
		"assets/app-1.js":   {Data: []byte("console.log(1)")},
		"assets/font.woff2": {Data: []byte("wOF2")},
	}
	prof := fstest.MapFS{
		"districts.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[]}`)},
		"outline.geojson":   {Data: []byte(`{"type":"FeatureCollection","features":[]}`)},
		"divisions.csv":     {Data: []byte("code,name\n")},
	}
	h := newHandler(dist, prof)

	// Every expectation is checked: a header or body given as none must be
	// absent or empty; any other must appear in it.
	const none = "<none>"
	cases := []struct {
		name, method, target string
		code                 int
		ctype, cache, body   string
	}{
		{"index", "GET", "/?view=wall", 200, "text/html", "no-cache", "<title>citygrid"},
		{"asset", "GET", "/assets/app-1.js", 200, "javascript", "immutable", "console.log"},
		{"font", "GET", "/assets/font.woff2", 200, "font/woff2", "immutable", "wOF2"},
		{"districts", "GET", "/profile/districts.geojson", 200, "application/geo+json", "max-age=300", "FeatureCollection"},
		{"outline", "HEAD", "/profile/outline.geojson", 200, "application/geo+json", "max-age=300", none},
		{"profile other file", "GET", "/profile/divisions.csv", 404, "text/plain", none, "404 page not found"},
		{"profile escape", "GET", "/profile/../assets/app-1.js", 200, "javascript", "immutable", "console.log"},
		{"missing", "GET", "/nope.js", 404, "text/plain", none, "404 page not found"}, // an error is not cached
		{"post", "POST", "/", 405, "text/plain", none, "method not allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := get(t, h, c.method, c.target)
			if res.StatusCode != c.code {
				t.Fatalf("status %d, want %d", res.StatusCode, c.code)
			}
			check := func(what, got, want string) {
				if want == none && got != "" || want != none && !strings.Contains(got, want) {
					t.Errorf("%s %q, want %q", what, got, want)
				}
			}
			check("Content-Type", res.Header.Get("Content-Type"), c.ctype)
			check("Cache-Control", res.Header.Get("Cache-Control"), c.cache)
			check("body", body(t, res), c.body)
			if c.code == 405 && res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q, want GET, HEAD", res.Header.Get("Allow"))
			}
		})
	}
}

func TestHandlerNotBuilt(t *testing.T) {
	h := newHandler(fstest.MapFS{".gitkeep": {}}, fstest.MapFS{})
	res := get(t, h, "GET", "/")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if b := body(t, res); !strings.Contains(b, "frontend not built: run make frontend") {
		t.Errorf("body %q", b)
	}
	if res := get(t, h, "GET", "/assets/x.js"); res.StatusCode != 404 {
		t.Errorf("asset status %d, want 404", res.StatusCode)
	}
}

// TestHandlerProfile checks the real embedded profile: the page draws these.
func TestHandlerProfile(t *testing.T) {
	h := Handler()
	for _, name := range []string{"districts", "outline"} {
		res := get(t, h, "GET", "/profile/"+name+".geojson")
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", name, res.StatusCode)
		}
		var fc struct {
			Type     string `json:"type"`
			Features []struct {
				ID         any `json:"id"`
				Properties struct {
					Name string `json:"name"`
				} `json:"properties"`
			} `json:"features"`
		}
		if err := json.NewDecoder(res.Body).Decode(&fc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
			t.Fatalf("%s: %d features of %q", name, len(fc.Features), fc.Type)
		}
		if name == "districts" && (fc.Features[0].ID == nil || fc.Features[0].Properties.Name == "") {
			t.Errorf("district without id or name: %+v", fc.Features[0])
		}
	}
	// The heat legend's class breaks: for every resolution and window, five
	// rising lower bounds starting at 1 (a single incident is the coolest
	// colour, never the hottest).
	res := get(t, h, "GET", "/profile/heat.json")
	var heat struct {
		Breaks map[string]map[string][]int `json:"breaks"`
	}
	if err := json.NewDecoder(res.Body).Decode(&heat); err != nil || res.StatusCode != 200 {
		t.Fatalf("heat.json: %d %v", res.StatusCode, err)
	}
	for _, r := range []string{"7", "8", "9"} {
		for _, w := range []string{"15m", "1h", "24h"} {
			b := heat.Breaks[r][w]
			if len(b) != 5 || b[0] != 1 || !slices.IsSorted(b) || len(slices.Compact(slices.Clone(b))) != 5 {
				t.Errorf("breaks of res %s, %s: %v", r, w, b)
			}
		}
	}
	// The incident categories the console offers, each labelled in Chinese.
	res = get(t, h, "GET", "/profile/categories.json")
	var cats struct {
		Categories []struct{ Code, Label string } `json:"categories"`
	}
	if err := json.NewDecoder(res.Body).Decode(&cats); err != nil || res.StatusCode != 200 || len(cats.Categories) == 0 {
		t.Fatalf("categories.json: %d %v %+v", res.StatusCode, err, cats)
	}
	for _, c := range cats.Categories {
		if c.Code == "" || !strings.ContainsFunc(c.Label, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("category %+v: a code and a Chinese label", c)
		}
	}
	// Whether or not the bundle is built, / answers with a page.
	if res := get(t, h, "GET", "/"); res.StatusCode != 200 {
		t.Errorf("/: status %d", res.StatusCode)
	}
}
