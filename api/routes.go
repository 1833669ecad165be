package api

import (
	"net/http"
	"time"

	"github.com/citygrid/citygrid/auth"
	"github.com/citygrid/citygrid/basemap"
	"github.com/citygrid/citygrid/frontend"
	"github.com/citygrid/citygrid/geo"
	"github.com/gin-gonic/gin"
)

// A Route is one entry of the HTTP surface: its method and path (gin's
// syntax, :name for a parameter), the least roles that may call it (any one
// of them; none: anyone), and the audit action recorded for a change ("" for
// none). docs/API.md ("Access") and docs/openapi.yaml say the same; tests
// hold all three to it.
type Route struct {
	Method, Path string
	Roles        []auth.Role
	Audit        string
	handle       gin.HandlerFunc
}

// routes is the server's whole HTTP surface. Every route names the least
// role it needs; the route × role matrix test walks this table.
func (a *API) routes() []Route {
	g := a.guard
	r := func(method, path string, roles []auth.Role, audit string, h gin.HandlerFunc) Route {
		return Route{Method: method, Path: path, Roles: roles, Audit: audit, handle: h}
	}
	var (
		anyone     []auth.Role
		feed       = []auth.Role{auth.Feed}
		wall       = []auth.Role{auth.Wall}
		operator   = []auth.Role{auth.Operator}
		dispatcher = []auth.Role{auth.Dispatcher}
		admin      = []auth.Role{auth.Admin}
		// Vehicle terminals and the simulator read their orders with a feed key.
		wallOrFeed = []auth.Role{auth.Wall, auth.Feed}
		// Cases come from feeds (the 12345 hotline's system) and from people
		// at the console.
		operatorOrFeed = []auth.Role{auth.Operator, auth.Feed}
	)
	return []Route{
		r("POST", "/api/v1/incidents", feed, "", a.postEvents(geo.KindIncident)),
		r("POST", "/api/v1/positions", feed, "", a.postEvents(geo.KindPosition)),
		r("GET", "/api/v1/heat", wall, "", a.getHeat),
		r("GET", "/api/v1/units", wall, "", a.getUnits),
		r("GET", "/api/v1/incidents", wall, "", a.getIncidents),
		r("GET", "/api/v1/incidents/:id", wall, "", a.getIncident),
		r("GET", "/api/v1/regions/:level", wall, "", a.getRegions),
		r("GET", "/api/v1/places", wall, "", a.getPlaces),
		r("GET", "/api/v1/search", wall, "", a.getSearch),
		r("GET", "/api/v1/basemap", wall, "", a.getBasemap),
		r("GET", basemap.ArchivePath, wall, "", a.getBasemapArchive),
		r("PUT", "/api/v1/regions/:level", admin, "regions.put", a.putRegions),
		r("GET", "/api/v1/audit", admin, "", g.getAudit),
		r("GET", "/api/v1/alerts", wall, "", a.getAlerts),
		r("POST", "/api/v1/alerts/:id/ack", operator, "alert.ack", a.postAlert(false)),
		r("POST", "/api/v1/alerts/:id/resolve", operator, "alert.resolve", a.postAlert(true)),
		r("GET", "/api/v1/dispatches", wallOrFeed, "", a.getDispatches),
		r("POST", "/api/v1/dispatches", dispatcher, "dispatch.assign", a.postDispatch),
		r("POST", "/api/v1/dispatches/:id/clear", dispatcher, "dispatch.clear", a.postDispatchEnd(false)),
		r("POST", "/api/v1/dispatches/:id/cancel", dispatcher, "dispatch.cancel", a.postDispatchEnd(true)),
		r("GET", "/api/v1/dispatch/suggest", operator, "", a.getSuggest),
		r("POST", "/api/v1/cases", operatorOrFeed, "case.open", a.postCase),
		r("GET", "/api/v1/cases", wall, "", a.getCases),
		r("GET", "/api/v1/cases/catalogue", wall, "", a.getCaseCatalogue),
		r("GET", "/api/v1/cases/stats", wall, "", a.getCaseStats),
		r("GET", "/api/v1/cases/:id", wall, "", a.getCase),
		r("POST", "/api/v1/cases/:id/:action", dispatcher, "case.move", a.postCaseAction),
		r("GET", "/api/v1/index", wall, "", a.getIndex),
		r("GET", "/api/v1/briefing", wall, "", a.getBriefing),
		r("GET", "/api/v1/briefing.csv", wall, "", a.getBriefingCSV),
		r("GET", "/api/v1/index/:code", wall, "", a.getIndexOf),
		r("GET", "/api/v1/session", anyone, "", g.getSession),
		r("POST", "/api/v1/session", anyone, "", g.postSession),
		r("DELETE", "/api/v1/session", anyone, "", g.deleteSession),
		r("GET", "/healthz", anyone, "", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }),
		r("GET", "/readyz", anyone, "", a.getReady),
		r("GET", "/metrics", wall, "", gin.WrapH(a.metrics.handler())),
		r("GET", "/ws", wall, "", a.serveWS),
		r("GET", "/tiles/:layer/:z/:x/:y", wall, "", gin.WrapH(a.cfg.Tiles)),
	}
}

// Routes lists the HTTP surface: every route, the roles that may call it and
// what it audits.
func (a *API) Routes() []Route { return a.routes() }

// handler builds the gin engine from the route table.
func (a *API) handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	g := a.guard
	e.Use(gin.Recovery(), a.metrics.middleware(), g.headers, g.host, g.identify, g.limit, compressJSON)
	for _, rt := range a.routes() {
		var chain []gin.HandlerFunc
		if len(rt.Roles) > 0 {
			chain = append(chain, g.requireAny(rt.Roles...))
		}
		if rt.Audit != "" {
			chain = append(chain, g.auditChange(rt.Audit))
		}
		e.Handle(rt.Method, rt.Path, append(chain, rt.handle)...)
	}
	e.NoRoute(gin.WrapH(frontend.Handler()))
	return e
}

// serveWS opens a websocket to the hub, within the address's share of them.
func (a *API) serveWS(c *gin.Context) {
	if !a.guard.wsSlot(c) {
		return
	}
	defer a.guard.wsRelease(c)
	// The server's read and write timeouts bound a request, not a
	// websocket: net/http lifts a connection's deadlines when the hub
	// hijacks it (TestWebsocketOutlivesTheRequestTimeouts holds this).
	a.cfg.Hub.ServeHTTP(c.Writer, c.Request)
}

func (a *API) getReady(c *gin.Context) {
	if !a.cfg.Loop.Ready() {
		c.JSON(http.StatusServiceUnavailable, gin.H{"ready": false, "reason": "rebuilding live state from the streams"})
		return
	}
	if !a.cfg.Regions.Loaded() {
		c.JSON(http.StatusServiceUnavailable, gin.H{"ready": false, "reason": "generating the regions"})
		return
	}
	body := gin.H{"ready": true}
	if since, lost := a.historyLost(); lost {
		body["historyLost"] = since
		body["warning"] = "Redis lost its data: history before then may be gone, and ids sent again may have been taken as new; restart to rebuild from what Redis holds"
	}
	c.JSON(http.StatusOK, body)
}

// historyLost says when Redis was seen to have lost its data, if it was.
func (a *API) historyLost() (time.Time, bool) {
	if a.cfg.HistoryLost == nil {
		return time.Time{}, false
	}
	return a.cfg.HistoryLost()
}
