package sim

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
)

func TestNewValidates(t *testing.T) {
	p := suzhou(t)
	for name, cfg := range map[string]Config{
		"no url":        {Profile: p},
		"bad url":       {URL: "127.0.0.1:8080", Profile: p},
		"no profile":    {URL: "http://x"},
		"empty profile": {URL: "http://x", Profile: &geo.Profile{}},
		"negative rate": {URL: "http://x", Profile: p, Rate: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestRunPostsAtRate(t *testing.T) {
	t.Parallel()
	rec, srv := newRecorder(t)
	s := newSim(t, srv.URL+"/", func(c *Config) {
		c.Rate = 400
		c.Units = 20
		c.PositionEvery = 200 * time.Millisecond
		c.APIKey = "secret"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if err := s.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}

	incs, poss := rec.snapshot()
	// 600 expected; the bound is loose because CI machines stall.
	if len(incs) < 100 || len(incs) > 1000 {
		t.Errorf("%d incidents in 1.5 s at 400/s", len(incs))
	}
	if len(poss) < 20 {
		t.Errorf("%d positions from 20 units reporting every 200 ms", len(poss))
	}
	ids := map[string]bool{}
	for _, in := range incs {
		if ids[in.ID] {
			t.Fatalf("id %s posted twice", in.ID)
		}
		ids[in.ID] = true
	}
	rec.mu.Lock()
	for _, a := range rec.authz {
		if a != "Bearer secret" {
			t.Errorf("Authorization %q", a)
			break
		}
	}
	rec.mu.Unlock()
	st := s.Stats()
	if st.Accepted > st.Sent || st.Accepted < int64(len(incs)+len(poss)) {
		t.Errorf("stats %+v, server took %d", st, len(incs)+len(poss))
	}
}

func TestRetriesSameBatchUntilAccepted(t *testing.T) {
	rec, srv := newRecorder(t)
	rec.fail = func(_ string, attempt int) int {
		if attempt <= 3 {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	s := newSim(t, srv.URL, nil)
	b, err := encode(incidentsPath, s.NextIncidents(10))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.deliver(ctx, b)

	rec.mu.Lock()
	batches := rec.batches
	rec.mu.Unlock()
	if len(batches) != 4 {
		t.Fatalf("%d attempts, want 3 refused and 1 accepted", len(batches))
	}
	for i, ids := range batches[1:] {
		if !reflect.DeepEqual(ids, batches[0]) {
			t.Errorf("attempt %d sent ids %v, want the first batch's %v", i+2, ids, batches[0])
		}
	}
	want := Stats{Sent: 10, Accepted: 10, Retries: 3, Errors: 3}
	if st := s.Stats(); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
}

func TestKeepsTryingWhileServerIsDown(t *testing.T) {
	t.Parallel()
	_, srv := newRecorder(t)
	url := srv.URL
	srv.Close() // nothing listens there any more
	s := newSim(t, url, nil)
	b, err := encode(incidentsPath, s.NextIncidents(3))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	s.deliver(ctx, b) // returns only because ctx ends
	if st := s.Stats(); st.Retries < 2 || st.Errors < 3 || st.Accepted != 0 {
		t.Errorf("stats %+v, want repeated failed attempts", st)
	}
}
