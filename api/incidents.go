package api

import (
	"net/http"
	"sort"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/recent"
	"github.com/citygrid/citygrid/stream"
	"github.com/gin-gonic/gin"
)

// getIncidents answers GET /api/v1/incidents?cell=…&window=1h&limit=50: the
// incidents of one cell (at a heat resolution) in a window, newest first. It
// is how a duty officer sees what makes a cell hot before dispatching to one
// of its incidents. The live index (package recent) names the cell's newest
// incidents, and only those are read from the streams: a query costs Redis its
// answer's size, however busy the cell's shard.
func (a *API) getIncidents(c *gin.Context) {
	cell, err := cellParam(c, geo.HeatResolutions...)
	if err != nil {
		a.fail(c, err)
		return
	}
	w, err := windowParam(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	limit, err := limitParam(c, 50, recent.DefaultPerCell)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx, cancel := within(c)
	defer cancel()
	var (
		refs      []recent.Ref
		truncated bool
		now       = a.cfg.Now()
	)
	err = a.cfg.Loop.Do(ctx, func(*live.Env) {
		refs, truncated = a.cfg.Recent.Newest(cell, now.Add(-w.Span), limit)
	})
	if err != nil {
		a.fail(c, err)
		return
	}
	entries := make([]stream.Entry, len(refs))
	for i, r := range refs {
		entries[i] = stream.Entry{Fine: r.Fine, ID: r.ID()}
	}
	ins, err := a.cfg.Reader.Incidents(ctx, entries)
	if err != nil {
		a.fail(c, err)
		return
	}
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].Time.After(ins[j].Time) })
	type row struct {
		geo.Incident
		Cell string `json:"cell"`
	}
	rows := make([]row, len(ins))
	for i := range ins {
		rows[i] = row{ins[i], ins[i].Cell.String()}
	}
	c.JSON(http.StatusOK, gin.H{"cell": cell.String(), "window": w.Name, "asOf": now, "incidents": rows, "truncated": truncated})
}
