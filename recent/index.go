// Package recent indexes the incidents of the last day by the cells that
// hold them, as a fold of the live loop: the incidents of one cell are then
// read from the streams by their entry ids, instead of reading a shard's
// stream back until enough of them turn up (a busy shard cost 20,000 entries a
// query, and a wall polling it slowed every feed).
package recent

import (
	"slices"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

// DefaultPerCell is how many incidents a cell keeps by default: the most an
// incidents query answers.
const DefaultPerCell = 500

// sweepEvery is how often cells no incident reached lately drop what left the
// horizon: a sweep walks every cell, so not on every batch.
const sweepEvery = time.Minute

// A Ref is where an indexed incident is stored: the stream entry (its shard
// goes by its fine cell) and when it happened.
type Ref struct {
	At   int64    // event time, Unix milliseconds
	ms   uint64   // the entry id's time part
	seq  uint64   // the entry id's sequence part
	Fine geo.Cell // its cell at geo.FineRes, which names its shard
}

// ID is the stream entry id ("<ms>-<seq>").
func (r Ref) ID() string {
	return strconv.FormatUint(r.ms, 10) + "-" + strconv.FormatUint(r.seq, 10)
}

// Time is when the incident happened.
func (r Ref) Time() time.Time { return time.UnixMilli(r.At) }

// An Index is a live.Fold: for every cell at every heat resolution, the refs
// of its newest incidents (by event time) of the last Horizon, at most PerCell
// of them. It is used on the loop's goroutine only; ask it through the loop.
type Index struct {
	horizon   time.Duration
	perCell   int
	now       time.Time
	lastSweep time.Time
	cells     map[geo.Cell]*cellRefs
	ids       idRing
}

// cellRefs are one cell's refs, oldest first by event time.
type cellRefs struct {
	refs []Ref
	// capped is the newest event time dropped to keep PerCell: the cell
	// lacks some incidents at or before it that are within the horizon.
	capped int64
}

// NewIndex returns an empty index keeping horizon (the widest window) and
// perCell refs per cell (zero means DefaultPerCell).
func NewIndex(horizon time.Duration, perCell int) *Index {
	if perCell <= 0 {
		perCell = DefaultPerCell
	}
	return &Index{horizon: horizon, perCell: perCell, cells: map[geo.Cell]*cellRefs{}, ids: newIDRing(DefaultIDs)}
}

var _ live.Fold = (*Index)(nil)

// Advance moves the index's clock.
func (x *Index) Advance(now time.Time) { x.now = now }

// Apply indexes an incident by its cell at every heat resolution; other
// events, and incidents already past the horizon, are not kept.
func (x *Index) Apply(_ *live.Env, e *geo.Event) {
	if e.Kind != geo.KindIncident || e.ID == "" {
		return
	}
	in := &e.Incident
	at := in.Time.UnixMilli()
	if at < x.oldest() {
		return
	}
	ms, seq := geo.SplitID(e.ID)
	cells := in.HeatCells()
	ref := Ref{At: at, ms: ms, seq: seq, Fine: cells.Fine()}
	for _, c := range cells {
		x.add(c, ref)
	}
	x.ids.put(in.ID, ref)
}

// Tick drops, once a minute, what left the horizon from every cell.
func (x *Index) Tick(_ *live.Env, _ *live.Tick) {
	if x.now.Sub(x.lastSweep) < sweepEvery {
		return
	}
	x.lastSweep = x.now
	oldest := x.oldest()
	for c, cr := range x.cells {
		cr.dropBefore(oldest)
		if len(cr.refs) == 0 {
			delete(x.cells, c)
		}
	}
}

// Cells is how many cells hold an incident, for the metrics.
func (x *Index) Cells() int { return len(x.cells) }

func (x *Index) oldest() int64 { return x.now.Add(-x.horizon).UnixMilli() }

func (x *Index) add(c geo.Cell, ref Ref) {
	cr := x.cells[c]
	if cr == nil {
		cr = &cellRefs{}
		x.cells[c] = cr
	}
	// Incidents arrive nearly in event-time order: find the place from the end.
	i := len(cr.refs)
	for i > 0 && cr.refs[i-1].At > ref.At {
		i--
	}
	cr.refs = slices.Insert(cr.refs, i, ref)
	if len(cr.refs) > x.perCell {
		cr.capped = max(cr.capped, cr.refs[0].At)
		cr.refs = cr.refs[1:] // not shifted: append moves the rest now and then
	}
	if len(cr.refs) > 0 && cr.refs[0].At < x.oldest() {
		cr.dropBefore(x.oldest())
	}
}

func (cr *cellRefs) dropBefore(oldest int64) {
	i := 0
	for i < len(cr.refs) && cr.refs[i].At < oldest {
		i++
	}
	cr.refs = cr.refs[i:]
}

// ByID returns where the incident with the id is stored, if it arrived within
// the horizon and is among the last DefaultIDs to arrive. Two sources may
// share an id: the newest of them is given.
func (x *Index) ByID(id string) (Ref, bool) {
	ref, ok := x.ids.get(id)
	if !ok || ref.At < x.oldest() {
		return Ref{}, false
	}
	return ref, true
}

// Newest returns the refs of cell's incidents that happened at or after from,
// newest first, at most limit of them; truncated says more may exist (more
// matched than limit, or the cell dropped some of them to keep PerCell).
func (x *Index) Newest(cell geo.Cell, from time.Time, limit int) (refs []Ref, truncated bool) {
	cr := x.cells[cell]
	if cr == nil {
		return nil, false
	}
	f := max(from.UnixMilli(), x.oldest())
	for i := len(cr.refs) - 1; i >= 0 && cr.refs[i].At >= f; i-- {
		if len(refs) == limit {
			return refs, true
		}
		refs = append(refs, cr.refs[i])
	}
	return refs, cr.capped >= f
}
