package api

import (
	"io"
	"net/http"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/wire"
	"github.com/gin-gonic/gin"
)

// regionsAnswer is the body of GET /api/v1/regions/{level}.
type regionsAnswer struct {
	Level   string           `json:"level"`
	Window  string           `json:"window"`
	AsOf    time.Time        `json:"asOf"`
	From    time.Time        `json:"from"` // where the window starts (heat.State.WindowStart)
	Version uint64           `json:"version"`
	Regions []wire.RegionRow `json:"regions"`
}

// getRegions answers GET /api/v1/regions/{level}?window=1h[&parent=code][&code=code]
// with every region of the level (or the children of parent, or one region),
// figures included, sorted by code.
func (a *API) getRegions(c *gin.Context) {
	level, err := geo.ParseRegionLevel(c.Param("level"))
	if err != nil {
		a.fail(c, err)
		return
	}
	w, err := windowParam(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	regions := a.cfg.Regions.Load()
	layer := regions.Layer(level)
	code, parent := c.Query("code"), c.Query("parent")
	switch {
	case layer == nil:
		a.fail(c, geo.NotFound("level %s: no regions loaded", level))
		return
	case code != "" && layer.Division(code) == nil:
		a.fail(c, geo.NotFound("%s %q: no such region", level, code))
		return
	}
	var figs []heat.RegionFigure
	var asOf, from time.Time
	if err := a.askHeat(c, func(env *live.Env, hs *heat.State) {
		figs, _ = hs.RegionFigures(level, w.Name)
		asOf = env.Now()
		from, _ = hs.WindowStart(w.Name)
	}); err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, regionsAnswer{Level: level.String(), Window: w.Name, AsOf: asOf, From: from, Version: regions.Version(),
		Regions: wire.RegionRows(layer, figs, parent, code)})
}

// putRegions answers PUT /api/v1/regions/{level} (a GeoJSON FeatureCollection):
// the upload is validated and indexed while the current layer keeps serving,
// then replaces it atomically. A bad upload changes nothing.
func (a *API) putRegions(c *gin.Context) {
	level, err := geo.ParseRegionLevel(c.Param("level"))
	if err != nil {
		a.fail(c, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, a.cfg.MaxLayer))
	if err != nil {
		a.fail(c, badBody(err))
		return
	}
	start := time.Now()
	layer, err := geo.ParseLayer(level, body)
	if err != nil {
		a.fail(c, err)
		return
	}
	// Checked against the hierarchy, then kept for every node, then applied:
	// a refused level is kept nowhere, and one Redis did not take is
	// applied nowhere.
	if _, _, err := a.cfg.Regions.Load().With(layer); err != nil {
		a.fail(c, err)
		return
	}
	var version int64
	if a.cfg.Layers != nil {
		ctx, cancel := within(c)
		defer cancel()
		if version, err = a.cfg.Layers.Keep(ctx, level, body); err != nil {
			a.fail(c, err)
			return
		}
	}
	orphans, err := a.cfg.Regions.Replace(layer)
	if err != nil {
		a.fail(c, err)
		return
	}
	if a.cfg.Layers != nil {
		a.cfg.Layers.Applied(version)
	}
	a.cfg.Logf("regions: %s replaced: %d regions, indexed in %v", level, layer.Len(), time.Since(start).Round(time.Millisecond))
	now := a.cfg.Regions.Load()
	// How the new level nests in the one above, and the one below in it.
	slivers := []geo.Sliver{}
	for _, lv := range []geo.Level{level, level + 1} {
		if lv > geo.LevelDistrict && now.Layer(lv) != nil && now.Layer(lv-1) != nil {
			slivers = append(slivers, now.Slivers(lv))
		}
	}
	c.JSON(http.StatusOK, gin.H{"level": level.String(), "regions": layer.Len(), "orphans": orphans, "version": now.Version(), "slivers": slivers})
}
