package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/auth"
	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/geo"
	"github.com/gin-gonic/gin"
)

// scopeOf is the region the request's person is confined to (nil: the whole
// city), and the actor they act as. A scope naming no known region holds
// nothing: a mistyped scope must not open the city.
func (a *API) scopeOf(c *gin.Context) (*cases.Scope, cases.Actor) {
	id, _ := identityOf(c.Request)
	regions := a.cfg.Regions.Load()
	cityCode := regions.CityCode()
	actor := cases.Actor{By: who(c), Level: geo.LevelCity.String(), Region: cityCode}
	if id.Scope == "" || id.Scope == cityCode {
		return nil, actor
	}
	for _, lv := range geo.Levels[1:] {
		if regions.Layer(lv).Division(id.Scope) != nil {
			actor.Level, actor.Region = lv.String(), id.Scope
			return &cases.Scope{Level: lv, Code: id.Scope}, actor
		}
	}
	return &cases.Scope{Level: geo.LevelGrid, Code: "\x00unknown scope " + id.Scope}, actor
}

// seesPersonalData reports whether the request may see reporters' names and
// phones: dispatchers and above.
func seesPersonalData(c *gin.Context) bool {
	id, ok := identityOf(c.Request)
	return ok && id.Role.Can(auth.Dispatcher)
}

// redact drops the personal data of cases the request may not see it in.
func redact(c *gin.Context, list ...*cases.Case) {
	if seesPersonalData(c) {
		return
	}
	for _, k := range list {
		k.Reporter = nil
	}
}

// postCase answers POST /api/v1/cases: 201 with the case, or 200 with the
// case already registered under the body's id.
func (a *API) postCase(c *gin.Context) {
	var req cases.NewCase
	if err := decodeSmallJSON(c, &req); err != nil {
		a.fail(c, err)
		return
	}
	scope, actor := a.scopeOf(c)
	ctx, cancel := within(c)
	defer cancel()
	k, created, err := a.cfg.Cases.Open(ctx, req, actor, scope)
	if err != nil {
		a.refused(c, err)
		return
	}
	c.Set(auditDetail, k.ID)
	redact(c, k)
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	c.JSON(status, k)
}

// getCases answers GET /api/v1/cases?state=&level=&code=&overdue=&q=&department=&limit=.
func (a *API) getCases(c *gin.Context) {
	scope, _ := a.scopeOf(c)
	f := cases.Filter{State: cases.State(c.Query("state")), Code: c.Query("code"), Query: c.Query("q"),
		Department: c.Query("department"), Scope: scope}
	if f.State != "" && f.State != "open" && !slices.Contains(cases.States, f.State) {
		a.fail(c, &geo.FieldError{Field: "state", Reason: "open, or one of registered, accepted, assigned, handled, verified, closed, rated, rejected, suspended"})
		return
	}
	if f.Code != "" || c.Query("level") != "" {
		lv, err := geo.ParseLevel(c.Query("level"))
		if err != nil || f.Code == "" {
			a.fail(c, &geo.FieldError{Field: "level", Reason: "give level (city, district, street, community or grid) and code together"})
			return
		}
		f.Level = lv
	}
	var err error
	if f.Overdue, err = boolParam(c, "overdue"); err != nil {
		a.fail(c, err)
		return
	}
	if f.Limit, err = limitParam(c, 200, 5000); err != nil {
		a.fail(c, err)
		return
	}
	ctx, cancel := within(c)
	defer cancel()
	list, total, err := a.cfg.Cases.List(ctx, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	redact(c, list...)
	if list == nil {
		list = []*cases.Case{}
	}
	c.JSON(http.StatusOK, gin.H{"cases": list, "total": total})
}

// caseAnswer is a case with the actions its state allows.
type caseAnswer struct {
	*cases.Case
	Actions []string `json:"actions"`
}

// getCase answers GET /api/v1/cases/{id}: the case with its timeline.
func (a *API) getCase(c *gin.Context) {
	scope, _ := a.scopeOf(c)
	ctx, cancel := within(c)
	defer cancel()
	k, err := a.cfg.Cases.Get(ctx, c.Param("id"), scope)
	if err != nil {
		a.fail(c, err)
		return
	}
	redact(c, k)
	c.JSON(http.StatusOK, caseAnswer{k, k.Allowed()})
}

// postCaseAction answers POST /api/v1/cases/{id}/{action}: 200 with the case
// as it now is, 409 naming its state when the state forbids the action.
func (a *API) postCaseAction(c *gin.Context) {
	act := cases.Action{Name: c.Param("action")}
	if c.Request.ContentLength != 0 {
		if err := decodeSmallJSON(c, &act); err != nil {
			a.fail(c, err)
			return
		}
		act.Name = c.Param("action")
	}
	id := c.Param("id")
	c.Set(auditDetail, id+" "+act.Name)
	scope, actor := a.scopeOf(c)
	ctx, cancel := within(c)
	defer cancel()
	k, err := a.cfg.Cases.Move(ctx, id, act, actor, scope)
	if err != nil {
		a.refused(c, err)
		return
	}
	redact(c, k)
	c.JSON(http.StatusOK, caseAnswer{k, k.Allowed()})
}

// getCaseCatalogue answers GET /api/v1/cases/catalogue.
func (a *API) getCaseCatalogue(c *gin.Context) {
	cat := a.cfg.Cases.Catalogue()
	states := make([]gin.H, 0, len(cases.States))
	for _, s := range cases.States {
		states = append(states, gin.H{"state": s, "label": s.Label()})
	}
	c.JSON(http.StatusOK, gin.H{"channels": cat.Channels, "categories": cat.Categories, "states": states,
		"workingDay": cat.Calendar.Day().Hours()})
}

// getCaseStats answers GET /api/v1/cases/stats?level=&code=&from=&to=&by=&emergency=:
// the figures of every region of level (within code), or of every
// department, over [from, to).
func (a *API) getCaseStats(c *gin.Context) {
	scope, _ := a.scopeOf(c)
	q := cases.StatsQuery{Level: geo.LevelDistrict, ByDepartment: c.Query("by") == "department"}
	if by := c.Query("by"); by != "" && by != "department" && by != "region" {
		a.fail(c, &geo.FieldError{Field: "by", Reason: "region or department"})
		return
	}
	if s := c.Query("level"); s != "" {
		lv, err := geo.ParseLevel(s)
		if err != nil {
			a.fail(c, &geo.FieldError{Field: "level", Reason: "city, district, street, community or grid"})
			return
		}
		q.Level = lv
	}
	now := a.cfg.Now()
	var err error
	if q.To, err = timeParam(c, "to", now); err != nil {
		a.fail(c, err)
		return
	}
	if q.From, err = timeParam(c, "from", q.To.Add(-30*24*time.Hour)); err != nil {
		a.fail(c, err)
		return
	}
	if !q.From.Before(q.To) {
		a.fail(c, &geo.FieldError{Field: "from", Reason: "must be before to"})
		return
	}
	if q.Emergency, err = boolParam(c, "emergency"); err != nil {
		a.fail(c, err)
		return
	}
	regions := a.cfg.Regions.Load()
	q.Within = scope
	if code := c.Query("code"); code != "" {
		var inside *cases.Scope
		for _, lv := range geo.Levels {
			if regions.Layer(lv).Division(code) != nil {
				inside = &cases.Scope{Level: lv, Code: code}
				break
			}
		}
		if inside == nil {
			a.fail(c, geo.NotFound("code %q: no such region", code))
			return
		}
		if scope != nil && !scopeHolds(regions, scope, inside) {
			a.fail(c, &cases.ForbiddenError{Msg: "region " + code + " is outside your scope"})
			return
		}
		if inside.Level != geo.LevelCity {
			q.Within = inside
		}
	}
	ctx, cancel := within(c)
	defer cancel()
	figs, err := a.cfg.Cases.Stats(ctx, q)
	if err != nil {
		a.fail(c, err)
		return
	}
	rows := []*cases.Figures{}
	if q.ByDepartment {
		for _, f := range figs {
			rows = append(rows, f)
		}
		slices.SortFunc(rows, func(x, y *cases.Figures) int { return cmpString(x.Code, y.Code) })
	} else {
		// Every region of the level inside the query's, with or without cases.
		for _, d := range regions.Layer(q.Level).Divisions {
			if !regionWithin(regions, q.Level, &d, q.Within) {
				continue
			}
			f := figs[d.Code]
			if f == nil {
				f = cases.NewFigures(d.Code)
			}
			f.Name = d.Name
			rows = append(rows, f)
		}
	}
	c.JSON(http.StatusOK, gin.H{"level": q.Level.String(), "from": q.From, "to": q.To, "emergency": q.Emergency, "rows": rows})
}

// regionWithin reports whether division d of level lv lies inside scope
// (nil: everywhere), by its chain of parents.
func regionWithin(r *geo.Regions, lv geo.Level, d *geo.Division, scope *cases.Scope) bool {
	if scope == nil {
		return true
	}
	for lv > scope.Level && d != nil {
		lv--
		d = r.Layer(lv).Division(d.Parent)
	}
	return d != nil && lv == scope.Level && d.Code == scope.Code
}

// scopeHolds reports whether region inner lies inside scope.
func scopeHolds(r *geo.Regions, scope, inner *cases.Scope) bool {
	if inner.Level < scope.Level {
		return false
	}
	return regionWithin(r, inner.Level, r.Layer(inner.Level).Division(inner.Code), scope)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// timeParam reads an RFC 3339 time; def when absent.
func timeParam(c *gin.Context, name string, def time.Time) (time.Time, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &geo.FieldError{Field: name, Reason: "an RFC 3339 time, like 2026-12-01T08:00:00+08:00"}
	}
	return t, nil
}

// boolParam reads a flag: 1, true, 0, false or absent.
func boolParam(c *gin.Context, name string) (bool, error) {
	s := c.Query(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, &geo.FieldError{Field: name, Reason: "true or false"}
	}
	return b, nil
}
