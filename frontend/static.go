package frontend

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// codings are the encodings the build writes beside a file (frontend/build/
// precompress.ts: name.br, name.gz), in the order the server prefers them:
// brotli is about a fifth smaller than gzip on the bundle.
var codings = []struct{ coding, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// hashedName matches the files Vite names after their content
// (assets/index-j0q2ErKZ.js): a new build gives a changed file a new name, so
// a browser may keep one for a year without asking again.
var hashedName = regexp.MustCompile(`^assets/.+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$`)

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// An asset is one file of the bundle as served: the plain file and the
// encoded twins the build wrote beside it, each with its own strong ETag (a
// cache holding one representation must not take another for it).
type asset struct {
	name  string
	ctype string
	cache string
	etag  string
	twins []twin // best first
}

type twin struct {
	coding, name, etag string
}

// static serves the files of a built bundle, each in the best encoding the
// request accepts, with Range, HEAD and conditional requests as
// http.ServeContent answers them. The encoded twins themselves are not
// addressable: the URL space is the one Vite wrote.
type static struct {
	dist  fs.FS
	files map[string]*asset
}

// newStatic indexes dist once: the ETags hash every plain file (a few MB,
// milliseconds at start), so no request reads a file it does not send.
func newStatic(dist fs.FS) (*static, error) {
	s := &static{dist: dist, files: map[string]*asset{}}
	err := fs.WalkDir(dist, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || isTwin(name) || path.Base(name) == ".gitkeep" {
			return err
		}
		b, err := fs.ReadFile(dist, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a := &asset{
			name:  name,
			ctype: mime.TypeByExtension(path.Ext(name)),
			cache: cacheRevalidate,
			etag:  hex.EncodeToString(sum[:12]),
		}
		if a.ctype == "" {
			a.ctype = http.DetectContentType(b)
		}
		if hashedName.MatchString(name) {
			a.cache = cacheImmutable
		}
		for _, c := range codings {
			if st, err := fs.Stat(dist, name+c.ext); err == nil && !st.IsDir() {
				a.twins = append(a.twins, twin{coding: c.coding, name: name + c.ext, etag: `"` + a.etag + "-" + c.coding + `"`})
			}
		}
		a.etag = `"` + a.etag + `"`
		s.files[name] = a
		return nil
	})
	return s, err
}

func isTwin(name string) bool {
	for _, c := range codings {
		if strings.HasSuffix(name, c.ext) {
			return true
		}
	}
	return false
}

// lookup finds the asset of a cleaned URL path ("/" is the page).
func (s *static) lookup(p string) *asset {
	name := strings.TrimPrefix(p, "/")
	if name == "" {
		name = "index.html"
	}
	return s.files[name]
}

// serve answers with a: a twin when the request accepts its coding, else the
// plain file.
func (s *static) serve(w http.ResponseWriter, r *http.Request, a *asset) {
	name, etag, coding := a.name, a.etag, ""
	for _, t := range a.twins {
		if accepts(r.Header.Values("Accept-Encoding"), t.coding) {
			name, etag, coding = t.name, t.etag, t.coding
			break
		}
	}
	f, err := s.dist.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	content, ok := f.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(f)
		if err != nil {
			http.Error(w, "read failed", http.StatusInternalServerError)
			return
		}
		content = bytes.NewReader(b)
	}
	send(w, r, rep{ctype: a.ctype, cache: a.cache, etag: etag, coding: coding, vary: len(a.twins) > 0}, content, st.Size())
}

// rep is what the headers say of one representation of a file.
type rep struct {
	ctype, cache, etag string
	coding             string // "" for the plain bytes
	vary               bool   // other codings exist: shared caches must keep them apart
}

// send answers with one representation; Range, HEAD and conditional requests
// are http.ServeContent's.
func send(w http.ResponseWriter, r *http.Request, p rep, content io.ReadSeeker, size int64) {
	h := w.Header()
	if p.vary {
		h.Add("Vary", "Accept-Encoding")
	}
	if p.coding != "" {
		h.Set("Content-Encoding", p.coding)
	}
	h.Set("Content-Type", p.ctype) // never sniffed: a twin's bytes are compressed
	h.Set("Cache-Control", p.cache)
	h.Set("ETag", p.etag)
	// ServeContent leaves Content-Length out when Content-Encoding is set (for
	// handlers that compress on the fly); these bytes are final. It sets its
	// own for a range, and drops it for a 304 or an error.
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	http.ServeContent(w, r, "", time.Time{}, content)
}

// accepts reports whether Accept-Encoding values allow coding: named with a
// q above 0, or covered by "*" with a q above 0 and not named. No header
// accepts nothing but identity here: a client that says nothing may not
// decode anything (RFC 9110, 12.5.3, allows either; this is the safe one).
func accepts(values []string, coding string) bool {
	star := false
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "x-gzip" {
				name = "gzip" // RFC 9110, 8.4.1.3
			}
			if name != coding && name != "*" {
				continue
			}
			ok := qualityAbove0(params)
			if name == coding {
				return ok
			}
			star = ok
		}
	}
	return star
}

// qualityAbove0 reads the q parameter of one Accept-Encoding entry; no q is
// 1, and an unreadable one refuses (the entry is then ignored).
func qualityAbove0(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err == nil && q > 0
	}
	return true
}
