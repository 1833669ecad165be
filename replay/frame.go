package replay

import (
	"time"

	"github.com/citygrid/citygrid/heat"
)

// A Frame is what a session sends: the state of the replayed heat view,
// units and layers at At (Snapshot), or what changed since the previous
// frame.
type Frame struct {
	Snapshot bool
	Seq      uint64 // the session's frame number, from 1
	At       time.Time
	From, To time.Time
	Speed    float64
	Paused   bool
	// Ended is set on the last frame: the replay reached To, or failed (Err).
	Ended bool
	Err   string
	View  heat.ViewKey
	// Cells are the view's cells (a snapshot) or those whose count changed,
	// with the new count (a delta); Total is the view's total.
	Cells  []heat.CellCount
	Total  int64
	Totals heat.Totals
	// Units are every unit (a snapshot) or those that moved or went.
	Units []heat.Unit
	// Layers are the requested whole-state layers (a snapshot), or those
	// that changed since the previous frame, by name, each encoded as the
	// JSON object members a frame carries (live.Tick.Layers).
	Layers map[string][]byte
}
