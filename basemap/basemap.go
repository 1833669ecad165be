// Package basemap gives the wall a real base map on a private network: roads,
// water and place names under the heat, so an operator sees at once that a
// unit stands in a lake. Either a PMTiles archive (one file, the Protomaps
// basemap schema) that citygrid serves as it is, for the page to read with
// HTTP range requests, or a vector tile URL on the city's own tile server
// (the profile's "basemap"). Without either the map shows the city's outline
// and boundaries only, as before.
package basemap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// A Source says where the page finds the base map: GET /api/v1/basemap.
type Source struct {
	// Kind is "pmtiles" (URL is the archive, read with range requests),
	// "tiles" (URL is a {z}/{x}/{y} vector tile template) or "none".
	Kind string `json:"kind"`
	URL  string `json:"url,omitempty"`
}

// ArchivePath is where citygrid serves the -basemap archive.
const ArchivePath = "/basemap.pmtiles"

// An Archive is a PMTiles file served whole or by ranges. It is read from
// disk on each request (the kernel caches it), never held in memory.
type Archive struct {
	path    string
	size    int64
	modTime time.Time
}

// magic opens every PMTiles archive of version 3.
var magic = []byte("PMTiles\x03")

// ErrNotPMTiles is returned by Open for a file that is not a PMTiles v3 archive.
var ErrNotPMTiles = errors.New("basemap: not a PMTiles version 3 archive")

// Open checks that path is a PMTiles v3 archive (its first bytes), so a wrong
// file is refused at start rather than drawn as nothing.
func Open(path string) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("basemap: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, magic) {
		return nil, fmt.Errorf("%w: %s", ErrNotPMTiles, path)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("basemap: %w", err)
	}
	return &Archive{path: path, size: st.Size(), modTime: st.ModTime()}, nil
}

// Size is the archive's length in bytes.
func (a *Archive) Size() int64 { return a.size }

// ServeHTTP answers GET and HEAD for the archive, whole or by Range (206),
// with its modification time for revalidation.
func (a *Archive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open(a.path)
	if err != nil {
		http.Error(w, "basemap unavailable", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/vnd.pmtiles")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeContent(w, r, "basemap.pmtiles", a.modTime, f)
}
