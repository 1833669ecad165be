package api

import (
	"context"
	"io/fs"
	"net/http"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
)

// heldFS holds every Open until released, then has no files: a region
// generation that takes as long as the test wants.
type heldFS struct{ release chan struct{} }

func (h heldFS) Open(string) (fs.File, error) {
	<-h.release
	return nil, fs.ErrNotExist
}

// /readyz says ready only once the rebuild is folded and the regions, made
// side by side with it, are in; until then it says which it waits for.
func TestReadyNeedsTheRebuildAndTheRegions(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	loop := live.NewLoop(live.Config{Now: func() time.Time { return now }}, heat.NewState(now))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = loop.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	held := heldFS{make(chan struct{})}
	store, generated := geo.GenerateRegionStore(held, &geo.Profile{Name: "held"})
	h := New(Config{Loop: loop, Regions: store, Now: func() time.Time { return now }})

	ready := func(wantCode int, wantReason string) {
		t.Helper()
		code, body := do(t, h, "GET", "/readyz", "")
		if code != wantCode || (wantReason != "" && body["reason"] != wantReason) {
			t.Fatalf("/readyz: %d %v, want %d %q", code, body, wantCode, wantReason)
		}
	}
	ready(http.StatusServiceUnavailable, "rebuilding live state from the streams")
	loop.SetReady()
	<-loop.WhenReady()
	ready(http.StatusServiceUnavailable, "generating the regions")
	close(held.release)
	<-generated // the outcome, error or not: an empty profile makes no regions either way
	ready(http.StatusOK, "")
}
