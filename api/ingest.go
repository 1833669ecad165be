package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/citygrid/citygrid/auth"
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
		events, index, rejected, err := a.cfg.Decoder.Decode(kind, body, f)
		if err != nil {
			if rejected != nil {
				ans.Rejected = rejected
			}
			a.refuse(c, &ans, err)
			return
		}
		who, _ := identityOf(c.Request)
		if a.guard.open() {
			who.Name = "" // everyone is the same anonymous admin: nothing to keep
		}
		events, rejected = bindToPoster(events, index, rejected, who)
		if rejected != nil {
			ans.Rejected = rejected
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
			if len(ans.Rejected) == 0 {
				ans.Error = "body: no items"
			}
			c.JSON(http.StatusBadRequest, ans)
			return
		}
		c.JSON(http.StatusAccepted, ans)
	}
}

// bindToPoster records who posted each event, and holds a key made for one
// source to it: an incident without a source gets the key's, one naming
// another source is refused (a feed must not speak in another's name, nor
// use up its ids). Keys without a source (admin keys, the simulator's) and
// people post for any source. A vehicle terminal's key bound to units
// reports positions of those only: one vehicle cannot take another out of
// service.
func bindToPoster(events []geo.Event, index []int, rejected []feed.Rejection, who auth.Identity) ([]geo.Event, []feed.Rejection) {
	kept := events[:0]
	refused := false
	for i := range events {
		e := &events[i]
		switch e.Kind {
		case geo.KindIncident:
			in := &e.Incident
			if who.Source != "" && in.Source == "" {
				in.Source = who.Source
			}
			if who.Source != "" && in.Source != who.Source {
				rejected = append(rejected, feed.Rejection{Index: index[i], ID: in.ID,
					Error: fmt.Sprintf("source: this key posts for source %s only, not %q", who.Source, in.Source)})
				refused = true
				continue
			}
			in.By = who.Name
		case geo.KindPosition:
			p := &e.Position
			if !who.ReportsFor(p.Unit) {
				rejected = append(rejected, feed.Rejection{Index: index[i], ID: p.Unit,
					Error: fmt.Sprintf("unit: this key reports for %s only, not %q", who.Units, p.Unit)})
				refused = true
				continue
			}
			p.By = who.Name
		}
		kept = append(kept, *e)
	}
	if refused {
		slices.SortFunc(rejected, func(x, y feed.Rejection) int { return x.Index - y.Index })
	}
	return kept, rejected
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
