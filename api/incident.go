package api

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/recent"
	"github.com/citygrid/citygrid/stream"
	"github.com/gin-gonic/gin"
)

// Incident statuses, from what the centre did about it (IncidentDetail.Status).
const (
	IncidentReported     = "reported"     // nothing done yet
	IncidentAcknowledged = "acknowledged" // an alert it raised was acknowledged
	IncidentDispatched   = "dispatched"   // a unit is sent and not yet there
	IncidentOnScene      = "on_scene"     // a unit sent to it is there
	IncidentCleared      = "cleared"      // the last unit sent to it cleared
)

// A HistoryStep is one thing that happened to an incident: it was reported
// (its event time; when the streams took it is the incident's received), an alert of it opened or changed, a unit was sent, went, came
// or cleared, a case for it moved.
type HistoryStep struct {
	At   time.Time `json:"at"`
	What string    `json:"what"` // reported, alert.open, alert.ack, alert.resolve, dispatch.assign, dispatch.en_route, dispatch.on_scene, dispatch.clear, dispatch.cancel, case.<action>
	By   string    `json:"by,omitempty"`
	Note string    `json:"note,omitempty"`
	// Ref is the alert, dispatch or case the step belongs to.
	Ref string `json:"ref,omitempty"`
}

// IncidentDetail is GET /api/v1/incidents/{id}'s answer.
type IncidentDetail struct {
	Incident   incidentRow    `json:"incident"`
	Status     string         `json:"status"`
	Alerts     []ops.Alert    `json:"alerts"`
	Dispatches []ops.Dispatch `json:"dispatches"`
	Cases      []*cases.Case  `json:"cases"`
	History    []HistoryStep  `json:"history"`
	AsOf       time.Time      `json:"asOf"`
}

type incidentRow struct {
	geo.Incident
	Cell string `json:"cell"`
	// Received is when the streams took it (its entry id, Redis's clock):
	// apart from the history, whose times are the centre's.
	Received time.Time `json:"received"`
}

// getIncident answers GET /api/v1/incidents/{id}?source=: one incident of the
// last day, with what the centre did about it (its alerts, the units sent to
// it, its cases) as one history, oldest first. The duty officer opens it from
// a search or a cell's list before deciding what to send.
func (a *API) getIncident(c *gin.Context) {
	id, source := c.Param("id"), c.Query("source")
	ctx, cancel := within(c)
	defer cancel()
	now := a.cfg.Now()
	in, ref, err := a.findIncident(ctx, id, source)
	if err != nil {
		a.fail(c, err)
		return
	}
	did, err := a.cfg.Ops.OfIncident(ctx, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	scope, _ := a.scopeOf(c)
	ks, _, err := a.cfg.Cases.List(ctx, cases.Filter{Incident: id, Scope: scope, Limit: 20})
	if err != nil {
		a.fail(c, err)
		return
	}
	redact(c, ks...)
	if ks == nil {
		ks = []*cases.Case{}
	}
	ms, _ := geo.SplitID(ref.ID())
	d := IncidentDetail{
		Incident: incidentRow{Incident: in, Cell: in.Cell.String(), Received: time.UnixMilli(int64(ms)).UTC()},
		Alerts:   did.Alerts, Dispatches: did.Dispatches, Cases: ks, AsOf: now,
	}
	d.Status, d.History = incidentStory(&d)
	c.JSON(http.StatusOK, d)
}

// findIncident reads the incident with id (of source, when given) from the
// streams, where the live index says it is; geo.ErrNotFound when it is not
// among the last day's.
func (a *API) findIncident(ctx context.Context, id, source string) (geo.Incident, recent.Ref, error) {
	var (
		ref   recent.Ref
		found bool
	)
	if err := a.cfg.Loop.Do(ctx, func(*live.Env) { ref, found = a.cfg.Recent.ByID(id) }); err != nil {
		return geo.Incident{}, ref, err
	}
	if found {
		ins, err := a.cfg.Reader.Incidents(ctx, []stream.Entry{{Fine: ref.Fine, ID: ref.ID()}})
		if err != nil {
			return geo.Incident{}, ref, err
		}
		if len(ins) == 1 && ins[0].ID == id && (source == "" || ins[0].Source == source) {
			return ins[0], ref, nil
		}
	}
	return geo.Incident{}, ref, geo.NotFound("incident %q: not among the last day's incidents", id)
}

// incidentStory puts the detail's steps in one history, oldest first, and
// says where the incident stands: the newest dispatch not cancelled decides
// (sent, there, cleared); else an acknowledged alert; else it is reported.
func incidentStory(d *IncidentDetail) (status string, h []HistoryStep) {
	step := func(at time.Time, what, by, note, ref string) {
		if !at.IsZero() {
			h = append(h, HistoryStep{At: at, What: what, By: by, Note: note, Ref: ref})
		}
	}
	in := &d.Incident
	step(in.Time, "reported", in.Source, "", "")
	status = IncidentReported
	for _, a := range d.Alerts {
		step(a.OpenedAt, "alert.open", "", a.Message, a.ID)
		step(a.AckedAt, "alert.ack", a.AckedBy, a.AckNote, a.ID)
		step(a.ResolvedAt, "alert.resolve", a.ResolvedBy, a.ResolveNote, a.ID)
		if !a.AckedAt.IsZero() || a.Resolution == "manual" {
			status = IncidentAcknowledged
		}
	}
	latest := time.Time{}
	for _, x := range d.Dispatches {
		step(x.AssignedAt, "dispatch.assign", x.AssignedBy, x.Note, x.ID)
		step(x.EnRouteAt, "dispatch.en_route", x.Unit, "", x.ID)
		step(x.OnSceneAt, "dispatch.on_scene", x.Unit, "", x.ID)
		end := "dispatch.clear"
		if x.Status == ops.Cancelled {
			end = "dispatch.cancel"
		}
		step(x.ClearedAt, end, x.ClearedBy, x.EndNote, x.ID)
		if x.Status == ops.Cancelled || !x.AssignedAt.After(latest) {
			continue
		}
		latest = x.AssignedAt
		switch x.Status {
		case ops.OnScene:
			status = IncidentOnScene
		case ops.Cleared:
			status = IncidentCleared
		default:
			status = IncidentDispatched
		}
	}
	for _, k := range d.Cases {
		for _, s := range k.Timeline {
			step(s.At, "case."+s.Action, s.By, s.Note, k.ID)
		}
	}
	sort.SliceStable(h, func(i, j int) bool { return h[i].At.Before(h[j].At) })
	return status, h
}
