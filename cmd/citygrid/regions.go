package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/gin-gonic/gin"
)

// regionAPI serves the regions endpoints (docs/API.md, "Regions"): the
// figures per region at a level, and the upload that replaces a level.
type regionAPI struct {
	store *geo.RegionStore
	fold  *live.Aggregator
	// maxBody is the largest upload in bytes. Zero means geo.MaxLayerBytes.
	maxBody int64
}

// regionRow is one region in GET /api/v1/regions/{level}: what it is, and its
// figures over the window.
type regionRow struct {
	Code        string         `json:"code"`
	Name        string         `json:"name"`
	Parent      string         `json:"parent,omitempty"`
	Generated   bool           `json:"generated"`
	Incidents   int            `json:"incidents"`
	ByCategory  map[string]int `json:"byCategory"`
	BySeverity  [4]int         `json:"bySeverity"`
	UnitsOnDuty int            `json:"unitsOnDuty"`
}

type regionsAnswer struct {
	Level   string      `json:"level"`
	Window  string      `json:"window"`
	AsOf    time.Time   `json:"asOf"`
	Version uint64      `json:"version"`
	Regions []regionRow `json:"regions"`
}

// get answers GET /api/v1/regions/{level}?window=1h[&parent=code][&code=code]
// with every region of the level (or the children of parent, or one region),
// figures included, sorted by code.
func (r *regionAPI) get(c *gin.Context) {
	level, err := geo.ParseLevel(c.Param("level"))
	if err != nil || level == geo.LevelCity {
		c.JSON(http.StatusBadRequest, gin.H{"error": "level: must be district, street, community or grid"})
		return
	}
	window := c.DefaultQuery("window", "1h")
	if _, err := live.WindowByName(window); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "window: must be 15m, 1h or 24h"})
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), readTimeout)
	defer cancel()
	ans, status, err := r.answer(ctx, level, window, c.Query("parent"), c.Query("code"))
	if err != nil {
		c.JSON(status, gin.H{"error": err.Error()})
		return
	}
	c.JSON(http.StatusOK, ans)
}

// answer builds the regions of level (the children of parent, or the one
// region code, when given) with their figures over window; on error, status is
// the HTTP status that says why.
func (r *regionAPI) answer(ctx context.Context, level geo.Level, window, parent, code string) (regionsAnswer, int, error) {
	regions := r.store.Load()
	layer := regions.Layer(level)
	if layer == nil {
		return regionsAnswer{}, http.StatusNotFound, fmt.Errorf("level %s: no regions loaded", level)
	}
	if code != "" && layer.Division(code) == nil {
		return regionsAnswer{}, http.StatusNotFound, fmt.Errorf("%s %q: no such region", level, code)
	}
	var figs []live.RegionFigure
	var asOf time.Time
	if err := r.fold.Do(ctx, func(s *live.State) { figs, _ = s.RegionFigures(level, window); asOf = s.Now() }); err != nil {
		return regionsAnswer{}, http.StatusServiceUnavailable, fmt.Errorf("live state: %w", err)
	}
	byCode := make(map[string]*live.RegionFigure, len(figs))
	for i := range figs {
		byCode[figs[i].Code] = &figs[i]
	}
	ans := regionsAnswer{Level: level.String(), Window: window, AsOf: asOf, Version: regions.Version(), Regions: []regionRow{}}
	for i := range layer.Divisions {
		d := &layer.Divisions[i]
		if (parent != "" && d.Parent != parent) || (code != "" && d.Code != code) {
			continue
		}
		row := regionRow{Code: d.Code, Name: d.Name, Parent: d.Parent, Generated: d.Generated, ByCategory: map[string]int{}}
		if f := byCode[d.Code]; f != nil {
			row.Incidents, row.ByCategory, row.BySeverity, row.UnitsOnDuty = f.Incidents, f.ByCategory, f.BySeverity, f.UnitsOnDuty
		}
		ans.Regions = append(ans.Regions, row)
	}
	return ans, http.StatusOK, nil
}

// hubRows is hub.Config.Regions: the rows of GET /api/v1/regions/{level} as
// JSON, for the websocket's regions layer.
func (r *regionAPI) hubRows(ctx context.Context, level, window string) ([]byte, error) {
	lv, err := geo.ParseLevel(level)
	if err != nil {
		return nil, err
	}
	ans, _, err := r.answer(ctx, lv, window, "", "")
	if err != nil {
		return nil, err
	}
	return json.Marshal(ans.Regions)
}

// put answers PUT /api/v1/regions/{level} (a GeoJSON FeatureCollection):
// the upload is validated and indexed while the current layer keeps serving,
// then replaces it atomically. A bad upload changes nothing.
func (r *regionAPI) put(c *gin.Context) {
	level, err := geo.ParseLevel(c.Param("level"))
	if err != nil || level == geo.LevelCity {
		c.JSON(http.StatusBadRequest, gin.H{"error": "level: must be district, street, community or grid"})
		return
	}
	limit := r.maxBody
	if limit <= 0 {
		limit = geo.MaxLayerBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		c.JSON(http.StatusRequestEntityTooLarge, gin.H{"error": fmt.Sprintf("body: larger than the %d-byte limit", tooBig.Limit)})
		return
	case err != nil:
		c.JSON(http.StatusBadRequest, gin.H{"error": "body: " + err.Error()})
		return
	}
	start := time.Now()
	layer, err := geo.ParseLayer(level, body)
	if err == nil {
		var orphans int
		if orphans, err = r.store.Replace(layer); err == nil {
			log.Printf("regions: %s replaced: %d regions, indexed in %v", level, layer.Len(), time.Since(start).Round(time.Millisecond))
			c.JSON(http.StatusOK, gin.H{"level": level.String(), "regions": layer.Len(), "orphans": orphans, "version": r.store.Load().Version()})
			return
		}
	}
	var le *geo.LayerError
	switch {
	case errors.Is(err, geo.ErrLayerTooLarge):
		c.JSON(http.StatusRequestEntityTooLarge, gin.H{"error": err.Error()})
	case errors.As(err, &le):
		ans := gin.H{"error": err.Error(), "field": le.Field}
		if le.Feature >= 0 {
			ans["feature"] = le.Feature
		}
		c.JSON(http.StatusBadRequest, ans)
	default:
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
	}
}
