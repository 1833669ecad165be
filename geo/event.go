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
	// Cells are its cells at every heat resolution, each containing its
	// point (Cells.Fine() is Cell), set at ingest.
	Cells Cells `json:"-"`
	// Regions are the codes of the regions holding the incident, set at
	// ingest (Regions.Assign), so folds and queries need no geometry.
	Regions RegionCodes `json:"regions,omitzero"`
	// By is who posted it: the key's id, or the person's name.
	By string `json:"by,omitempty"`
}

// Point is where the incident happened.
func (in *Incident) Point() orb.Point { return orb.Point{in.Lng, in.Lat} }

// CellAt is the incident's cell at res: the one containing its point.
func (in *Incident) CellAt(res int) Cell { return cellAt(in.HeatCells(), in.Point(), res) }

// HeatCells are the incident's cells at the heat resolutions (see heatCells).
func (in *Incident) HeatCells() Cells { return heatCells(in.Cells, in.Cell) }

// heatCells are an event's cells at the heat resolutions: those ingest set,
// or, for an event that carries only its fine cell (stored before events
// carried their cells), the fine cell's parents.
func heatCells(cells Cells, fine Cell) Cells {
	if !cells.IsZero() || fine == 0 {
		return cells
	}
	for i := range cells {
		cells[i] = fine.Parent(minHeatRes + i)
	}
	return cells
}

// cellAt is the cell at res of an event in cells at p: the stored one at a
// heat resolution, computed from the point at others.
func cellAt(cells Cells, p orb.Point, res int) Cell {
	if c := cells.At(res); c != 0 {
		return c
	}
	return CellOf(p, res)
}

// Place sets an event's cells from its point: what ingest does.
func (in *Incident) Place() { in.Cells = CellsOf(in.Point()); in.Cell = in.Cells.Fine() }

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
	// Cells are its cells at every heat resolution, set at ingest.
	Cells Cells `json:"-"`
	// Regions are the codes of the regions holding the position, set at ingest.
	Regions RegionCodes `json:"regions,omitzero"`
	// By is who posted it: the key's id, or the person's name.
	By string `json:"by,omitempty"`
}

// Point is where the unit is.
func (p *Position) Point() orb.Point { return orb.Point{p.Lng, p.Lat} }

// CellAt is the position's cell at res: the one containing its point.
func (p *Position) CellAt(res int) Cell { return cellAt(heatCells(p.Cells, p.Cell), p.Point(), res) }

// Place sets a position's cells from its point: what ingest does.
func (p *Position) Place() { p.Cells = CellsOf(p.Point()); p.Cell = p.Cells.Fine() }

// Unit statuses a position may carry.
const (
	StatusAvailable  = "available"
	StatusDispatched = "dispatched"
	StatusBusy       = "busy"
	StatusOffDuty    = "off-duty"
)
