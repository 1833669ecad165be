package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/citygrid/citygrid/feed"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/stream"
	"github.com/gin-gonic/gin"
)

// IngestAnswer is the body of every ingest response (docs/API.md, "Ingest").
type IngestAnswer struct {
	Accepted   int              `json:"accepted"`
	Duplicates int              `json:"duplicates"`
	Rejected   []feed.Rejection `json:"rejected"`
	Error      string           `json:"error,omitempty"` // why the body failed as a whole
}

// writeTimeout bounds how long an ingest request waits for Redis.
const writeTimeout = 15 * time.Second

// unacknowledged is what a feed is told when Redis is down.
const unacknowledged = "redis: unavailable; nothing was acknowledged, retry the whole batch (duplicates are counted once)"

// postEvents answers POST /api/v1/incidents and /api/v1/positions: decode,
// validate and place the batch, append it, answer. An event is acknowledged
// only once Redis has it; when Redis fails, nothing is.
func (a *API) postEvents(kind geo.EventKind) gin.HandlerFunc {
	metric := map[geo.EventKind]string{geo.KindIncident: "incidents", geo.KindPosition: "positions"}[kind]
	return func(c *gin.Context) {
		ans := IngestAnswer{Rejected: []feed.Rejection{}}
		f, err := feed.FormatOf(c.GetHeader("Content-Type"))
		if err != nil {
			a.refuse(c, &ans, err)
			return
		}
		body := http.MaxBytesReader(c.Writer, c.Request.Body, a.cfg.MaxBody)
		events, _, rejected, err := a.cfg.Decoder.Decode(kind, body, f)
		if rejected != nil {
			ans.Rejected = rejected
		}
		if err != nil {
			a.refuse(c, &ans, err)
			return
		}
		var results []stream.Result
		if len(events) > 0 {
			ctx, cancel := context.WithTimeout(c.Request.Context(), writeTimeout)
			defer cancel()
			if results, err = a.cfg.Writer.Add(ctx, events); err != nil {
				a.cfg.Logf("ingest %s: %v", metric, err)
				ans.Rejected = []feed.Rejection{}
				a.refuse(c, &ans, err)
				return
			}
		}
		for _, r := range results {
			if r.Duplicate {
				ans.Duplicates++
			} else {
				ans.Accepted++
			}
		}
		a.metrics.ingested(metric, ans.Accepted, ans.Duplicates, len(ans.Rejected))
		if len(results) == 0 {
			c.JSON(http.StatusBadRequest, ans)
			return
		}
		c.JSON(http.StatusAccepted, ans)
	}
}

// refuse answers a batch that failed as a whole with the status its error
// maps to, in the ingest answer's shape.
func (a *API) refuse(c *gin.Context, ans *IngestAnswer, err error) {
	status, body := statusOf(err)
	ans.Error = body.Error
	switch {
	case errors.Is(err, stream.ErrUnavailable):
		ans.Error = unacknowledged
		c.Header("Retry-After", "1")
	case status == http.StatusInternalServerError:
		// A body that failed to read for another reason than its size.
		status, ans.Error = http.StatusBadRequest, err.Error()
	}
	c.JSON(status, ans)
}
