package geo

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// A Division is one region of a Layer: a district, a street, a community or a
// grid, with its code (the national division code, or a generated one for
// grids), its parent's code at the level above, and its shape.
type Division struct {
	Code   string
	Name   string
	Parent string // code at the level above; empty for the city and districts without one
	// Generated is true for a shape citygrid made up because no real one was
	// published; the UI marks it, and an upload replaces it.
	Generated bool
	// Population is how many people live there, when an upload says so
	// (property population); zero when unknown. The safety index judges
	// rates per resident where a level has it, else per km².
	Population float64
	Shape      orb.MultiPolygon
	Bound      orb.Bound
	region     *Region
	cov        *covers // cells precomputed by the generator, dropped once indexed
}

// Contains reports whether pt lies inside the division, as
// planar.MultiPolygonContains would.
func (d *Division) Contains(pt orb.Point) bool { return d.region.Contains(pt) }

// A Layer is every division of one level, indexed for point lookups.
// A Layer is immutable once made and safe for concurrent use.
type Layer struct {
	Level     Level
	Divisions []Division // sorted by code
	byCode    map[string]int32
	// inside maps an indexRes cell lying wholly inside one division to it, so
	// most lookups are one map read; edge maps a cell a boundary crosses (or
	// comes near) to the divisions it may belong to, tested exactly.
	inside map[Cell]int32
	edge   map[Cell][]int32
	// children lists, by parent code, the divisions of that parent.
	children map[string][]int32
	// generated says every division was made up (none uploaded): such a
	// level is fitted within the real one above it (see Regions.AssignAt).
	generated bool
}

// indexRes is the resolution of a layer's cell index: cells of about 0.1 km²,
// so a boundary crosses few of them.
const indexRes = FineRes

// edgeStep is how finely a boundary is walked to find the cells it crosses, in
// degrees: well under a cell's inradius (about 150 m at indexRes), so every
// cell a boundary crosses is a neighbour of a sampled one.
const edgeStep = 0.0005

// NewLayer indexes divisions as the layer of level. The divisions are sorted
// by code; their codes must be unique. Shapes are indexed through an H3 cover:
// cells wholly inside one division answer with a map read, and only cells a
// boundary crosses are tested exactly.
func NewLayer(level Level, divisions []Division) (*Layer, error) {
	l := &Layer{Level: level, Divisions: divisions, byCode: make(map[string]int32, len(divisions)),
		children: map[string][]int32{}, generated: len(divisions) > 0}
	sort.Slice(divisions, func(i, j int) bool { return divisions[i].Code < divisions[j].Code })
	for i := range divisions {
		d := &divisions[i]
		if _, dup := l.byCode[d.Code]; dup {
			return nil, &LayerError{Feature: -1, Field: "properties.code", Reason: fmt.Sprintf("%s layer: code %q appears twice", level, d.Code)}
		}
		l.byCode[d.Code] = int32(i)
		l.children[d.Parent] = append(l.children[d.Parent], int32(i))
		l.generated = l.generated && d.Generated
		d.Bound = d.Shape.Bound()
		if d.region == nil {
			d.region = NewRegion(d.Shape)
		}
	}
	if level != LevelCity { // one division: its Region answers directly
		l.index()
	}
	for i := range divisions {
		divisions[i].cov = nil // only needed to index
	}
	return l, nil
}

// covers are the cells found for one division: those whose centre is inside,
// and those near its boundary.
type covers struct {
	inner, edge []Cell
}

func (l *Layer) index() {
	cov := make([]covers, len(l.Divisions))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				cov[i] = coverDivision(&l.Divisions[i])
			}
		}()
	}
	for i := range l.Divisions {
		next <- i
	}
	close(next)
	wg.Wait()

	n := 0
	for _, c := range cov {
		n += len(c.inner)
	}
	cands := make(map[Cell][]int32, n)
	edge := map[Cell]bool{}
	for i, c := range cov {
		for _, cell := range c.inner {
			cands[cell] = appendOnce(cands[cell], int32(i))
		}
		for _, cell := range c.edge {
			cands[cell] = appendOnce(cands[cell], int32(i))
			edge[cell] = true
		}
	}
	l.inside = make(map[Cell]int32, len(cands))
	l.edge = make(map[Cell][]int32, len(edge))
	for cell, ds := range cands {
		if len(ds) == 1 && !edge[cell] {
			l.inside[cell] = ds[0]
		} else {
			l.edge[cell] = ds
		}
	}
}

func appendOnce(s []int32, v int32) []int32 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// coverDivision finds a division's cells. A generated division comes with
// them (cellGraph.cover). Any other shape is covered by the cells whose
// centres are inside, and its rings are walked for edge cells.
func coverDivision(d *Division) covers {
	if d.cov != nil {
		return *d.cov
	}
	c := covers{inner: coverRegion(d, indexRes)}
	seen := map[Cell]bool{}
	for _, p := range d.Shape {
		for _, ring := range p {
			for i := range ring {
				a, b := ring[i], ring[(i+1)%len(ring)]
				steps := int(math.Max(math.Abs(b[0]-a[0]), math.Abs(b[1]-a[1]))/edgeStep) + 1
				for s := 0; s <= steps; s++ {
					f := float64(s) / float64(steps)
					cell := CellOf(orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}, indexRes)
					if seen[cell] {
						continue
					}
					seen[cell] = true
				}
			}
		}
	}
	ring := map[Cell]bool{}
	for cell := range seen {
		for _, n := range cell.Disk(1) {
			ring[n] = true
		}
	}
	for cell := range ring {
		c.edge = append(c.edge, cell)
	}
	return c
}

// Locate returns the division holding pt, or nil. Where divisions overlap, the
// one with the lowest code wins.
func (l *Layer) Locate(pt orb.Point) *Division {
	if l == nil {
		return nil
	}
	return l.locate(pt, CellOf(pt, indexRes))
}

// locate is Locate with pt's cell at indexRes already known.
func (l *Layer) locate(pt orb.Point, cell Cell) *Division {
	if l == nil {
		return nil
	}
	if l.inside == nil {
		for i := range l.Divisions {
			if l.Divisions[i].Contains(pt) {
				return &l.Divisions[i]
			}
		}
		return nil
	}
	if i, ok := l.inside[cell]; ok {
		return &l.Divisions[i]
	}
	// A cell's candidates are in division order (see index), so the first
	// that holds pt is the lowest-numbered: the one a point on a boundary
	// two divisions share goes to.
	for _, i := range l.edge[cell] {
		if l.Divisions[i].Contains(pt) {
			return &l.Divisions[i]
		}
	}
	return nil
}

// fitRings is how far (in indexRes cells, about 170 m each) locateWithin
// looks for the nearest division of a parent before falling back to the
// nearest by bounds.
const fitRings = 4

// locateWithin returns the division of parent that holds pt; if none does
// (pt lies in a division of another parent, or in none), the division of
// parent nearest to it: first by cells around pt's, then by bounds. It is nil
// only when parent has no divisions at this level.
func (l *Layer) locateWithin(pt orb.Point, cell Cell, parent string) *Division {
	if l == nil {
		return nil
	}
	if d := l.locate(pt, cell); d != nil && d.Parent == parent {
		return d
	}
	kids := l.children[parent]
	if len(kids) == 0 {
		return nil
	}
	if l.inside != nil {
		// Overlapping divisions: one of parent's may hold pt too.
		for _, i := range l.edge[cell] {
			if l.Divisions[i].Parent == parent && l.Divisions[i].Contains(pt) {
				return &l.Divisions[i]
			}
		}
		// The nearest cell, ring by ring, that belongs to one of parent's.
		seen := map[Cell]bool{cell: true}
		for k := 1; k <= fitRings; k++ {
			best := int32(-1)
			bestDist := math.Inf(1)
			for _, c := range cell.Disk(k) {
				if seen[c] {
					continue
				}
				seen[c] = true
				for _, i := range l.candidates(c) {
					if l.Divisions[i].Parent != parent {
						continue
					}
					if dist := planarDistance(pt, c.Center()); dist < bestDist || dist == bestDist && i < best {
						best, bestDist = i, dist
					}
				}
			}
			if best >= 0 {
				return &l.Divisions[best]
			}
		}
	}
	best, bestDist := kids[0], math.Inf(1)
	for _, i := range kids {
		if dist := boundDistance(l.Divisions[i].Bound, pt); dist < bestDist {
			best, bestDist = i, dist
		}
	}
	return &l.Divisions[best]
}

// candidates are the divisions a cell may belong to.
func (l *Layer) candidates(c Cell) []int32 {
	if i, ok := l.inside[c]; ok {
		return []int32{i}
	}
	return l.edge[c]
}

// planarDistance is the distance between two points in degrees, longitude
// scaled by the latitude's cosine: enough to rank nearby cells.
func planarDistance(a, b orb.Point) float64 {
	dx := (a[0] - b[0]) * math.Cos(a[1]*math.Pi/180)
	return math.Hypot(dx, a[1]-b[1])
}

// boundDistance is planarDistance from pt to the nearest point of b.
func boundDistance(b orb.Bound, pt orb.Point) float64 {
	return planarDistance(pt, orb.Point{max(b.Min[0], min(pt[0], b.Max[0])), max(b.Min[1], min(pt[1], b.Max[1]))})
}

// Division returns the division with code, or nil.
func (l *Layer) Division(code string) *Division {
	if l == nil {
		return nil
	}
	if i, ok := l.byCode[code]; ok {
		return &l.Divisions[i]
	}
	return nil
}

// Len is the number of divisions.
func (l *Layer) Len() int {
	if l == nil {
		return 0
	}
	return len(l.Divisions)
}

// coverRegion returns the cells at res whose centres lie in d's shape. h3's
// polygonToCells is slow for shapes of a thousand vertices (seconds for a
// district); walking the children of the coarse cells over the bounding box
// and testing their centres against the banded Region is many times faster.
func coverRegion(d *Division, res int) []Cell {
	var out []Cell
	cells, centers := cellsInBound(d.Bound, res)
	for i, c := range cells {
		if d.region.Contains(centers[i]) {
			out = append(out, c)
		}
	}
	return out
}

// cellsInBound returns the cells at res whose centres lie in b (and a few
// around it): the children of every coarse cell a grid of samples over b
// touches, with their neighbours. The coarse resolution is picked so the
// overhang past b stays small.
func cellsInBound(b orb.Bound, res int) ([]Cell, []orb.Point) {
	if cells, centers, ok := cellsInSmallBound(b, res); ok {
		return cells, centers
	}
	span := math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]) * 111 // km, roughly
	coarse := res
	for coarse > 0 && coarse > res-5 && h3.HexagonEdgeLengthAvgKm(coarse-1) < span/16 {
		coarse--
	}
	step := h3.HexagonEdgeLengthAvgKm(coarse) / 111 / 2 // degrees, half a coarse edge
	parents := map[h3.Cell]bool{}
	for y := b.Min[1]; ; y += step {
		for x := b.Min[0]; ; x += step {
			parents[h3.LatLngToCell(LatLng(orb.Point{min(x, b.Max[0]), min(y, b.Max[1])}), coarse)] = true
			if x >= b.Max[0] {
				break
			}
		}
		if y >= b.Max[1] {
			break
		}
	}
	ring := map[h3.Cell]bool{}
	for p := range parents {
		for _, n := range p.GridDisk(1) {
			ring[n] = true
		}
	}
	keys := make([]h3.Cell, 0, len(ring))
	for p := range ring {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	var out []Cell
	var centers []orb.Point
	for _, p := range keys {
		for _, c := range p.Children(res) {
			ll := c.LatLng()
			if pt := (orb.Point{ll.Lng, ll.Lat}); b.Contains(pt) {
				out = append(out, Cell(c))
				centers = append(centers, pt)
			}
		}
	}
	return out, centers
}

// cellsInSmallBound is cellsInBound for a bound a few hundred cells across:
// one grid disk around its centre cell (one h3 call) instead of coarse
// parents, so a map tile's cells cost about one h3 call each. ok is false for
// bounds too large for one disk.
func cellsInSmallBound(b orb.Bound, res int) (cells []Cell, centers []orb.Point, ok bool) {
	c := b.Center()
	dx := (b.Max[0] - b.Min[0]) * 111 * math.Cos(c[1]*math.Pi/180)
	dy := (b.Max[1] - b.Min[1]) * 111
	// Centres of neighbouring cells are √3 edges apart; edges vary by cell, so
	// assume one a fifth shorter than average.
	step := math.Sqrt(3) * h3.HexagonEdgeLengthAvgKm(res) * 0.8
	k := int(math.Ceil(math.Hypot(dx, dy)/2/step)) + 1
	for ; 3*k*(k+1)+1 <= 20000; k *= 2 {
		cells, centers = cells[:0], centers[:0]
		rings := h3.LatLngToCell(LatLng(c), res).GridDiskDistances(k)
		outer := false // a centre inside b in the outermost ring: k was too small
		for d, ring := range rings {
			for _, cell := range ring {
				ll := cell.LatLng()
				if pt := (orb.Point{ll.Lng, ll.Lat}); b.Contains(pt) {
					cells = append(cells, Cell(cell))
					centers = append(centers, pt)
					outer = outer || d == k
				}
			}
		}
		if !outer {
			return cells, centers, true
		}
	}
	return nil, nil, false
}

// CellsInBound returns the cells at res whose centres lie in b, sorted.
func CellsInBound(b orb.Bound, res int) []Cell {
	cells, _ := cellsInBound(b, res)
	slices.Sort(cells)
	return cells
}
