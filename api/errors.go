package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/citygrid/citygrid/briefing"
	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/feed"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/stream"
	"github.com/gin-gonic/gin"
)

// An errorBody is the body of every refusal: {"error":"…"}, with what more a
// client can act on (the dispatch holding a unit, the feature and field of a
// bad upload).
type errorBody struct {
	Error    string `json:"error"`
	Dispatch string `json:"dispatch,omitempty"`
	Feature  *int   `json:"feature,omitempty"`
	Field    string `json:"field,omitempty"`
	// State is a case's state, when it forbids the action asked for.
	State string `json:"state,omitempty"`
}

// statusOf is the one table from the domain's errors to HTTP statuses and
// bodies. An error it does not know is a 500 with a generic message; the
// caller logs it, since it is a bug or a failure nobody named.
func statusOf(err error) (int, errorBody) {
	var (
		field    *geo.FieldError
		conflict *ops.ConflictError
		caseConf *cases.ConflictError
		outside  *cases.ForbiddenError
		layer    *geo.LayerError
		tooBig   *http.MaxBytesError
	)
	switch {
	case errors.As(err, &field):
		return http.StatusBadRequest, errorBody{Error: field.Error()}
	case errors.Is(err, geo.ErrNotFound):
		return http.StatusNotFound, errorBody{Error: err.Error()}
	case errors.As(err, &conflict):
		return http.StatusConflict, errorBody{Error: conflict.Msg, Dispatch: conflict.Dispatch}
	case errors.As(err, &caseConf):
		return http.StatusConflict, errorBody{Error: caseConf.Msg, State: string(caseConf.State)}
	case errors.As(err, &outside):
		return http.StatusForbidden, errorBody{Error: outside.Msg}
	case errors.As(err, &layer):
		b := errorBody{Error: err.Error(), Field: layer.Field}
		if layer.Feature >= 0 {
			b.Feature = &layer.Feature
		}
		return http.StatusBadRequest, b
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, errorBody{Error: fmt.Sprintf("body: larger than the %d-byte limit", tooBig.Limit)}
	case errors.Is(err, geo.ErrLayerTooLarge), errors.Is(err, feed.ErrTooMany):
		return http.StatusRequestEntityTooLarge, errorBody{Error: err.Error()}
	case errors.Is(err, feed.ErrContentType):
		return http.StatusUnsupportedMediaType, errorBody{Error: err.Error()}
	case errors.Is(err, feed.ErrMalformed), errors.Is(err, errBadBody):
		return http.StatusBadRequest, errorBody{Error: err.Error()}
	case errors.Is(err, stream.ErrUnavailable):
		return http.StatusServiceUnavailable, errorBody{Error: "redis unavailable: nothing was changed; retry"}
	case errors.Is(err, briefing.ErrBusy), errors.Is(err, errBriefingTooLong):
		return http.StatusServiceUnavailable, errorBody{Error: err.Error()}
	case errors.Is(err, live.ErrBusy), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, errorBody{Error: "live state: busy; retry"}
	}
	return http.StatusInternalServerError, errorBody{Error: "internal error"}
}

// errBadBody marks a request body that is not what the route reads.
var errBadBody = errors.New("body")

// badBody is a request body that could not be read as the route's JSON.
func badBody(err error) error { return fmt.Errorf("%w: %w", errBadBody, err) }

// fail answers a request with the status and body its error maps to.
func (a *API) fail(c *gin.Context, err error) { answer(c, err, a.cfg.Logf) }

func (g *guard) fail(c *gin.Context, err error) { answer(c, err, g.logf) }

func answer(c *gin.Context, err error, logf func(string, ...any)) {
	status, body := statusOf(err)
	switch status {
	case http.StatusServiceUnavailable:
		c.Header("Retry-After", "1")
	case http.StatusInternalServerError:
		logf("api: %s %s: %v", c.Request.Method, c.FullPath(), err)
	}
	c.JSON(status, body)
}
