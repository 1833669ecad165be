package api

import (
	"net/http"
	"sort"

	"github.com/citygrid/citygrid/geo"
	"github.com/gin-gonic/gin"
)

// incidentScan bounds how many stream entries one incidents query reads.
const incidentScan = 20_000

// getIncidents answers GET /api/v1/incidents?cell=…&window=1h&limit=50: the
// incidents of one cell (at a heat resolution) in a window, newest first, read
// from its shard's stream. It is how a duty officer sees what makes a cell hot
// before dispatching to one of its incidents.
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
	limit, err := limitParam(c, 50, 500)
	if err != nil {
		a.fail(c, err)
		return
	}
	now := a.cfg.Now()
	from := now.Add(-w.Span)
	// An incident is stored after it happens, so whatever happened in the
	// window was stored in it too: the stream is read back to its start only.
	keep := func(in *geo.Incident) bool { return in.CellAt(cell.Res()) == cell && !in.Time.Before(from) }
	ctx, cancel := within(c)
	defer cancel()
	ins, truncated, err := a.cfg.Reader.RecentIncidents(ctx, cell, from, keep, limit, incidentScan)
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
