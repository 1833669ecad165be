// Package frontend serves the browser side of citygrid from files embedded in
// the binary, so the one binary serves everything and the page needs no other
// host.
//
// The page is a Vite bundle built into dist/ by `make frontend` (npm run build)
// and embedded at go build time, so build the bundle before the binary. A fresh
// clone holds only dist/.gitkeep: it still compiles, and Handler then serves a
// short page that says how to build the bundle.
//
// The build also writes a brotli and a gzip twin beside each text file
// (name.br, name.gz). They are compressed once, at the highest levels, where
// compressing on each request would cost every load CPU time and bytes; the
// handler picks the twin the request's Accept-Encoding allows, and the plain
// file when it allows neither. The twins have no URLs of their own.
//
// Besides the bundle, Handler serves the default city profile's boundaries,
// which the map draws until vector tiles exist:
//
//	GET /profile/outline.geojson    the city outline
//	GET /profile/districts.geojson  the districts (id = division code, properties.name)
package frontend

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/citygrid/citygrid/profiles"
)

//go:embed all:dist
var files embed.FS

// notBuilt is served for every page path when the bundle is missing.
const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>citygrid</title></head>
<body style="background:#0b0f17;color:#e6edf3;font:20px sans-serif;padding:2em">
<h1>citygrid</h1>
<p>frontend not built: run make frontend, then rebuild the binary.</p>
<p>The API is up: <a href="/api/v1/heat" style="color:#7cc4ff">/api/v1/heat</a>,
<a href="/api/v1/units" style="color:#7cc4ff">/api/v1/units</a>.</p>
</body></html>
`

// Handler serves the embedded bundle and the default profile's boundaries.
// Files Vite named after their content (under /assets/) are cached for a
// year; every other file is revalidated on each load. Text goes compressed
// when the browser accepts it: brotli or gzip twins written at build time for
// the bundle, gzip made at start for the profile.
func Handler() http.Handler {
	dist, err := fs.Sub(files, "dist")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	prof, err := fs.Sub(profiles.FS, profiles.Default)
	if err != nil {
		panic(err)
	}
	h, err := newHandler(dist, prof)
	if err != nil {
		panic(err) // embedded files that cannot be read: a broken build
	}
	return h
}

// profileFiles are the profile files the page may fetch; nothing else of the
// profile directory is served.
var profileFiles = []string{"outline.geojson", "districts.geojson", "heat.json", "categories.json"}

func newHandler(dist, prof fs.FS) (http.Handler, error) {
	built := false
	if st, err := fs.Stat(dist, "index.html"); err == nil && !st.IsDir() {
		built = true
	}
	static, err := newStatic(dist)
	if err != nil {
		return nil, err
	}
	geo, err := newProfile(prof)
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		if name, ok := strings.CutPrefix(p, "/profile/"); ok {
			geo.serve(w, r, name)
			return
		}
		if !built {
			if p == "/" || p == "/index.html" {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Header().Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusOK) // explicit: gin's NoRoute presets 404
				_, _ = w.Write([]byte(notBuilt))
				return
			}
			http.NotFound(w, r)
			return
		}
		a := static.lookup(p)
		if a == nil {
			http.NotFound(w, r)
			return
		}
		static.serve(w, r, a) // ServeContent writes its status explicitly (gin's NoRoute presets 404)
	}), nil
}

// profile holds the profile's boundary files, plain and gzipped: Suzhou's
// districts are 243 kB of GeoJSON and 28 kB gzipped, and the page fetches
// them on every cold load.
type profile map[string]profileFile

type profileFile struct {
	plain, gz []byte
	etag      string
}

func newProfile(prof fs.FS) (profile, error) {
	out := profile{}
	for _, name := range profileFiles {
		b, err := fs.ReadFile(prof, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // answered 404, as any file the profile lacks
		}
		if err != nil {
			return nil, err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression) // a valid level: no error
		_, _ = zw.Write(b)                                      // a bytes.Buffer does not fail
		if err := zw.Close(); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		out[name] = profileFile{plain: b, gz: gz.Bytes(), etag: hex.EncodeToString(sum[:12])}
	}
	return out, nil
}

func (p profile) serve(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := p[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	out := rep{ctype: "application/geo+json", cache: "public, max-age=300", etag: `"` + f.etag + `"`, vary: true}
	body := f.plain
	if accepts(r.Header.Values("Accept-Encoding"), "gzip") {
		out.coding, out.etag, body = "gzip", `"`+f.etag+`-gzip"`, f.gz
	}
	send(w, r, out, bytes.NewReader(body), int64(len(body)))
}
