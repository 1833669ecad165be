package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/feed"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/stream"
	"github.com/gin-gonic/gin"
)

// The one table from the domain's errors to statuses: each kind of refusal
// gets its status and a body that says why, wrapped or not; anything else is
// a 500 that says nothing of the inside, and is logged.
func TestErrorsMapToStatuses(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	feature := 3
	cases := []struct {
		err    error
		status int
		body   string
	}{
		{&geo.FieldError{Field: "window", Reason: "must be 15m, 1h or 24h"}, 400, `{"error":"window: must be 15m, 1h or 24h"}`},
		{fmt.Errorf("parsing: %w", &geo.FieldError{Field: "res", Reason: "must be one of [7 8 9]"}), 400, `{"error":"res: must be one of [7 8 9]"}`},
		{geo.ErrNotFound, 404, `{"error":"not found"}`},
		{geo.NotFound("street %q: no such region", "X"), 404, `{"error":"street \"X\": no such region"}`},
		{&ops.ConflictError{Msg: "unit: car-1 is already on dispatch d-1", Dispatch: "d-1"}, 409, `{"error":"unit: car-1 is already on dispatch d-1","dispatch":"d-1"}`},
		{&geo.LayerError{Feature: feature, Field: "geometry", Reason: "not closed"}, 400, `{"error":"geo: layer: feature 3: geometry: not closed","feature":3,"field":"geometry"}`},
		{&http.MaxBytesError{Limit: 1024}, 413, `{"error":"body: larger than the 1024-byte limit"}`},
		{badBody(&http.MaxBytesError{Limit: 16}), 413, `{"error":"body: larger than the 16-byte limit"}`},
		{feed.ErrTooMany, 413, `{"error":"feed: too many items"}`},
		{feed.ErrContentType, 415, `{"error":"feed: unsupported content type"}`},
		{badBody(errors.New("unexpected EOF")), 400, `{"error":"body: unexpected EOF"}`},
		{fmt.Errorf("%w: dial tcp: refused", stream.ErrUnavailable), 503, `{"error":"redis unavailable: nothing was changed; retry"}`},
		{errors.Join(live.ErrBusy, context.DeadlineExceeded), 503, `{"error":"live state: busy; retry"}`},
		{errBriefingTooLong, 503, `{"error":"briefing: not computed within 30s (the window holds too many events, or Redis is slow); ask for a shorter window"}`},
		{errors.New("a secret from deep inside"), 500, `{"error":"internal error"}`},
	}
	for _, tc := range cases {
		var logged []string
		a := &API{cfg: Config{Logf: func(f string, args ...any) { logged = append(logged, fmt.Sprintf(f, args...)) }}}
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest("GET", "/x", nil)
		a.fail(c, tc.err)
		if w.Code != tc.status || strings.TrimSpace(w.Body.String()) != tc.body {
			t.Errorf("%v: %d %s, want %d %s", tc.err, w.Code, w.Body, tc.status, tc.body)
		}
		if retry := w.Header().Get("Retry-After"); (tc.status == 503) != (retry == "1") {
			t.Errorf("%v: Retry-After %q", tc.err, retry)
		}
		if (tc.status == 500) != (len(logged) == 1) || tc.status == 500 && !strings.Contains(logged[0], "a secret from deep inside") {
			t.Errorf("%v: logged %q", tc.err, logged)
		}
	}
}
