package api

import (
	"net/http"

	"github.com/citygrid/citygrid/geo"
	"github.com/gin-gonic/gin"
)

// getBasemap answers GET /api/v1/basemap: where the page finds its base map,
// or {"kind":"none"}.
func (a *API) getBasemap(c *gin.Context) {
	src := a.cfg.Basemap
	if src.Kind == "" {
		src.Kind = "none"
	}
	c.JSON(http.StatusOK, src)
}

// getBasemapArchive serves the -basemap PMTiles archive, by ranges.
func (a *API) getBasemapArchive(c *gin.Context) {
	if a.cfg.BasemapArchive == nil {
		a.fail(c, geo.NotFound("no base map archive (start citygrid with -basemap FILE)"))
		return
	}
	a.cfg.BasemapArchive.ServeHTTP(c.Writer, c.Request)
}
