package tiles

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// Config configures a Handler. The zero value of each field means its default.
type Config struct {
	// Regions returns the hierarchy to draw; it is called once a request and
	// must be cheap (geo.RegionStore.Load). Required.
	Regions func() *geo.Regions
	// Bound limits the h3 layer. Zero means the bound of the regions' city.
	Bound orb.Bound
	// CacheSize is how many encoded tiles are kept. Zero means 4096 (about
	// 40 MB at the largest tiles, far less typically).
	CacheSize int
	// MaxAge is the Cache-Control max-age in seconds. Zero means 60: regions
	// can be replaced, so clients revalidate with the ETag.
	MaxAge int
}

// A Handler serves GET {prefix}/{layer}/{z}/{x}/{y}.pbf. It is safe for
// concurrent use.
type Handler struct {
	cfg   Config
	cache *lru
}

// New returns a Handler.
func New(cfg Config) *Handler {
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = 4096
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = 60
	}
	return &Handler{cfg: cfg, cache: newLRU(cfg.CacheSize)}
}

// ContentType is the media type of a vector tile.
const ContentType = "application/vnd.mapbox-vector-tile"

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "tiles: use GET")
		return
	}
	k, err := ParseKey(r.URL.Path)
	switch {
	case errors.Is(err, ErrNoLayer):
		writeError(w, http.StatusNotFound, err.Error())
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	e, err := h.Get(k)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	hd := w.Header()
	hd.Set("ETag", e.etag)
	hd.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", h.cfg.MaxAge))
	hd.Set("Vary", "Accept-Encoding")
	if match(r.Header.Get("If-None-Match"), e.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", ContentType)
	hd.Set("Content-Encoding", "gzip")
	hd.Set("Content-Length", fmt.Sprint(len(e.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(e.body)
	}
}

// Tile returns the gzipped tile k and its ETag, from the cache when it holds
// it.
func (h *Handler) Tile(k Key) (body []byte, etag string, err error) {
	e, err := h.Get(k)
	if err != nil {
		return nil, "", err
	}
	return e.body, e.etag, nil
}

// Get is Tile returning the cache entry.
func (h *Handler) Get(k Key) (*entry, error) {
	regions := h.cfg.Regions()
	ck := cacheKey{Key: k}
	if k.Layer == LayerRegions {
		ck.version = regions.Version()
	}
	if e, ok := h.cache.get(ck); ok {
		return e, nil
	}
	city := h.cfg.Bound
	if city.IsZero() {
		if l := regions.Layer(geo.LevelCity); l != nil && l.Len() > 0 {
			city = l.Divisions[0].Bound
		}
	}
	body, err := render(k, regions, city)
	if err != nil {
		return nil, fmt.Errorf("tiles: %s: %w", k, err)
	}
	sum := fnv.New64a()
	sum.Write(body)
	e := &entry{key: ck, body: body, etag: fmt.Sprintf(`"%x"`, sum.Sum64())}
	h.cache.add(e)
	return e, nil
}

// match reports whether an If-None-Match header names etag.
func match(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
