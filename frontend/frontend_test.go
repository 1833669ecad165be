package frontend

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
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

// distFS is a built bundle in miniature: hashed assets with their encoded
// twins (bytes the handler never decodes, so marked rather than compressed),
// a hashed font without twins, a file under assets/ without a hash, and the
// page itself.
func distFS() fstest.MapFS {
	return fstest.MapFS{
		"index.html":                    {Data: []byte("<!doctype html><title>citygrid</title>")},
		"index.html.br":                 {Data: []byte("BR<index>")},
		"index.html.gz":                 {Data: []byte("GZ<index>")},
		"favicon.svg":                   {Data: []byte("<svg></svg>")},
		"assets/index-j0q2ErKZ.js":      {Data: []byte("console.log(1)")},
		"assets/index-j0q2ErKZ.js.br":   {Data: []byte("BR<console.log(1)>")},
		"assets/index-j0q2ErKZ.js.gz":   {Data: []byte("GZ<console.log(1)>")},
		"assets/worker-CZtFQQIV.mjs":    {Data: []byte("self.onmessage=null")},
		"assets/worker-CZtFQQIV.mjs.gz": {Data: []byte("GZ<self.onmessage=null>")},
		"assets/font-C8q2FS1w.woff2":    {Data: []byte("wOF2")},
		"assets/unhashed.js":            {Data: []byte("let x")},
		".gitkeep":                      {},
	}
}

func profileFS() fstest.MapFS {
	return fstest.MapFS{
		"districts.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[]}`)},
		"outline.geojson":   {Data: []byte(`{"type":"FeatureCollection","features":[]}`)},
		"divisions.csv":     {Data: []byte("code,name\n")},
	}
}

func handler(t *testing.T, dist, prof fstest.MapFS) http.Handler {
	t.Helper()
	h, err := newHandler(dist, prof)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// request sends one request with the given headers ("Name: value" each).
func request(t *testing.T, h http.Handler, method, target string, headers ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for _, hd := range headers {
		k, v, _ := strings.Cut(hd, ": ")
		req.Header.Add(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestHandlerBuilt(t *testing.T) {
	h := handler(t, distFS(), profileFS())

	// Every expectation is checked: a header or body given as none must be
	// absent or empty; any other must appear in it.
	const none = "<none>"
	cases := []struct {
		name, method, target string
		code                 int
		ctype, cache, body   string
	}{
		{"index", "GET", "/?view=wall", 200, "text/html", "no-cache", "<title>citygrid"},
		{"index by name", "GET", "/index.html", 200, "text/html", "no-cache", "<title>citygrid"},
		{"favicon", "GET", "/favicon.svg", 200, "image/svg+xml", "no-cache", "<svg>"},
		{"asset", "GET", "/assets/index-j0q2ErKZ.js", 200, "javascript", "public, max-age=31536000, immutable", "console.log"},
		{"module", "GET", "/assets/worker-CZtFQQIV.mjs", 200, "javascript", "immutable", "self.onmessage"},
		{"font", "GET", "/assets/font-C8q2FS1w.woff2", 200, "font/woff2", "immutable", "wOF2"},
		{"asset without a hash", "GET", "/assets/unhashed.js", 200, "javascript", "no-cache", "let x"},
		{"twin has no URL", "GET", "/assets/index-j0q2ErKZ.js.br", 404, "text/plain", none, "404 page not found"},
		{"directory", "GET", "/assets/", 404, "text/plain", none, "404 page not found"},
		{"gitkeep", "GET", "/.gitkeep", 404, "text/plain", none, "404 page not found"},
		{"districts", "GET", "/profile/districts.geojson", 200, "application/geo+json", "max-age=300", "FeatureCollection"},
		{"outline", "HEAD", "/profile/outline.geojson", 200, "application/geo+json", "max-age=300", none},
		{"profile other file", "GET", "/profile/divisions.csv", 404, "text/plain", none, "404 page not found"},
		{"profile escape", "GET", "/profile/../assets/index-j0q2ErKZ.js", 200, "javascript", "immutable", "console.log"},
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

// TestHandlerEncodings: the twin the request accepts, brotli first, else
// the plain file; Vary on every answer of a file that has twins, and each
// representation with its own length and ETag.
func TestHandlerEncodings(t *testing.T) {
	h := handler(t, distFS(), profileFS())
	const js = "/assets/index-j0q2ErKZ.js"
	cases := []struct {
		name, target, accept string
		coding, body         string
	}{
		{"chromium", js, "gzip, deflate, br, zstd", "br", "BR<console.log(1)>"},
		{"br only", js, "br", "br", "BR<console.log(1)>"},
		{"gzip only", js, "gzip", "gzip", "GZ<console.log(1)>"},
		{"x-gzip", js, "x-gzip", "gzip", "GZ<console.log(1)>"},
		{"br refused", js, "gzip;q=1.0, br;q=0", "gzip", "GZ<console.log(1)>"},
		{"upper case, spaces", js, "GZIP ; q=0.5", "gzip", "GZ<console.log(1)>"},
		{"any", js, "*", "br", "BR<console.log(1)>"},
		{"any but br", js, "br;q=0, *;q=0.1", "gzip", "GZ<console.log(1)>"},
		{"none said", js, "", "", "console.log(1)"},
		{"identity", js, "identity", "", "console.log(1)"},
		{"both refused", js, "br;q=0, gzip;q=0", "", "console.log(1)"},
		{"any refused", js, "*;q=0", "", "console.log(1)"},
		{"unreadable q", js, "br;q=x, gzip", "gzip", "GZ<console.log(1)>"},
		{"unknown only", js, "compress", "", "console.log(1)"},
		{"gzip twin only", "/assets/worker-CZtFQQIV.mjs", "br, gzip", "gzip", "GZ<self.onmessage=null>"},
		{"page", "/", "br", "br", "BR<index>"},
	}
	etags := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var res *http.Response
			if c.accept == "" {
				res = request(t, h, "GET", c.target)
			} else {
				res = request(t, h, "GET", c.target, "Accept-Encoding: "+c.accept)
			}
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := res.Header.Get("Content-Encoding"); got != c.coding {
				t.Errorf("Content-Encoding %q, want %q", got, c.coding)
			}
			if got := res.Header.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("Vary %q, want Accept-Encoding", got)
			}
			if got := res.Header.Get("Content-Type"); !strings.Contains(got, "html") && !strings.Contains(got, "javascript") {
				t.Errorf("Content-Type %q: the twin's bytes were sniffed", got)
			}
			b := body(t, res)
			if b != c.body {
				t.Errorf("body %q, want %q", b, c.body)
			}
			if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(c.body)) {
				t.Errorf("Content-Length %q, want %d", got, len(c.body))
			}
			etag := res.Header.Get("ETag")
			if prev, ok := etags[c.target+" "+c.coding]; ok && prev != etag {
				t.Errorf("ETag %s, and %s for the same representation", etag, prev)
			}
			etags[c.target+" "+c.coding] = etag
		})
	}
	if etags[js+" br"] == etags[js+" gzip"] || etags[js+" br"] == etags[js+" "] || etags[js+" gzip"] == etags[js+" "] {
		t.Errorf("representations share an ETag: %v", etags)
	}
	// A file without twins varies by nothing.
	res := request(t, h, "GET", "/assets/font-C8q2FS1w.woff2", "Accept-Encoding: br")
	if res.Header.Get("Vary") != "" || res.Header.Get("Content-Encoding") != "" {
		t.Errorf("font: Vary %q, Content-Encoding %q", res.Header.Get("Vary"), res.Header.Get("Content-Encoding"))
	}
}

// TestHandlerHeadRangeConditional: HEAD, Range and If-None-Match answer for
// the representation the request selects.
func TestHandlerHeadRangeConditional(t *testing.T) {
	h := handler(t, distFS(), profileFS())
	const js = "/assets/index-j0q2ErKZ.js"

	res := request(t, h, "HEAD", js, "Accept-Encoding: br")
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "br" || res.Header.Get("Content-Length") != strconv.Itoa(len("BR<console.log(1)>")) {
		t.Errorf("HEAD br: %d, encoding %q, length %q", res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Content-Length"))
	}
	if b := body(t, res); b != "" {
		t.Errorf("HEAD body %q", b)
	}

	ranges := []struct {
		name, accept, want, contentRange, coding string
	}{
		{"plain", "", "cons", "bytes 0-3/14", ""},
		{"brotli", "br", "BR<c", "bytes 0-3/18", "br"}, // a range of the selected representation (RFC 9110, 14.1.2)
		{"gzip tail", "gzip", "1)>", "bytes 15-17/18", "gzip"},
	}
	for _, c := range ranges {
		t.Run("range "+c.name, func(t *testing.T) {
			hd := []string{"Range: bytes=" + strings.TrimPrefix(strings.Split(c.contentRange, "/")[0], "bytes ")}
			if c.accept != "" {
				hd = append(hd, "Accept-Encoding: "+c.accept)
			}
			res := request(t, h, "GET", js, hd...)
			if res.StatusCode != http.StatusPartialContent {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := res.Header.Get("Content-Range"); got != c.contentRange {
				t.Errorf("Content-Range %q, want %q", got, c.contentRange)
			}
			if got := res.Header.Get("Content-Encoding"); got != c.coding {
				t.Errorf("Content-Encoding %q, want %q", got, c.coding)
			}
			if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(c.want)) {
				t.Errorf("Content-Length %q, want %d", got, len(c.want))
			}
			if b := body(t, res); b != c.want {
				t.Errorf("body %q, want %q", b, c.want)
			}
		})
	}
	res = request(t, h, "GET", js, "Range: bytes=100-", "Accept-Encoding: br")
	if res.StatusCode != http.StatusRequestedRangeNotSatisfiable || res.Header.Get("Content-Encoding") != "" || res.Header.Get("Cache-Control") != "" {
		t.Errorf("unsatisfiable range: %d, encoding %q, cache %q", res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Cache-Control"))
	}

	// Revalidating index.html (no-cache) answers 304 for its own ETag only.
	first := request(t, h, "GET", "/", "Accept-Encoding: br")
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on the page")
	}
	res = request(t, h, "GET", "/", "Accept-Encoding: br", "If-None-Match: "+etag)
	if res.StatusCode != http.StatusNotModified || res.Header.Get("Content-Encoding") != "" {
		t.Errorf("If-None-Match, same coding: %d, encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	res = request(t, h, "GET", "/", "Accept-Encoding: gzip", "If-None-Match: "+etag)
	if res.StatusCode != 200 || body(t, res) != "GZ<index>" {
		t.Errorf("If-None-Match of the br page, asking gzip: %d", res.StatusCode)
	}
}

// TestHandlerProfileGzip: the profile's GeoJSON goes gzipped when accepted,
// and decodes to the very file.
func TestHandlerProfileGzip(t *testing.T) {
	prof := profileFS()
	h := handler(t, distFS(), prof)
	res := request(t, h, "GET", "/profile/districts.geojson", "Accept-Encoding: gzip, br")
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("encoding %q, Vary %q", res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(prof["districts.geojson"].Data) {
		t.Errorf("decoded %q", b)
	}
	res = request(t, h, "GET", "/profile/districts.geojson")
	if res.Header.Get("Content-Encoding") != "" || body(t, res) != string(prof["districts.geojson"].Data) {
		t.Errorf("plain: encoding %q", res.Header.Get("Content-Encoding"))
	}
}

func TestHandlerNotBuilt(t *testing.T) {
	h := handler(t, fstest.MapFS{".gitkeep": {}}, fstest.MapFS{})
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

// TestHandlerEmbeddedBundle checks the bundle as built (make frontend runs
// before go test): every script and stylesheet has both twins, the gzip twin
// decodes to the file, and the page is served compressed and revalidated.
func TestHandlerEmbeddedBundle(t *testing.T) {
	dist, err := fs.Sub(files, "dist")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(dist, "index.html"); err != nil {
		t.Skip("frontend not built (make frontend): nothing embedded to check")
	}
	h := Handler()
	scripts, _ := fs.Glob(dist, "assets/*.js")
	styles, _ := fs.Glob(dist, "assets/*.css")
	if len(scripts) == 0 || len(styles) == 0 {
		t.Fatalf("%d scripts, %d stylesheets embedded", len(scripts), len(styles))
	}
	for _, name := range append(scripts, styles...) {
		plain, err := fs.ReadFile(dist, name)
		if err != nil {
			t.Fatal(err)
		}
		res := request(t, h, "GET", "/"+name, "Accept-Encoding: gzip")
		if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Cache-Control") != cacheImmutable {
			t.Errorf("%s: encoding %q, cache %q", name, res.Header.Get("Content-Encoding"), res.Header.Get("Cache-Control"))
			continue
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(b, plain) {
			t.Errorf("%s: the gzip twin does not decode to the file (%v)", name, err)
		}
		if res := request(t, h, "HEAD", "/"+name, "Accept-Encoding: br"); res.Header.Get("Content-Encoding") != "br" {
			t.Errorf("%s: no brotli twin", name)
		}
	}
	res := request(t, h, "GET", "/", "Accept-Encoding: gzip, deflate, br")
	if res.Header.Get("Content-Encoding") != "br" || res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("page: encoding %q, cache %q, vary %q", res.Header.Get("Content-Encoding"), res.Header.Get("Cache-Control"), res.Header.Get("Vary"))
	}
}
