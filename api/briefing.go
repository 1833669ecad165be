package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/citygrid/citygrid/briefing"
	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/safety"
	"github.com/gin-gonic/gin"
)

// briefingTimeout bounds one briefing: reading a week of a busy city's
// streams takes seconds, longer than a request of the live state may.
const briefingTimeout = 30 * time.Second

// errBriefingTooLong answers a briefing that ran out of briefingTimeout.
var errBriefingTooLong = fmt.Errorf("briefing: not computed within %v (the window holds too many events, or Redis is slow); ask for a shorter window", briefingTimeout)

// A briefingAnswer is GET /api/v1/briefing's answer: the streams' figures,
// the names of the districts they name, the cases' figures over the window
// and the safety index as it stands.
type briefingAnswer struct {
	*briefing.Briefing
	Zone string `json:"zone"`
	// City is the city's code; Districts names every district code the
	// figures use.
	City      string            `json:"city"`
	Districts map[string]string `json:"districts"`
	Cases     briefingCases     `json:"cases"`
	Safety    briefingIndex     `json:"safety"`
}

// briefingCases are the case figures (cases.Figures) of the window: the
// city's, and each district's.
type briefingCases struct {
	City       *cases.Figures            `json:"city"`
	ByDistrict map[string]*cases.Figures `json:"byDistrict"`
}

// getBriefing answers GET /api/v1/briefing?from=&to=.
func (a *API) getBriefing(c *gin.Context) {
	ans, err := a.briefing(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ans)
}

// briefingWindow reads from and to: RFC 3339; absent, the default window
// (yesterday 08:00 to today 08:00 in the profile's zone), or a day from the
// one given.
func (a *API) briefingWindow(c *gin.Context) (from, to time.Time, err error) {
	src := a.cfg.Briefing
	from, to = src.Window(a.cfg.Now())
	switch {
	case c.Query("from") != "" && c.Query("to") == "":
		if from, err = timeParam(c, "from", from); err != nil {
			return
		}
		to = from.Add(24 * time.Hour)
	case c.Query("to") != "" && c.Query("from") == "":
		if to, err = timeParam(c, "to", to); err != nil {
			return
		}
		from = to.Add(-24 * time.Hour)
	default:
		if from, err = timeParam(c, "from", from); err != nil {
			return
		}
		if to, err = timeParam(c, "to", to); err != nil {
			return
		}
	}
	return from.UTC(), to.UTC(), src.Check(from, to)
}

// briefing computes the answer of a request.
func (a *API) briefing(c *gin.Context) (*briefingAnswer, error) {
	from, to, err := a.briefingWindow(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), briefingTimeout)
	defer cancel()
	b, err := a.cfg.Briefing.Compute(ctx, from, to)
	if err != nil && ctx.Err() == context.DeadlineExceeded && c.Request.Context().Err() == nil {
		// Its own deadline, not Redis: say so, and what to do.
		return nil, errBriefingTooLong
	}
	if err != nil {
		return nil, err
	}
	regions := a.cfg.Regions.Load()
	ans := &briefingAnswer{Briefing: b, Zone: a.cfg.Briefing.Zone().String(), City: regions.CityCode(), Districts: map[string]string{}}
	scope, _ := a.scopeOf(c)
	q := cases.StatsQuery{Level: geo.LevelDistrict, Within: scope, From: from, To: to}
	if ans.Cases.ByDistrict, err = a.cfg.Cases.Stats(ctx, q); err != nil {
		return nil, err
	}
	q.Level = geo.LevelCity
	city, err := a.cfg.Cases.Stats(ctx, q)
	if err != nil {
		return nil, err
	}
	if ans.Cases.City = city[ans.City]; ans.Cases.City == nil {
		ans.Cases.City = cases.NewFigures(ans.City)
	}
	if ans.Safety, err = a.briefingIndex(ctx, from, to); err != nil {
		return nil, err
	}
	districts := regions.Layer(geo.LevelDistrict)
	name := func(code string) {
		if d := districts.Division(code); d != nil {
			ans.Districts[code] = d.Name
		}
	}
	for _, m := range []map[string]int{b.Incidents.ByDistrict, b.Alerts.ByDistrict, b.Dispatches.ByDistrict} {
		for code := range m {
			name(code)
		}
	}
	for code := range ans.Cases.ByDistrict {
		name(code)
	}
	return ans, nil
}

// briefingIndex is the briefing's safety ranking of the districts: as it
// stood at the window's end, with the change over the window, from the
// hourly marks of the last week; or, when an hour's marks are missing (the
// server did not run then, or the window ends in the current hour before its
// marks are written), as it stands now, said by Live.
type briefingIndex struct {
	*safety.AsOfList
	Live bool `json:"live"`
}

func (a *API) briefingIndex(ctx context.Context, from, to time.Time) (briefingIndex, error) {
	at, ok, err := a.cfg.Safety.ListAt(ctx, geo.LevelDistrict, from, to)
	if err != nil || ok {
		return briefingIndex{AsOfList: at}, err
	}
	now, err := a.cfg.Safety.List(ctx, geo.LevelDistrict, "", false)
	if err != nil {
		return briefingIndex{}, err
	}
	return briefingIndex{AsOfList: now.AsOfList(), Live: true}, nil
}
