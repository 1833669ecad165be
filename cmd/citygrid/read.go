package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/hub"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/wire"
	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
)

const readTimeout = 5 * time.Second

// getHeat answers GET /api/v1/heat?res=8&window=1h[&bbox=…][&category=…][&minSeverity=…]
// with the same cells, in the same bytes, as a websocket snapshot of that topic.
func (a *app) getHeat(c *gin.Context) {
	key, bbox, err := heatQuery(c)
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	var cells []live.CellCount
	var asOf time.Time
	ctx, cancel := context.WithTimeout(c.Request.Context(), readTimeout)
	defer cancel()
	if err := a.fold.Do(ctx, func(s *live.State) { cells, _ = s.Heat(key); asOf = s.Now() }); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "live state: " + err.Error()})
		return
	}
	b := make([]byte, 0, 96+32*len(cells))
	b = append(b, `{"res":`...)
	b = strconv.AppendInt(b, int64(key.Res), 10)
	b = append(b, `,"window":"`...)
	b = append(b, key.Window...)
	b = append(b, `","asOf":`...)
	b = wire.AppendTime(b, asOf)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, wire.SumCells(cells, bbox), 10)
	b = append(b, `,"cells":`...)
	b = wire.AppendCells(b, cells, bbox)
	b = append(b, '}')
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

func heatQuery(c *gin.Context) (live.ViewKey, *orb.Bound, error) {
	key := live.ViewKey{Res: 8, Window: c.DefaultQuery("window", "1h")}
	if s := c.Query("res"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(geo.HeatResolutions, n) {
			return key, nil, fmt.Errorf("res: must be one of %v", geo.HeatResolutions)
		}
		key.Res = n
	}
	if _, err := live.WindowByName(key.Window); err != nil {
		return key, nil, fmt.Errorf("window: must be 15m, 1h or 24h")
	}
	key.Filter.Category = c.Query("category")
	if len(key.Filter.Category) > 64 {
		return key, nil, fmt.Errorf("category: longer than 64 bytes")
	}
	if s := c.Query("minSeverity"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 4 {
			return key, nil, fmt.Errorf("minSeverity: must be between 1 and 4")
		}
		key.Filter.MinSeverity = n
	}
	var bbox *orb.Bound
	if s := c.Query("bbox"); s != "" {
		parts := strings.Split(s, ",")
		v := make([]float64, 0, 4)
		for _, p := range parts {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return key, nil, fmt.Errorf("bbox: must be minLng,minLat,maxLng,maxLat")
			}
			v = append(v, f)
		}
		b, err := hub.ParseBBox(v)
		if err != nil {
			return key, nil, err
		}
		bbox = &b
	}
	return key.Normal(), bbox, nil
}

// getUnits answers GET /api/v1/units with every unit's latest position and status.
func (a *app) getUnits(c *gin.Context) {
	var units []live.Unit
	var asOf time.Time
	ctx, cancel := context.WithTimeout(c.Request.Context(), readTimeout)
	defer cancel()
	if err := a.fold.Do(ctx, func(s *live.State) { units = s.Units(); asOf = s.Now() }); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "live state: " + err.Error()})
		return
	}
	b := append([]byte(`{"asOf":`), wire.AppendTime(nil, asOf)...)
	b = append(b, `,"units":`...)
	b = wire.AppendUnits(b, units, nil)
	b = append(b, '}')
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}
