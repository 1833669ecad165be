package heat

import (
	"cmp"
	"slices"

	"github.com/citygrid/citygrid/geo"
)

// cellIDs numbers the cells of one resolution that incidents have been seen
// in, densely, so views count in arrays instead of maps: the fold's hottest
// loop (every incident changes nine views, every expiry six) then costs an
// array increment per view. A place keeps its cells' ids (place.ids), so an
// incident's cells are looked up once, when its place is first seen. Cells
// are bounded by the city's geography, so ids are never taken back.
type cellIDs struct {
	id    map[geo.Cell]uint32
	cells []geo.Cell // by id
}

func (c *cellIDs) of(cell geo.Cell) uint32 {
	if i, ok := c.id[cell]; ok {
		return i
	}
	if c.id == nil {
		c.id = map[geo.Cell]uint32{}
	}
	i := uint32(len(c.cells))
	c.cells = append(c.cells, cell)
	c.id[cell] = i
	return i
}

// cellCounts is a view's count per cell id and the ids changed since the last
// drain.
type cellCounts struct {
	n       []int32 // by cell id; grows as ids are handed out
	changed []bool  // by cell id: in dirty
	dirty   []uint32
}

// add changes cell id's count by d.
func (cc *cellCounts) add(id uint32, d int32) {
	if int(id) >= len(cc.n) {
		grow := max(int(id)+1, 2*len(cc.n), 64)
		cc.n = append(cc.n, make([]int32, grow-len(cc.n))...)
		cc.changed = append(cc.changed, make([]bool, grow-len(cc.changed))...)
	}
	cc.n[id] += d
	if !cc.changed[id] {
		cc.changed[id] = true
		cc.dirty = append(cc.dirty, id)
	}
}

// get is cell id's count.
func (cc *cellCounts) get(id uint32) int32 {
	if int(id) < len(cc.n) {
		return max(cc.n[id], 0)
	}
	return 0
}

// each calls fn for every cell that counts at least one incident; cells are
// the resolution's cells by id.
func (cc *cellCounts) each(cells []geo.Cell, fn func(geo.Cell, int32)) {
	for id, n := range cc.n {
		if n > 0 {
			fn(cells[id], n)
		}
	}
}

// sorted returns the cells that count at least one incident, sorted by cell.
func (cc *cellCounts) sorted(cells []geo.Cell) []CellCount {
	out := []CellCount{}
	cc.each(cells, func(c geo.Cell, n int32) { out = append(out, CellCount{c, n}) })
	sortCells(out)
	return out
}

// drain returns the cells changed since the last drain with their counts
// (0 for a cell gone cold), sorted by cell.
func (cc *cellCounts) drain(cells []geo.Cell) []CellCount {
	out := make([]CellCount, 0, len(cc.dirty))
	for _, id := range cc.dirty {
		out = append(out, CellCount{cells[id], max(cc.n[id], 0)})
	}
	cc.forget()
	sortCells(out)
	return out
}

// forget clears the changed marks without reporting them.
func (cc *cellCounts) forget() {
	for _, id := range cc.dirty {
		cc.changed[id] = false
	}
	cc.dirty = cc.dirty[:0]
}

func sortCells(cs []CellCount) {
	slices.SortFunc(cs, func(a, b CellCount) int { return cmp.Compare(a.Cell, b.Cell) })
}
