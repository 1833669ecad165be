package basemap_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/citygrid/citygrid/basemap"
	"github.com/citygrid/citygrid/internal/pmtilestest"
)

func archive(t *testing.T) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := pmtilestest.Write(&b, pmtilestest.Suzhou()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "suzhou.pmtiles")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, b.Bytes()
}

// The page reads the archive by ranges: a range answers 206 with exactly
// those bytes; the whole file answers 200; a file that is not PMTiles is
// refused at start.
func TestArchiveIsServedByRanges(t *testing.T) {
	path, want := archive(t)
	a, err := basemap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	get := func(rng string) *http.Response {
		req := httptest.NewRequest("GET", basemap.ArchivePath, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		w := httptest.NewRecorder()
		a.ServeHTTP(w, req)
		return w.Result()
	}
	res := get("bytes=0-126")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, want[:127]) {
		t.Fatalf("the header range: %d, %d bytes", res.StatusCode, len(body))
	}
	res = get("bytes=127-")
	body, _ = io.ReadAll(res.Body)
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, want[127:]) {
		t.Fatalf("the rest: %d, %d bytes", res.StatusCode, len(body))
	}
	res = get("")
	body, _ = io.ReadAll(res.Body)
	if res.StatusCode != 200 || !bytes.Equal(body, want) || res.Header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("whole: %d, %d bytes, %v", res.StatusCode, len(body), res.Header)
	}
	other := filepath.Join(t.TempDir(), "x.pmtiles")
	if err := os.WriteFile(other, []byte(`{"type":"FeatureCollection"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := basemap.Open(other); !errors.Is(err, basemap.ErrNotPMTiles) {
		t.Fatalf("a GeoJSON file: %v", err)
	}
}
