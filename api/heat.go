package api

import (
	"net/http"
	"time"

	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/wire"
	"github.com/gin-gonic/gin"
)

// askHeat runs f with the heat fold, on the loop's goroutine.
func (a *API) askHeat(c *gin.Context, f func(env *live.Env, hs *heat.State)) error {
	ctx, cancel := within(c)
	defer cancel()
	return a.cfg.Loop.Do(ctx, func(env *live.Env) {
		if hs, ok := live.Find[*heat.State](env); ok {
			f(env, hs)
		}
	})
}

// getHeat answers GET /api/v1/heat?res=8&window=1h[&bbox=…][&category=…][&minSeverity=…]
// with the same cells, in the same bytes, as a websocket snapshot of that topic,
// and the time the window counts from.
func (a *API) getHeat(c *gin.Context) {
	t, err := topicParams(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var cells []heat.CellCount
	var totals heat.Totals
	var asOf, from time.Time
	if err := a.askHeat(c, func(env *live.Env, hs *heat.State) {
		cells, _ = hs.Heat(t.View)
		if t.BBox == nil {
			totals = hs.Totals(t.View)
		}
		asOf = env.Now()
		from, _ = hs.WindowStart(t.View.Window)
	}); err != nil {
		a.fail(c, err)
		return
	}
	b := append(make([]byte, 0, 128+32*len(cells)), '{')
	b = wire.AppendTopic(b, t.View, asOf)
	b = append(b, `,"from":`...)
	b = wire.AppendTime(b, from)
	b = wire.AppendHeat(b, cells, t.BBox)
	b = wire.AppendTotals(b, totals)
	b = append(b, '}')
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

// getUnits answers GET /api/v1/units with every unit's latest position and status.
func (a *API) getUnits(c *gin.Context) {
	var units []heat.Unit
	var asOf time.Time
	if err := a.askHeat(c, func(env *live.Env, hs *heat.State) { units = hs.Units(); asOf = env.Now() }); err != nil {
		a.fail(c, err)
		return
	}
	b := append([]byte(`{"asOf":`), wire.AppendTime(nil, asOf)...)
	b = append(b, `,"units":`...)
	b = wire.AppendUnits(b, units, nil)
	b = append(b, '}')
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}
