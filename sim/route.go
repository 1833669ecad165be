package sim

import (
	"container/heap"
	"math"
	"sync"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// A dispatched unit drives to its scene, and a straight line from the unit to
// the scene may cross a lake (Jinji Lake lies between Suzhou's old town and
// its business district). It goes round instead: the city is cut into a grid
// of cells about routeCell metres across, a cell is passable when its centre
// is open ground, and A* finds the shortest way over passable cells; the
// path is then straightened (each waypoint as far along as a straight,
// open segment reaches). No road network: a unit drives as the crow flies
// round the water, which is as much as a wall shows.
const routeCell = 250.0 // metres

// A landGrid is the open ground of a profile at routeCell metres. Built once
// per profile, the first time a route is needed, and shared: it is read-only
// afterwards.
type landGrid struct {
	origin     orb.Point // south-west corner of cell (0, 0)
	dLon, dLat float64   // a cell's size in degrees
	cols, rows int
	open       []bool // row-major
	// metres per degree of longitude and latitude, for distances on the grid
	mLon, mLat float64
}

var (
	gridsMu sync.Mutex
	grids   = map[*geo.Profile]*landGrid{}
)

// gridOf returns the profile's land grid, building it on first use.
func gridOf(a *atlas) *landGrid {
	gridsMu.Lock()
	defer gridsMu.Unlock()
	if g := grids[a.p]; g != nil {
		return g
	}
	b := a.p.Bound
	lat := b.Center()[1] * math.Pi / 180
	g := &landGrid{origin: b.Min, mLon: metresPerDegree * math.Cos(lat), mLat: metresPerDegree}
	g.dLon, g.dLat = routeCell/g.mLon, routeCell/g.mLat
	g.cols = int((b.Max[0]-b.Min[0])/g.dLon) + 1
	g.rows = int((b.Max[1]-b.Min[1])/g.dLat) + 1
	g.open = make([]bool, g.cols*g.rows)
	for i := range g.open {
		g.open[i] = a.contains(g.centre(i))
	}
	grids[a.p] = g
	return g
}

func (g *landGrid) centre(i int) orb.Point {
	c, r := i%g.cols, i/g.cols
	return orb.Point{g.origin[0] + (float64(c)+0.5)*g.dLon, g.origin[1] + (float64(r)+0.5)*g.dLat}
}

// nearestOpen is the open cell nearest pt's (its own if open), searched ring
// by ring up to maxRings; -1 if none.
func (g *landGrid) nearestOpen(pt orb.Point, maxRings int) int {
	c := int(math.Floor((pt[0] - g.origin[0]) / g.dLon))
	r := int(math.Floor((pt[1] - g.origin[1]) / g.dLat))
	for k := 0; k <= maxRings; k++ {
		best, bestD := -1, math.Inf(1)
		for dr := -k; dr <= k; dr++ {
			for dc := -k; dc <= k; dc++ {
				if max(abs(dr), abs(dc)) != k {
					continue
				}
				cc, rr := c+dc, r+dr
				if cc < 0 || rr < 0 || cc >= g.cols || rr >= g.rows || !g.open[rr*g.cols+cc] {
					continue
				}
				if d := distance(pt, g.centre(rr*g.cols+cc)); d < bestD {
					best, bestD = rr*g.cols+cc, d
				}
			}
		}
		if best >= 0 {
			return best
		}
	}
	return -1
}

func abs(x int) int { return max(x, -x) }

// path finds the open cells from cell a to cell b by A* over the eight
// neighbours of each cell; nil when b cannot be reached (an island).
func (g *landGrid) path(a, b int) []int {
	dx, dy := g.dLon*g.mLon, g.dLat*g.mLat
	bc, br := b%g.cols, b/g.cols
	h := func(i int) float64 { return math.Hypot(float64(i%g.cols-bc)*dx, float64(i/g.cols-br)*dy) }
	cost := make([]float64, len(g.open))
	for i := range cost {
		cost[i] = math.Inf(1)
	}
	from := make([]int32, len(g.open))
	cost[a] = 0
	open := &cellHeap{{a, h(a)}}
	for open.Len() > 0 {
		cur := heap.Pop(open).(cellCost)
		if cur.i == b {
			var out []int
			for i := b; i != a; i = int(from[i]) {
				out = append(out, i)
			}
			out = append(out, a)
			for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
				out[l], out[r] = out[r], out[l]
			}
			return out
		}
		if cur.f > cost[cur.i]+h(cur.i) {
			continue // a stale entry: the cell was reached more cheaply since
		}
		c, r := cur.i%g.cols, cur.i/g.cols
		for dr := -1; dr <= 1; dr++ {
			for dc := -1; dc <= 1; dc++ {
				cc, rr := c+dc, r+dr
				if (dr == 0 && dc == 0) || cc < 0 || rr < 0 || cc >= g.cols || rr >= g.rows {
					continue
				}
				n := rr*g.cols + cc
				if !g.open[n] {
					continue
				}
				step := dx
				switch {
				case dr != 0 && dc != 0:
					step = math.Hypot(dx, dy)
				case dr != 0:
					step = dy
				}
				if nc := cost[cur.i] + step; nc < cost[n] {
					cost[n], from[n] = nc, int32(cur.i)
					heap.Push(open, cellCost{n, nc + h(n)})
				}
			}
		}
	}
	return nil
}

type cellCost struct {
	i int
	f float64
}

type cellHeap []cellCost

func (h cellHeap) Len() int           { return len(h) }
func (h cellHeap) Less(i, j int) bool { return h[i].f < h[j].f }
func (h cellHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cellHeap) Push(x any)        { *h = append(*h, x.(cellCost)) }
func (h *cellHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// route is the way from a unit at from to a scene at to: the waypoints to
// drive through, the last of them where the unit stands at the scene. That
// is to itself when it is open ground, else the nearest open point (a scene
// on the lake is attended from its shore). A straight, open path is one
// waypoint; when no way over open ground exists (a unit on an island), the
// unit goes straight, and its reports hold its last point on open ground
// until it is on land again (see report).
func (a *atlas) route(from, to orb.Point) []orb.Point {
	if a.contains(to) && a.segmentInside(from, to) {
		return []orb.Point{to}
	}
	g := gridOf(a)
	goal := g.nearestOpen(to, 40)
	start := g.nearestOpen(from, 4)
	if goal < 0 {
		return []orb.Point{to}
	}
	stand := to
	if !a.contains(to) {
		stand = g.centre(goal)
	}
	if start < 0 {
		return []orb.Point{stand}
	}
	cells := g.path(start, goal)
	if cells == nil {
		return []orb.Point{stand}
	}
	pts := make([]orb.Point, 0, len(cells)+1)
	for _, c := range cells[1:] {
		pts = append(pts, g.centre(c))
	}
	pts = append(pts, stand)
	return a.straighten(from, pts)
}

// straighten drops the waypoints a straight, open segment can skip: from the
// current anchor, the path goes as far along pts as it can see.
func (a *atlas) straighten(from orb.Point, pts []orb.Point) []orb.Point {
	var out []orb.Point
	anchor := from
	for i := 0; i < len(pts); {
		j := i
		for j+1 < len(pts) && a.segmentInside(anchor, pts[j+1]) {
			j++
		}
		out = append(out, pts[j])
		anchor = pts[j]
		i = j + 1
	}
	return out
}
