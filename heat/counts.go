package heat

import (
	"cmp"
	"slices"

	"github.com/citygrid/citygrid/geo"
)

// cellCounts is a view's count per cell and the cells changed since the last
// drain. It is the fold's hottest structure (every incident changes nine of
// them, and every expiry six), so one change costs one map lookup: the map
// gives a slot, and the count and the changed mark live in the slot.
type cellCounts struct {
	index map[geo.Cell]int32
	slots []cellSlot
	free  []int32 // slots of cells gone cold, to be reused
	dirty []int32 // slots changed since the last drain
}

type cellSlot struct {
	cell  geo.Cell
	n     int32
	dirty bool
}

func newCellCounts() cellCounts { return cellCounts{index: map[geo.Cell]int32{}} }

// add changes c's count by d. A cell whose count falls to 0 keeps its slot
// until the next drain, which reports the 0.
func (cc *cellCounts) add(c geo.Cell, d int32) {
	i, ok := cc.index[c]
	if !ok {
		if n := len(cc.free); n > 0 {
			i, cc.free = cc.free[n-1], cc.free[:n-1]
			cc.slots[i] = cellSlot{cell: c}
		} else {
			i = int32(len(cc.slots))
			cc.slots = append(cc.slots, cellSlot{cell: c})
		}
		cc.index[c] = i
	}
	s := &cc.slots[i]
	s.n += d
	if !s.dirty {
		s.dirty = true
		cc.dirty = append(cc.dirty, i)
	}
}

// get is c's count.
func (cc *cellCounts) get(c geo.Cell) int32 {
	if i, ok := cc.index[c]; ok {
		return max(cc.slots[i].n, 0)
	}
	return 0
}

// each calls fn for every cell that counts at least one incident.
func (cc *cellCounts) each(fn func(geo.Cell, int32)) {
	for i := range cc.slots {
		if s := &cc.slots[i]; s.n > 0 {
			fn(s.cell, s.n)
		}
	}
}

// sorted returns the cells that count at least one incident, sorted by cell.
func (cc *cellCounts) sorted() []CellCount {
	out := make([]CellCount, 0, len(cc.index))
	cc.each(func(c geo.Cell, n int32) { out = append(out, CellCount{c, n}) })
	sortCells(out)
	return out
}

// drain returns the cells changed since the last drain with their counts
// (0 for a cell gone cold), sorted by cell, and frees the cold cells' slots.
func (cc *cellCounts) drain() []CellCount {
	out := make([]CellCount, 0, len(cc.dirty))
	for _, i := range cc.dirty {
		s := &cc.slots[i]
		out = append(out, CellCount{s.cell, max(s.n, 0)})
	}
	cc.forget()
	sortCells(out)
	return out
}

// forget clears the changed marks without reporting them.
func (cc *cellCounts) forget() {
	for _, i := range cc.dirty {
		s := &cc.slots[i]
		s.dirty = false
		if s.n <= 0 {
			delete(cc.index, s.cell)
			*s = cellSlot{}
			cc.free = append(cc.free, i)
		}
	}
	cc.dirty = cc.dirty[:0]
}

func sortCells(cs []CellCount) {
	slices.SortFunc(cs, func(a, b CellCount) int { return cmp.Compare(a.Cell, b.Cell) })
}
