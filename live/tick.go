package live

import (
	"sort"
	"time"

	"github.com/citygrid/citygrid/ops"
)

// A Tick is what changed since the previous tick: for each view (every view
// kept, changed or not), the cells whose count changed, with their new count
// (0 when the cell went cold), and the units that moved or changed status. A Tick is immutable once made.
type Tick struct {
	Seq   uint64
	AsOf  time.Time
	Heat  map[ViewKey]Delta
	Units []Unit // changed units; Gone set for dropped ones
	// Ops is the alerts and dispatches summary when it changed since the
	// previous tick; nil otherwise.
	Ops *ops.Summary
}

// A Delta is one view's change in a tick.
type Delta struct {
	Cells []CellCount // sorted by cell
	Total int64       // the view's total after the change
}

// Tick drops the units that stopped reporting and drains what changed since
// the last call into a Tick.
func (s *State) Tick() Tick {
	s.tick++
	s.expireUnits()
	t := Tick{Seq: s.tick, AsOf: s.now, Heat: map[ViewKey]Delta{}}
	for k, v := range s.views {
		cells := make([]CellCount, 0, len(v.dirty))
		for c := range v.dirty {
			cells = append(cells, CellCount{c, v.counts[c]})
		}
		clear(v.dirty)
		sort.Slice(cells, func(i, j int) bool { return cells[i].Cell < cells[j].Cell })
		t.Heat[k] = Delta{Cells: cells, Total: v.total}
	}
	for id := range s.dirtyUnits {
		if u, ok := s.units[id]; ok {
			t.Units = append(t.Units, *u)
		} else {
			t.Units = append(t.Units, Unit{Gone: true, Position: unitID(id)})
		}
	}
	clear(s.dirtyUnits)
	if s.board.Version() != s.published {
		// The board may hand back the previous summary in an alert storm (see
		// ops.Board.Summary): then a later tick publishes the newer one.
		if sum := s.board.Summary(); sum.Version != s.published {
			s.published = sum.Version
			t.Ops = sum
		}
	}
	sort.Slice(t.Units, func(i, j int) bool { return t.Units[i].Unit < t.Units[j].Unit })
	return t
}

// TickSeq is the sequence number of the last Tick made.
func (s *State) TickSeq() uint64 { return s.tick }
