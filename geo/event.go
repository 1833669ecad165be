package geo

import (
	"time"

	"github.com/paulmach/orb"
)

// An Incident is anything reported at a place and time: a 110 police call, a 12345
// hotline complaint, a grid worker's report, a sensor alarm, a dispute case.
type Incident struct {
	ID       string    `json:"id"`               // the source's id, the dedupe key
	Source   string    `json:"source,omitempty"` // 110, 12345, grid, sensor, mediation, …
	Category string    `json:"category,omitempty"`
	Severity int       `json:"severity"` // 1 (low) .. 4 (critical)
	Lat      float64   `json:"lat"`
	Lng      float64   `json:"lng"`
	Time     time.Time `json:"time"` // event time: when it happened
	Title    string    `json:"title,omitempty"`
	Address  string    `json:"address,omitempty"`
	Cell     Cell      `json:"-"` // at FineRes, set at ingest
	// Regions are the codes of the regions holding the incident, set at
	// ingest (Regions.Assign), so folds and queries need no geometry.
	Regions RegionCodes `json:"regions,omitzero"`
}

// Point is where the incident happened.
func (in *Incident) Point() orb.Point { return orb.Point{in.Lng, in.Lat} }

// A Position is a patrol unit's report of where it is and what it is doing.
type Position struct {
	Unit    string    `json:"unit"`
	Kind    string    `json:"kind,omitempty"`   // car, foot, grid-worker, mediator, …
	Status  string    `json:"status,omitempty"` // available, dispatched, busy, off-duty
	Lat     float64   `json:"lat"`
	Lng     float64   `json:"lng"`
	Time    time.Time `json:"time"`
	Heading *float64  `json:"heading,omitempty"` // degrees clockwise from north
	Speed   *float64  `json:"speed,omitempty"`   // metres per second
	Cell    Cell      `json:"-"`                 // at FineRes, set at ingest
	// Regions are the codes of the regions holding the position, set at ingest.
	Regions RegionCodes `json:"regions,omitzero"`
}

// Point is where the unit is.
func (p *Position) Point() orb.Point { return orb.Point{p.Lng, p.Lat} }

// Unit statuses a position may carry.
const (
	StatusAvailable  = "available"
	StatusDispatched = "dispatched"
	StatusBusy       = "busy"
	StatusOffDuty    = "off-duty"
)
