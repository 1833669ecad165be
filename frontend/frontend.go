// Package frontend serves the browser side of citygrid from files embedded in
// the binary, so the one binary serves everything and the page needs no other
// host.
//
// The page is a Vite bundle built into dist/ by `make frontend` (npm run build)
// and embedded at go build time, so build the bundle before the binary. A fresh
// clone holds only dist/.gitkeep: it still compiles, and Handler then serves a
// short page that says how to build the bundle.
//
// Besides the bundle, Handler serves the default city profile's boundaries,
// which the map draws until vector tiles exist:
//
//	GET /profile/outline.geojson    the city outline
//	GET /profile/districts.geojson  the districts (id = division code, properties.name)
package frontend

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strconv"
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
// Paths under /assets/ carry content hashes and are cached for a year; every
// other file is revalidated on each load.
func Handler() http.Handler {
	dist, err := fs.Sub(files, "dist")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	prof, err := fs.Sub(profiles.FS, profiles.Default)
	if err != nil {
		panic(err)
	}
	return newHandler(dist, prof)
}

// profileFiles are the profile files the page may fetch; nothing else of the
// profile directory is served.
var profileFiles = map[string]bool{"outline.geojson": true, "districts.geojson": true, "heat.json": true, "categories.json": true}

func newHandler(dist, prof fs.FS) http.Handler {
	built := false
	if st, err := fs.Stat(dist, "index.html"); err == nil && !st.IsDir() {
		built = true
	}
	static := http.FileServerFS(dist)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		if name, ok := strings.CutPrefix(p, "/profile/"); ok {
			serveProfile(w, r, prof, name)
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
		if strings.HasPrefix(p, "/assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		static.ServeHTTP(w, r)
	})
}

func serveProfile(w http.ResponseWriter, r *http.Request, prof fs.FS, name string) {
	if !profileFiles[name] {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(prof, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK) // explicit: gin's NoRoute presets 404
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}
