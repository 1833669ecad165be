package sim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
)

var (
	profileOnce sync.Once
	profile     *geo.Profile
	profileErr  error
)

// suzhou loads the shipped profile once for the whole package's tests.
func suzhou(t *testing.T) *geo.Profile {
	t.Helper()
	profileOnce.Do(func() { profile, profileErr = geo.LoadProfile(profiles.FS, profiles.Default) })
	if profileErr != nil {
		t.Fatal(profileErr)
	}
	return profile
}

// nineAM is a fixed clock at the morning peak in Suzhou, where the rhythm is 1.
func nineAM() time.Time { return time.Date(2025, 3, 14, 9, 0, 0, 0, shanghai) }

// newSim builds a simulator on a fixed clock with a quiet log; change tweaks cfg.
func newSim(t *testing.T, url string, change func(*Config)) *Simulator {
	t.Helper()
	cfg := Config{
		URL:     url,
		Profile: suzhou(t),
		Seed:    42,
		Now:     nineAM,
		Logf:    t.Logf,
	}
	if change != nil {
		change(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.backoffMin, s.backoffMax = 5*time.Millisecond, 20*time.Millisecond
	return s
}

// A recorder is a stand-in citygrid server: it decodes NDJSON posts, keeps
// what it got and answers like the real one. fail, if set, may answer instead.
type recorder struct {
	t    *testing.T
	fail func(path string, attempt int) int // status to answer, 0 to accept

	mu        sync.Mutex
	attempts  map[string]int
	batches   [][]string // incident ids of every incident POST, accepted or not
	incidents []Incident
	positions []Position
	authz     []string
}

func newRecorder(t *testing.T) (*recorder, *httptest.Server) {
	r := &recorder{t: t, attempts: map[string]int{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-ndjson" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var incs []Incident
	var poss []Position
	var err error
	switch r.URL.Path {
	case incidentsPath:
		incs, err = decodeAll[Incident](r.Body)
	case positionsPath:
		poss, err = decodeAll[Position](r.Body)
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		rec.t.Errorf("server: decoding %s: %v", r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	rec.mu.Lock()
	rec.attempts[r.URL.Path]++
	attempt := rec.attempts[r.URL.Path]
	rec.authz = append(rec.authz, r.Header.Get("Authorization"))
	if incs != nil {
		ids := make([]string, len(incs))
		for i, in := range incs {
			ids[i] = in.ID
		}
		rec.batches = append(rec.batches, ids)
	}
	status := 0
	if rec.fail != nil {
		status = rec.fail(r.URL.Path, attempt)
	}
	if status == 0 {
		rec.incidents = append(rec.incidents, incs...)
		rec.positions = append(rec.positions, poss...)
	}
	rec.mu.Unlock()

	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]any{"accepted": len(incs) + len(poss), "duplicates": 0, "rejected": []any{}})
}

func decodeAll[T any](body io.Reader) ([]T, error) {
	var out []T
	dec := json.NewDecoder(body)
	for {
		var v T
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// snapshot returns copies of what the server has taken.
func (rec *recorder) snapshot() ([]Incident, []Position) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Incident(nil), rec.incidents...), append([]Position(nil), rec.positions...)
}

// isOneOf reports whether v is among the comma-separated options.
func isOneOf(v, options string) bool {
	for _, o := range strings.Split(options, ",") {
		if v == o {
			return true
		}
	}
	return false
}
