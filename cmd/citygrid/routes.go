package main

import (
	"net/http"

	"github.com/citygrid/citygrid/frontend"
	"github.com/gin-gonic/gin"
)

// routes is the server's whole HTTP surface; docs/API.md describes it.
func (a *app) routes() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), a.metrics.middleware())

	v1 := r.Group("/api/v1")
	v1.POST("/incidents", a.postIncidents)
	v1.POST("/positions", a.postPositions)
	v1.GET("/heat", a.getHeat)
	v1.GET("/units", a.getUnits)

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", a.getReady)
	r.GET("/metrics", gin.WrapH(a.metrics.handler()))
	r.GET("/ws", gin.WrapH(a.hub))
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
