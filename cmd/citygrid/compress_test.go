package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

// rawGet asks path with Accept-Encoding set by hand, so the client leaves
// the body as the server sent it.
func rawGet(t *testing.T, s *server, path, encoding string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// The API's JSON travels compressed to clients that accept it: the wall's
// first load read 50 kB of figures uncompressed.
func TestAPIAnswersAreCompressedForClientsThatAcceptIt(t *testing.T) {
	s := startServer(t, "", "compress")
	const big = "/api/v1/cases/catalogue"
	plainResp, plain := rawGet(t, s, big, "")
	if plainResp.StatusCode != 200 || plainResp.Header.Get("Content-Encoding") != "" || len(plain) < 2000 {
		t.Fatalf("plain: %d %q, %d bytes", plainResp.StatusCode, plainResp.Header.Get("Content-Encoding"), len(plain))
	}
	gzResp, gz := rawGet(t, s, big, "gzip, deflate, br")
	if gzResp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(gzResp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip asked: Content-Encoding %q, Vary %q", gzResp.Header.Get("Content-Encoding"), gzResp.Header.Get("Vary"))
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(unzipped, plain) {
		t.Fatalf("the compressed answer is not the plain one (%v)", err)
	}
	t.Logf("%s: %d bytes, %d compressed", big, len(plain), len(gz))
	if len(gz)*2 > len(plain) {
		t.Errorf("compressed %d → %d bytes only", len(plain), len(gz))
	}
	// Small answers, and what is outside the API, go as they are.
	for _, path := range []string{"/healthz", "/api/v1/session"} {
		if resp, _ := rawGet(t, s, path, "gzip"); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: %q", path, resp.Header.Get("Content-Encoding"))
		}
	}
}
