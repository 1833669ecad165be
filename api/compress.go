package api

import (
	"compress/gzip"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// compressAbove is the smallest answer worth compressing: below a packet's
// payload, gzip's header and the CPU buy nothing.
const compressAbove = 1400

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// compressJSON gzips the JSON answers of GET /api/… for clients that accept
// it. The wall's first load read 50 kB of figures uncompressed (case
// statistics alone 39 kB) over links that are not always a LAN: a district
// office's wall on a VPN. Only GETs under /api/: the feeds' POSTs answer a
// few hundred bytes, and the websocket and the base map's range requests
// must not be touched. BestSpeed: JSON shrinks 5–8× at it, for little CPU.
func compressJSON(c *gin.Context) {
	if c.Request.Method != http.MethodGet || !strings.HasPrefix(c.Request.URL.Path, "/api/") ||
		!strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
		c.Next()
		return
	}
	bw := &bufferedWriter{ResponseWriter: c.Writer}
	c.Writer = bw
	c.Next()
	c.Writer = bw.ResponseWriter
	bw.finish()
}

// bufferedWriter holds an answer until the handler is done, to decide then
// whether to compress it (by its size and type).
type bufferedWriter struct {
	gin.ResponseWriter
	buf []byte
}

func (w *bufferedWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	return len(b), nil
}

func (w *bufferedWriter) WriteString(s string) (int, error) {
	w.buf = append(w.buf, s...)
	return len(s), nil
}

// WriteHeaderNow is deferred to finish: the headers depend on the choice.
func (w *bufferedWriter) WriteHeaderNow() {}

// Written says whether the handler wrote anything (gin asks, to not write twice).
func (w *bufferedWriter) Written() bool { return len(w.buf) > 0 || w.ResponseWriter.Written() }

func (w *bufferedWriter) finish() {
	out := w.ResponseWriter
	h := out.Header()
	if len(w.buf) < compressAbove || h.Get("Content-Encoding") != "" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		if len(w.buf) > 0 {
			_, _ = out.Write(w.buf)
		}
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	h.Del("Content-Length")
	gz := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(gz)
	gz.Reset(out)
	_, _ = gz.Write(w.buf)
	_ = gz.Close()
}
