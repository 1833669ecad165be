package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/citygrid/citygrid/feed"
	"github.com/citygrid/citygrid/stream"
	"github.com/gin-gonic/gin"
)

// ingestAnswer is the body of every ingest response (docs/API.md).
type ingestAnswer struct {
	Accepted   int              `json:"accepted"`
	Duplicates int              `json:"duplicates"`
	Rejected   []feed.Rejection `json:"rejected"`
	Error      string           `json:"error,omitempty"` // why the body failed as a whole
}

// writeTimeout bounds how long an ingest request waits for Redis.
const writeTimeout = 15 * time.Second

func (a *app) postIncidents(c *gin.Context) {
	a.ingest(c, "incidents", func(ctx context.Context, f feed.Format) ([]stream.Result, []feed.Rejection, error) {
		ok, _, rejected, err := a.decoder.Incidents(c.Request.Body, f)
		if err != nil || len(ok) == 0 {
			return nil, rejected, err
		}
		regions := a.regions.Load()
		for i := range ok {
			ok[i].Regions = regions.AssignAt(ok[i].Point(), ok[i].Cell)
		}
		rs, err := a.writer.AddIncidents(ctx, ok)
		return rs, rejected, err
	})
}

func (a *app) postPositions(c *gin.Context) {
	a.ingest(c, "positions", func(ctx context.Context, f feed.Format) ([]stream.Result, []feed.Rejection, error) {
		ok, _, rejected, err := a.decoder.Positions(c.Request.Body, f)
		if err != nil || len(ok) == 0 {
			return nil, rejected, err
		}
		regions := a.regions.Load()
		for i := range ok {
			ok[i].Regions = regions.AssignAt(ok[i].Point(), ok[i].Cell)
		}
		rs, err := a.writer.AddPositions(ctx, ok)
		return rs, rejected, err
	})
}

// ingest runs one feed request: decode, validate, append, answer. An event is
// acknowledged only once Redis has it; when Redis fails, nothing is.
func (a *app) ingest(c *gin.Context, kind string, store func(context.Context, feed.Format) ([]stream.Result, []feed.Rejection, error)) {
	f, err := feed.FormatOf(c.GetHeader("Content-Type"))
	if err != nil {
		c.JSON(http.StatusUnsupportedMediaType, ingestAnswer{Rejected: []feed.Rejection{}, Error: err.Error()})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, a.cfg.MaxBody)
	ctx, cancel := context.WithTimeout(c.Request.Context(), writeTimeout)
	defer cancel()
	results, rejected, err := store(ctx, f)
	ans := ingestAnswer{Rejected: rejected}
	if ans.Rejected == nil {
		ans.Rejected = []feed.Rejection{}
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		ans.Error = fmt.Sprintf("body: larger than the %d-byte limit", tooBig.Limit)
		c.JSON(http.StatusRequestEntityTooLarge, ans)
		return
	case errors.Is(err, feed.ErrTooMany):
		ans.Error = err.Error()
		c.JSON(http.StatusRequestEntityTooLarge, ans)
		return
	case errors.Is(err, stream.ErrUnavailable):
		log.Printf("ingest %s: %v", kind, err)
		ans.Rejected = []feed.Rejection{}
		ans.Error = "redis: unavailable; nothing was acknowledged, retry the whole batch (duplicates are counted once)"
		c.Header("Retry-After", "1")
		c.JSON(http.StatusServiceUnavailable, ans)
		return
	case err != nil:
		ans.Error = err.Error()
		c.JSON(http.StatusBadRequest, ans)
		return
	}
	for _, r := range results {
		if r.Duplicate {
			ans.Duplicates++
		} else {
			ans.Accepted++
		}
	}
	a.metrics.ingested(kind, ans.Accepted, ans.Duplicates, len(ans.Rejected))
	if len(results) == 0 {
		c.JSON(http.StatusBadRequest, ans)
		return
	}
	c.JSON(http.StatusAccepted, ans)
}
