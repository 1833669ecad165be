package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/citygrid/citygrid/geo"
	"github.com/gin-gonic/gin"
)

// maxPlaces bounds the cells of one places query: a wall names its ten
// hottest hexagons and a ticker's dozen, not a city.
const maxPlaces = 200

// A placeRegion is one region holding a place.
type placeRegion struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// A place names where a hexagon is, by the regions holding its centre, so no
// screen has to name a place by its H3 index.
type place struct {
	Cell      string       `json:"cell"`
	Name      string       `json:"name"` // "street · community", or what exists of it
	District  *placeRegion `json:"district,omitempty"`
	Street    *placeRegion `json:"street,omitempty"`
	Community *placeRegion `json:"community,omitempty"`
	Grid      *placeRegion `json:"grid,omitempty"`
}

// getPlaces answers GET /api/v1/places?cell=…&cell=… (or cells=a,b,c): for
// each H3 cell, the regions holding its centre and a short name for screens.
func (a *API) getPlaces(c *gin.Context) {
	raw := c.QueryArray("cell")
	if s := c.Query("cells"); s != "" {
		raw = append(raw, strings.Split(s, ",")...)
	}
	if len(raw) == 0 {
		a.fail(c, &geo.FieldError{Field: "cell", Reason: "at least one H3 cell"})
		return
	}
	if len(raw) > maxPlaces {
		a.fail(c, &geo.FieldError{Field: "cell", Reason: fmt.Sprintf("at most %d cells", maxPlaces)})
		return
	}
	regions := a.cfg.Regions.Load()
	out := make([]place, 0, len(raw))
	for _, s := range raw {
		cell, err := geo.ParseCell(strings.TrimSpace(s))
		if err != nil || !cell.Valid() {
			a.fail(c, &geo.FieldError{Field: "cell", Reason: fmt.Sprintf("%.20q is not an H3 cell", s)})
			return
		}
		out = append(out, placeOf(regions, cell))
	}
	c.JSON(http.StatusOK, gin.H{"places": out})
}

// placeOf names the regions holding cell's centre.
func placeOf(regions *geo.Regions, cell geo.Cell) place {
	p := place{Cell: cell.String()}
	centre := cell.Center()
	codes := regions.AssignAt(centre, geo.CellOf(centre, geo.FineRes))
	region := func(level geo.Level) *placeRegion {
		d := regions.Layer(level).Division(codes.At(level))
		if d == nil {
			return nil
		}
		return &placeRegion{Code: d.Code, Name: d.Name}
	}
	p.District, p.Street, p.Community, p.Grid = region(geo.LevelDistrict), region(geo.LevelStreet), region(geo.LevelCommunity), region(geo.LevelGrid)
	var parts []string
	for _, r := range []*placeRegion{p.Street, p.Community} {
		if r != nil {
			parts = append(parts, r.Name)
		}
	}
	if len(parts) == 0 && p.District != nil {
		parts = append(parts, p.District.Name)
	}
	p.Name = strings.Join(parts, " · ")
	return p
}

// PlaceName is what the API calls a cell (the short name of GET
// /api/v1/places), and the code of its district: for what names places
// outside the API, like the briefing's hottest places.
func PlaceName(regions *geo.Regions, cell geo.Cell) (name, district string) {
	p := placeOf(regions, cell)
	if p.District != nil {
		district = p.District.Code
	}
	return p.Name, district
}
