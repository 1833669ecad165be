package ops

import (
	"sort"
	"time"

	"github.com/citygrid/citygrid/geo"
	orbgeo "github.com/paulmach/orb/geo"
)

// The travel-time estimate of a suggestion: the straight-line distance times
// detourFactor (a typical ratio of road to straight-line distance in a city's
// street grid) at urbanSpeed (30 km/h). It ranks nothing; it tells the
// dispatcher roughly how long.
const (
	detourFactor = 1.4
	urbanSpeed   = 8.3 // m/s
)

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
		s.ETASeconds = s.DistanceMeters * detourFactor / urbanSpeed
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
