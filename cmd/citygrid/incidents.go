package main

import (
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/stream"
	"github.com/gin-gonic/gin"
)

// incidentScan bounds how many stream entries one incidents query reads.
const incidentScan = 20_000

// getIncidents answers GET /api/v1/incidents?cell=…&window=1h&limit=50: the
// incidents of one cell (at a heat resolution) in a window, newest first, read
// from its shard's stream. It is how a duty officer sees what makes a cell hot
// before dispatching to one of its incidents.
func (a *app) getIncidents(c *gin.Context) {
	cell, err := geo.ParseCell(c.Query("cell"))
	if err != nil || !cell.Valid() || !slices.Contains(geo.HeatResolutions, cell.Res()) {
		c.JSON(http.StatusBadRequest, gin.H{"error": "cell: an H3 cell at resolution 7, 8 or 9"})
		return
	}
	w, err := live.WindowByName(c.DefaultQuery("window", "1h"))
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "window: must be 15m, 1h or 24h"})
		return
	}
	limit := 50
	if s := c.Query("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 500 {
			c.JSON(http.StatusBadRequest, gin.H{"error": "limit: 1 to 500"})
			return
		}
	}
	now := a.now()
	from := now.Add(-w.Span)
	// An incident is stored after it happens, so whatever happened in the
	// window was stored in it too: the stream is read back to its start only.
	layout := stream.Layout{Prefix: a.cfg.Prefix, ShardRes: a.cfg.ShardRes, Retention: a.cfg.Retention}
	keep := func(in *geo.Incident) bool { return in.Cell.Parent(cell.Res()) == cell && !in.Time.Before(from) }
	ins, truncated, err := stream.RecentIncidents(c.Request.Context(), a.rdb, layout, layout.Shard(cell), from, keep, limit, incidentScan)
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "redis unavailable; retry"})
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
