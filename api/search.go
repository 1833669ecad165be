package api

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
	"github.com/gin-gonic/gin"
)

// maxSearchRunes bounds a search's text: a place name or an id, not a page.
const maxSearchRunes = 64

// A SearchResult is one thing a duty officer may have meant: a region by its
// name or code, an incident by its id, a unit by its call sign. Every kind
// has a place to fly to.
type SearchResult struct {
	Type   string  `json:"type"` // region, incident, unit
	Code   string  `json:"code"` // the region's code, the incident's id, the unit
	Name   string  `json:"name"`
	Detail string  `json:"detail"` // a line saying which one it is
	Lat    float64 `json:"lat"`
	Lng    float64 `json:"lng"`
	// Level and BBox ([west, south, east, north]) are set for regions.
	Level string      `json:"level,omitempty"`
	BBox  *[4]float64 `json:"bbox,omitempty"`
	// Source is set for incidents.
	Source string `json:"source,omitempty"`
}

// getSearch answers GET /api/v1/search?q=…&limit=10: the console's one search
// box. An exact incident id comes first, then units whose call sign holds
// the text, then regions whose name or code holds it (whole names first,
// then names that begin with it, coarser levels first).
func (a *API) getSearch(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	switch n := utf8.RuneCountInString(q); {
	case n == 0:
		a.fail(c, &geo.FieldError{Field: "q", Reason: "required"})
		return
	case n > maxSearchRunes:
		a.fail(c, &geo.FieldError{Field: "q", Reason: fmt.Sprintf("at most %d characters", maxSearchRunes)})
		return
	}
	limit, err := limitParam(c, 10, 50)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx, cancel := within(c)
	defer cancel()
	var out []SearchResult
	in, _, err := a.findIncident(ctx, q, "")
	switch {
	case err == nil:
		out = append(out, SearchResult{Type: "incident", Code: in.ID, Name: cmp.Or(in.Title, in.Category, in.ID),
			Detail: strings.Join(nonEmpty(in.Category, in.Source, in.Address, in.Time.Format(time.DateTime)), " · "),
			Lat:    in.Lat, Lng: in.Lng, Source: in.Source})
	case !errors.Is(err, geo.ErrNotFound):
		a.fail(c, err)
		return
	}
	var units []heat.Unit
	if err := a.askHeat(c, func(_ *live.Env, hs *heat.State) { units = hs.Units() }); err != nil {
		a.fail(c, err)
		return
	}
	lq := strings.ToLower(q)
	var matched []SearchResult
	for _, u := range units {
		if strings.Contains(strings.ToLower(u.Unit), lq) {
			matched = append(matched, SearchResult{Type: "unit", Code: u.Unit, Name: u.Unit,
				Detail: strings.Join(nonEmpty(u.Kind, u.Status), " · "), Lat: u.Lat, Lng: u.Lng})
		}
	}
	slices.SortFunc(matched, func(x, y SearchResult) int {
		return cmp.Or(cmp.Compare(len(x.Code), len(y.Code)), cmp.Compare(x.Code, y.Code))
	})
	out = append(out, matched...)
	out = append(out, a.searchRegions(lq, limit)...)
	if len(out) > limit {
		out = out[:limit]
	}
	if out == nil {
		out = []SearchResult{}
	}
	c.JSON(http.StatusOK, gin.H{"q": q, "results": out})
}

// searchRegions finds the regions whose name or code holds lq (lower case),
// best first: a whole name or code, then a beginning, then anywhere; coarser
// levels first; then by code.
func (a *API) searchRegions(lq string, limit int) []SearchResult {
	regions := a.cfg.Regions.Load()
	type hit struct {
		rank  int
		level int
		d     *geo.Division
		lv    geo.Level
	}
	var hits []hit
	for li, lv := range geo.Levels[1:] {
		l := regions.Layer(lv)
		if l == nil {
			continue
		}
		for i := range l.Divisions {
			d := &l.Divisions[i]
			name := strings.ToLower(d.Name)
			rank := 3
			switch {
			case name == lq || d.Code == lq:
				rank = 0
			case strings.HasPrefix(name, lq) || strings.HasPrefix(d.Code, lq):
				rank = 1
			case strings.Contains(name, lq):
				rank = 2
			}
			if rank < 3 {
				hits = append(hits, hit{rank, li, d, lv})
			}
		}
	}
	slices.SortFunc(hits, func(x, y hit) int {
		return cmp.Or(cmp.Compare(x.rank, y.rank), cmp.Compare(x.level, y.level), cmp.Compare(x.d.Code, y.d.Code))
	})
	out := make([]SearchResult, 0, min(len(hits), limit))
	for _, h := range hits[:min(len(hits), limit)] {
		b := h.d.Bound
		ctr := b.Center()
		detail := h.lv.String()
		if p := regions.Layer(h.lv - 1).Division(h.d.Parent); p != nil {
			detail += " · " + p.Name
		}
		out = append(out, SearchResult{Type: "region", Code: h.d.Code, Name: h.d.Name, Detail: detail, Level: h.lv.String(),
			Lat: ctr.Lat(), Lng: ctr.Lon(), BBox: &[4]float64{b.Min.Lon(), b.Min.Lat(), b.Max.Lon(), b.Max.Lat()}})
	}
	return out
}

// nonEmpty keeps the strings that are not empty.
func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
