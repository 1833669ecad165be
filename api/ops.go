package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/ops"
	"github.com/gin-gonic/gin"
)

// who names the person or key behind a request, for the commands they send.
func who(c *gin.Context) string {
	if id, ok := identityOf(c.Request); ok {
		return id.Name
	}
	return "anonymous"
}

// refused answers a refused change, saying why in the audit too.
func (a *API) refused(c *gin.Context, err error) {
	msg := err.Error()
	if prev := c.GetString(auditDetail); prev != "" {
		msg = prev + ": " + msg
	}
	c.Set(auditDetail, msg)
	a.fail(c, err)
}

// getAlerts answers GET /api/v1/alerts?status=open&kind=&incident=&cell=&limit=.
func (a *API) getAlerts(c *gin.Context) {
	f := ops.AlertFilter{Status: c.DefaultQuery("status", "open"), Kind: c.Query("kind"),
		Incident: c.Query("incident"), Cell: c.Query("cell")}
	switch f.Status {
	case "open", "acknowledged", "resolved", "all":
	default:
		a.fail(c, &geo.FieldError{Field: "status", Reason: "open, acknowledged, resolved or all"})
		return
	}
	var err error
	if f.Limit, err = limitParam(c, 0, 5000); err != nil {
		a.fail(c, err)
		return
	}
	ctx, cancel := within(c)
	defer cancel()
	list, err := a.cfg.Ops.Alerts(ctx, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

// noteBody reads the optional {"note": "…"} of a state change.
func noteBody(c *gin.Context) (string, error) {
	var body struct {
		Note string `json:"note"`
	}
	if c.Request.ContentLength != 0 {
		if err := decodeSmallJSON(c, &body); err != nil {
			return "", err
		}
	}
	return body.Note, nil
}

// postAlert answers POST /api/v1/alerts/{id}/ack and …/resolve: 200 with the
// alert as it now is.
func (a *API) postAlert(resolve bool) gin.HandlerFunc {
	return a.postChange(func(ctx context.Context, id, by, note string) (any, error) {
		if resolve {
			return a.cfg.Ops.Resolve(ctx, id, by, note)
		}
		return a.cfg.Ops.Acknowledge(ctx, id, by, note)
	})
}

// postChange answers a change, with an optional {"note": "…"}, to the alert
// or dispatch the path's id names: 200 with it as it now is.
func (a *API) postChange(change func(ctx context.Context, id, by, note string) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		note, err := noteBody(c)
		if err != nil {
			a.fail(c, err)
			return
		}
		id := c.Param("id")
		c.Set(auditDetail, id)
		ctx, cancel := within(c)
		defer cancel()
		out, err := change(ctx, id, who(c), note)
		if err != nil {
			a.refused(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

// getDispatches answers GET /api/v1/dispatches?status=active|all&unit=.
func (a *API) getDispatches(c *gin.Context) {
	status := c.DefaultQuery("status", "active")
	if status != "active" && status != "all" {
		a.fail(c, &geo.FieldError{Field: "status", Reason: "active or all"})
		return
	}
	ctx, cancel := within(c)
	defer cancel()
	list, err := a.cfg.Ops.Dispatches(ctx, status == "all", c.Query("unit"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

// postDispatch answers POST /api/v1/dispatches: 201 with the dispatch.
func (a *API) postDispatch(c *gin.Context) {
	var req ops.DispatchRequest
	if err := decodeSmallJSON(c, &req); err != nil {
		a.fail(c, err)
		return
	}
	ctx, cancel := within(c)
	defer cancel()
	d, err := a.cfg.Ops.Dispatch(ctx, req, who(c))
	if d.ID != "" {
		c.Set(auditDetail, fmt.Sprintf("%s %s to %s", d.ID, d.Unit, d.Cell))
	}
	if err != nil {
		a.refused(c, err)
		return
	}
	c.JSON(http.StatusCreated, d)
}

// postDispatchEnd answers POST /api/v1/dispatches/{id}/clear and …/cancel:
// 200 with the dispatch as it now is.
func (a *API) postDispatchEnd(cancel bool) gin.HandlerFunc {
	return a.postChange(func(ctx context.Context, id, by, note string) (any, error) {
		return a.cfg.Ops.EndDispatch(ctx, id, by, note, cancel)
	})
}

// getSuggest answers GET /api/v1/dispatch/suggest?cell=…&limit=5.
func (a *API) getSuggest(c *gin.Context) {
	cell, err := cellParam(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	limit, err := limitParam(c, 5, 100)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx, cancel := within(c)
	defer cancel()
	sugg, err := a.cfg.Ops.Suggest(ctx, cell, limit)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"cell": cell.String(), "suggestions": sugg})
}
