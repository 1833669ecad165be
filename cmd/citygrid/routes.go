package main

import (
	"net/http"

	"github.com/citygrid/citygrid/auth"
	"github.com/citygrid/citygrid/frontend"
	"github.com/gin-gonic/gin"
)

// routes is the server's whole HTTP surface; docs/API.md describes it.
func (a *app) routes() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	g := a.guard
	r.Use(gin.Recovery(), a.metrics.middleware(), g.headers, g.identify, g.limit)

	// Who may do what: every route names the least role it needs (see
	// docs/API.md, "Access"); the route × role matrix test walks this table.
	v1 := r.Group("/api/v1")
	v1.POST("/incidents", g.require(auth.Feed), a.postIncidents)
	v1.POST("/positions", g.require(auth.Feed), a.postPositions)
	v1.GET("/heat", g.require(auth.Wall), a.getHeat)
	v1.GET("/units", g.require(auth.Wall), a.getUnits)
	v1.GET("/incidents", g.require(auth.Wall), a.getIncidents)
	v1.GET("/regions/:level", g.require(auth.Wall), a.regionAPI.get)
	v1.PUT("/regions/:level", g.require(auth.Admin), a.auditChange("regions.put"), a.regionAPI.put)
	v1.GET("/audit", g.require(auth.Admin), g.getAudit)
	v1.GET("/alerts", g.require(auth.Wall), a.getAlerts)
	v1.POST("/alerts/:id/ack", g.require(auth.Operator), a.auditChange("alert.ack"), a.postAlert(false))
	v1.POST("/alerts/:id/resolve", g.require(auth.Operator), a.auditChange("alert.resolve"), a.postAlert(true))
	// Vehicle terminals and the simulator read their orders with a feed key.
	v1.GET("/dispatches", g.requireAny(auth.Wall, auth.Feed), a.getDispatches)
	v1.POST("/dispatches", g.require(auth.Dispatcher), a.auditChange("dispatch.assign"), a.postDispatch)
	v1.POST("/dispatches/:id/clear", g.require(auth.Dispatcher), a.auditChange("dispatch.clear"), a.postDispatchEnd(false))
	v1.POST("/dispatches/:id/cancel", g.require(auth.Dispatcher), a.auditChange("dispatch.cancel"), a.postDispatchEnd(true))
	v1.GET("/dispatch/suggest", g.require(auth.Operator), a.getSuggest)
	v1.GET("/session", g.getSession)
	v1.POST("/session", g.postSession)
	v1.DELETE("/session", g.deleteSession)

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", a.getReady)
	r.GET("/metrics", g.require(auth.Wall), gin.WrapH(a.metrics.handler()))
	r.GET("/ws", g.require(auth.Wall), g.wsSlot, gin.WrapH(a.hub))
	r.GET("/tiles/:layer/:z/:x/:y", g.require(auth.Wall), gin.WrapH(a.tiles))
	r.NoRoute(gin.WrapH(frontend.Handler()))
	return r
}

func (a *app) getReady(c *gin.Context) {
	if !a.ready.Load() {
		c.JSON(http.StatusServiceUnavailable, gin.H{"ready": false, "reason": "rebuilding live state from the streams"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"ready": true})
}
