package ops

import (
	"sort"
	"time"

	"github.com/citygrid/citygrid/geo"
	orbgeo "github.com/paulmach/orb/geo"
)

// The travel-time estimate of a suggestion: the straight-line distance times
// detourFactor (a typical ratio of road to straight-line distance in a city's
// street grid) at the unit's kind's speed (travelSpeed). It ranks nothing; it
// tells the dispatcher roughly how long.
const detourFactor = 1.4

// travelSpeed is how fast, in m/s, a unit of each kind covers the way to a
// scene on average, stops and crossings included: a foot patrol walks (5
// km/h), a grid worker rides an e-bike (15 km/h), a mediator takes a car or a
// bus without a patrol car's priority (20 km/h). A kind not listed (a patrol
// car, a motorcycle, a kind a feed names that we do not know) is taken at
// urbanSpeed, a patrol car's 30 km/h: what every estimate was before units
// were told apart, so a feed's own vehicle kinds keep their estimates.
var travelSpeed = map[string]float64{
	"foot":        5 / 3.6,
	"grid-worker": 15 / 3.6,
	"mediator":    20 / 3.6,
}

// urbanSpeed is a patrol car's average speed in city traffic, 30 km/h.
const urbanSpeed = 8.3 // m/s

// speedOf is the travel speed of a unit of kind, in m/s.
func speedOf(kind string) float64 {
	if v, ok := travelSpeed[kind]; ok {
		return v
	}
	return urbanSpeed
}

// A Suggestion is a unit that could go to a cell.
type Suggestion struct {
	Unit      string    `json:"unit"`
	Kind      string    `json:"kind,omitempty"`
	Status    string    `json:"status"`
	Available bool      `json:"available"`
	Stale     bool      `json:"stale"`              // silent longer than the rules' dispatch.staleAfter
	Dispatch  string    `json:"dispatch,omitempty"` // the dispatch it is on
	Lat       float64   `json:"lat"`
	Lng       float64   `json:"lng"`
	LastSeen  time.Time `json:"lastSeen"`
	// GridDistance is the H3 distance at resolution 9; -1 when too far for H3
	// to tell.
	GridDistance   int     `json:"gridDistance"`
	DistanceMeters float64 `json:"distanceMeters"`
	ETASeconds     float64 `json:"etaSeconds"`
}

// Suggest ranks the units on duty for a cell: available ones first, then by
// H3 grid distance at resolution 9, then by great-circle distance. limit <= 0
// means 5.
func (b *Board) Suggest(units Units, cell geo.Cell, limit int) []Suggestion {
	if limit <= 0 {
		limit = 5
	}
	target := cell
	if target.Res() != geo.FineRes {
		target = geo.CellOf(cell.Center(), geo.FineRes)
	}
	ctr := cell.Center()
	out := []Suggestion{}
	units.EachUnit(func(p *geo.Position) {
		if p.Status == geo.StatusOffDuty {
			return
		}
		s := Suggestion{Unit: p.Unit, Kind: p.Kind, Status: p.Status, Available: b.available(p), Stale: b.stale(p),
			Lat: p.Lat, Lng: p.Lng, LastSeen: p.Time}
		if d := b.busy[p.Unit]; d != nil {
			s.Dispatch = d.ID
		}
		n, ok := p.Cell.GridDistance(target)
		s.GridDistance = n
		if !ok {
			s.GridDistance = -1
		}
		s.DistanceMeters = orbgeo.Distance(p.Point(), ctr)
		s.ETASeconds = s.DistanceMeters * detourFactor / speedOf(p.Kind)
		out = append(out, s)
	})
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Available != b.Available {
			return a.Available
		}
		ga, gb := a.GridDistance, b.GridDistance
		if ga < 0 {
			ga = int(^uint(0) >> 1)
		}
		if gb < 0 {
			gb = int(^uint(0) >> 1)
		}
		if ga != gb {
			return ga < gb
		}
		if a.DistanceMeters != b.DistanceMeters {
			return a.DistanceMeters < b.DistanceMeters
		}
		return a.Unit < b.Unit
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
