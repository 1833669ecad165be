package wire

import (
	"encoding/json"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
)

// A RegionRow is one region with its figures over a window: a row of GET
// /api/v1/regions/{level}, and of the websocket's regions layer.
type RegionRow struct {
	Code        string         `json:"code"`
	Name        string         `json:"name"`
	Parent      string         `json:"parent,omitempty"`
	Generated   bool           `json:"generated"`
	Incidents   int            `json:"incidents"`
	ByCategory  map[string]int `json:"byCategory"`
	BySeverity  [4]int         `json:"bySeverity"`
	UnitsOnDuty int            `json:"unitsOnDuty"`
}

// RegionRows lists every region of layer, sorted by code (or only the
// children of parent, or the one region code, when given), each with its
// figures from figs, zeros where figs has none.
func RegionRows(layer *geo.Layer, figs []heat.RegionFigure, parent, code string) []RegionRow {
	byCode := make(map[string]*heat.RegionFigure, len(figs))
	for i := range figs {
		byCode[figs[i].Code] = &figs[i]
	}
	rows := []RegionRow{}
	for i := range layer.Divisions {
		d := &layer.Divisions[i]
		if (parent != "" && d.Parent != parent) || (code != "" && d.Code != code) {
			continue
		}
		row := RegionRow{Code: d.Code, Name: d.Name, Parent: d.Parent, Generated: d.Generated, ByCategory: map[string]int{}}
		if f := byCode[d.Code]; f != nil {
			row.Incidents, row.ByCategory, row.BySeverity, row.UnitsOnDuty = f.Incidents, f.ByCategory, f.BySeverity, f.UnitsOnDuty
		}
		rows = append(rows, row)
	}
	return rows
}

// AppendRegions appends the members of the websocket's regions layer:
// "level":"district","regions":[…], the rows of every region of the level.
// A level the hierarchy lacks has no rows.
func AppendRegions(b []byte, regions *geo.Regions, level geo.Level, figs []heat.RegionFigure) []byte {
	rows := []RegionRow{}
	if l := regions.Layer(level); l != nil {
		rows = RegionRows(l, figs, "", "")
	}
	js, _ := json.Marshal(rows)
	b = append(b, `"level":"`...)
	b = append(b, level.String()...)
	b = append(b, `","regions":`...)
	return append(b, js...)
}
