package geo

import (
	"errors"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// FineRes is the finest resolution every event is indexed at (about 0.1 km²,
// close to a grid's size): its shard, its dedupe and its dispatch distances go
// by it.
const FineRes = 9

// HeatResolutions are the resolutions the live heat is kept at, coarsest
// first: every event is indexed at each of them (Cells).
var HeatResolutions = []int{minHeatRes, 8, FineRes}

const minHeatRes = 7

// Cells are a point's cells at every heat resolution: at each, the hexagon
// that contains the point (H3's latLngToCell), as kepler.gl, BigQuery or
// deck.gl mean by "the res-8 cell of a point". They are not the parents of
// one another: a res-9 cell's parent does not contain all of the res-9 cell
// (about 9 % of points at res 8 lie outside their res-9 cell's parent), so a
// count a map draws takes each resolution's cell from the point. Parents are
// for what containment does not matter to: shards and coarse topics.
type Cells [FineRes - minHeatRes + 1]Cell

// CellsOf returns p's cells at every heat resolution.
func CellsOf(p orb.Point) Cells {
	var c Cells
	for i := range c {
		c[i] = CellOf(p, minHeatRes+i)
	}
	return c
}

// At returns the cell at res, a heat resolution; the zero Cell otherwise.
func (c Cells) At(res int) Cell {
	if res < minHeatRes || res > FineRes {
		return 0
	}
	return c[res-minHeatRes]
}

// IsZero reports whether no cell is set.
func (c Cells) IsZero() bool { return c == Cells{} }

// Fine is the cell at FineRes.
func (c Cells) Fine() Cell { return c[len(c)-1] }

// ErrBadCell is returned for a string that is not a valid H3 cell.
var ErrBadCell = errors.New("geo: not a valid H3 cell")

// Cell is an H3 cell index. The zero Cell is invalid and means "no cell".
type Cell uint64

// LatLng converts an orb point ([lon, lat]) to h3's {Lat, Lng}.
func LatLng(p orb.Point) h3.LatLng { return h3.NewLatLng(p.Lat(), p.Lon()) }

// CellOf returns the cell of p at resolution res.
func CellOf(p orb.Point, res int) Cell { return Cell(h3.LatLngToCell(LatLng(p), res)) }

// ParseCell parses the hex form of a cell, as String writes it.
func ParseCell(s string) (Cell, error) {
	c := h3.Cell(h3.IndexFromString(s))
	if !c.IsValid() {
		return 0, fmt.Errorf("%w: %q", ErrBadCell, s)
	}
	return Cell(c), nil
}

// String is the cell's lower-case hex form, as H3 libraries print it.
func (c Cell) String() string { return h3.Cell(c).String() }

// Res is the cell's resolution.
func (c Cell) Res() int { return h3.Cell(c).Resolution() }

// Valid reports whether c is a valid H3 cell.
func (c Cell) Valid() bool { return h3.Cell(c).IsValid() }

// Parent returns the cell's ancestor at resolution res (c itself at its own res).
func (c Cell) Parent(res int) Cell {
	if res == c.Res() {
		return c
	}
	return Cell(h3.Cell(c).Parent(res))
}

// Center is the cell's centre as an orb point.
func (c Cell) Center() orb.Point {
	ll := h3.Cell(c).LatLng()
	return orb.Point{ll.Lng, ll.Lat}
}

// Disk returns the cells within k grid steps of c, c included.
func (c Cell) Disk(k int) []Cell { return fromH3(h3.Cell(c).GridDisk(k)) }

// Children returns the cell's descendants at res (finer than its own).
func (c Cell) Children(res int) []Cell { return fromH3(h3.Cell(c).Children(res)) }

// Boundary returns the cell's outline as a closed ring.
func (c Cell) Boundary() orb.Ring {
	b := h3.Cell(c).Boundary()
	r := make(orb.Ring, 0, len(b)+1)
	for _, ll := range b {
		r = append(r, orb.Point{ll.Lng, ll.Lat})
	}
	return append(r, r[0])
}

// CoverPolygon returns the cells at res whose centres lie in p.
func CoverPolygon(p orb.Polygon, res int) []Cell {
	if len(p) == 0 {
		return nil
	}
	gp := h3.GeoPolygon{GeoLoop: loop(p[0])}
	for _, hole := range p[1:] {
		gp.Holes = append(gp.Holes, loop(hole))
	}
	return fromH3(h3.PolygonToCells(gp, res))
}

func loop(r orb.Ring) h3.GeoLoop {
	l := make(h3.GeoLoop, 0, len(r))
	for _, pt := range r {
		l = append(l, LatLng(pt))
	}
	return l
}

func fromH3(cs []h3.Cell) []Cell {
	out := make([]Cell, 0, len(cs))
	for _, c := range cs {
		if c != 0 {
			out = append(out, Cell(c))
		}
	}
	return out
}

// GridDistance is the number of H3 steps from c to other, both at the same
// resolution; ok is false when H3 cannot tell (different resolutions, or cells
// too far apart or across a pentagon), which callers treat as "far".
func (c Cell) GridDistance(other Cell) (n int, ok bool) {
	if c == other {
		return 0, true
	}
	if c.Res() != other.Res() {
		return 0, false
	}
	// h3-go drops the library's error and answers 0; two distinct cells are
	// never 0 apart, so 0 here means the library failed.
	n = h3.Cell(c).GridDistance(h3.Cell(other))
	return n, n > 0
}
