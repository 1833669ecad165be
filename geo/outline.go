package geo

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// vkey is a vertex rounded to 1e-9 degrees (0.1 mm), so the corner two
// neighbouring cells share compares equal whichever cell computed it.
type vkey [2]int64

func keyOf(p orb.Point) vkey {
	return vkey{int64(math.Round(p[0] * 1e9)), int64(math.Round(p[1] * 1e9))}
}

func (k vkey) point() orb.Point { return orb.Point{float64(k[0]) / 1e9, float64(k[1]) / 1e9} }

// A vedge is a directed edge between two rounded vertices.
type vedge struct{ a, b vkey }

// assemble chains the boundary edges of a union of cells into rings: rings
// turning the same way as a cell (sign: the sign of a cell's signed area) are
// outer, the others holes of the smallest outer ring around them. The result is
// deterministic for a given set of edges.
func assemble(live []vedge, sign bool) orb.MultiPolygon {
	edges := live // sorted in place: the caller's slice is scratch
	less := func(x, y vkey) bool { return x[0] < y[0] || (x[0] == y[0] && x[1] < y[1]) }
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].a != edges[j].a {
			return less(edges[i].a, edges[j].a)
		}
		return less(edges[i].b, edges[j].b)
	})
	// Edges leaving a vertex are a run of the sorted slice: no maps, which
	// matters when tens of thousands of small shapes are made at start.
	used := make([]bool, len(edges))
	var rings []orb.Ring
	for s, e := range edges {
		if used[s] {
			continue
		}
		used[s] = true
		ring := orb.Ring{e.a.point()}
		cur := e.b
		for cur != e.a {
			ring = append(ring, cur.point())
			next := -1
			for i := sort.Search(len(edges), func(i int) bool { return !less(edges[i].a, cur) }); i < len(edges) && edges[i].a == cur; i++ {
				if !used[i] {
					next = i
					break
				}
			}
			if next < 0 {
				break // cannot happen for a union of closed rings
			}
			used[next] = true
			cur = edges[next].b
		}
		rings = append(rings, append(ring, ring[0]))
	}
	if len(rings) == 0 {
		return nil
	}
	var mp orb.MultiPolygon
	var holes []orb.Ring
	for _, r := range rings {
		if (signedArea(r) > 0) == sign {
			mp = append(mp, orb.Polygon{r})
		} else {
			holes = append(holes, r)
		}
	}
	for _, h := range holes {
		best, area := -1, math.Inf(1)
		for i, p := range mp {
			if a := math.Abs(signedArea(p[0])); a < area && planar.RingContains(p[0], h[0]) {
				best, area = i, a
			}
		}
		if best >= 0 {
			mp[best] = append(mp[best], h)
		}
	}
	return mp
}

func signedArea(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}
