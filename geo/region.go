package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// A Region is a MultiPolygon indexed for fast point-in-polygon tests.
//
// orb's planar.MultiPolygonContains recomputes each ring's bound on every call:
// about 85 µs a point for Suzhou's outline, too slow for an ingest path or a
// simulator making 20,000 incidents a second. A Region answers the same
// question in well under a microsecond by splitting each ring into vertical
// bands and testing only the edges in the point's band. It replicates orb's ray
// casting exactly (boundary points count as inside); the tests check that its
// answers agree with planar.MultiPolygonContains.
//
// A Region is immutable and safe for concurrent use.
type Region struct {
	bound orb.Bound
	polys [][]bandedRing // per polygon: outer ring, then holes
}

// Bound is the region's bounding box.
func (r *Region) Bound() orb.Bound { return r.bound }

type bandedRing struct {
	bound orb.Bound
	width float64  // of one band, in degrees of longitude
	bands [][]edge // edges whose longitude range overlaps each band
}

type edge struct{ s, e orb.Point }

// NewRegion indexes mp.
func NewRegion(mp orb.MultiPolygon) *Region {
	r := &Region{bound: mp.Bound()}
	for _, p := range mp {
		var rings []bandedRing
		for _, ring := range p {
			rings = append(rings, bandRing(ring))
		}
		r.polys = append(r.polys, rings)
	}
	return r
}

func bandRing(ring orb.Ring) bandedRing {
	b := ring.Bound()
	n := min(max(len(ring)/8, 1), 512)
	br := bandedRing{bound: b, width: (b.Max[0] - b.Min[0]) / float64(n), bands: make([][]edge, n)}
	add := func(s, e orb.Point) {
		lo, hi := br.band(min(s[0], e[0])), br.band(max(s[0], e[0]))
		for i := lo; i <= hi; i++ {
			br.bands[i] = append(br.bands[i], edge{s, e})
		}
	}
	if len(ring) > 0 {
		add(ring[0], ring[len(ring)-1]) // orb tests the closing edge too
	}
	for i := 0; i+1 < len(ring); i++ {
		add(ring[i], ring[i+1])
	}
	return br
}

// band is the band holding longitude x; x must be within the ring's bound.
func (br *bandedRing) band(x float64) int {
	if br.width == 0 {
		return 0
	}
	return min(max(int((x-br.bound.Min[0])/br.width), 0), len(br.bands)-1)
}

// contains mirrors planar.RingContains.
func (br *bandedRing) contains(pt orb.Point) bool {
	if !br.bound.Contains(pt) {
		return false
	}
	in := false
	for _, e := range br.bands[br.band(pt[0])] {
		inter, on := rayIntersect(pt, e.s, e.e)
		if on {
			return true
		}
		if inter {
			in = !in
		}
	}
	return in
}

// Contains reports whether pt is inside the region, as
// planar.MultiPolygonContains would.
func (r *Region) Contains(pt orb.Point) bool {
	if !r.bound.Contains(pt) {
		return false
	}
polygons:
	for _, rings := range r.polys {
		if len(rings) == 0 || !rings[0].contains(pt) {
			continue
		}
		for _, hole := range rings[1:] {
			if hole.contains(pt) {
				continue polygons
			}
		}
		return true
	}
	return false
}

// rayIntersect is orb's planar ray test (github.com/paulmach/orb, MIT licence,
// itself after Rosetta Code's Go ray-casting), copied unchanged so a region
// agrees with orb bit for bit.
func rayIntersect(p, s, e orb.Point) (intersects, on bool) {
	if s[0] > e[0] {
		s, e = e, s
	}

	switch p[0] {
	case s[0]:
		if p[1] == s[1] {
			return false, true
		} else if s[0] == e[0] {
			if s[1] > e[1] && s[1] >= p[1] && p[1] >= e[1] {
				return false, true
			}
			if e[1] > s[1] && e[1] >= p[1] && p[1] >= s[1] {
				return false, true
			}
		}
		p[0] = math.Nextafter(p[0], math.Inf(1))
	case e[0]:
		if p[1] == e[1] {
			return false, true
		}
		p[0] = math.Nextafter(p[0], math.Inf(1))
	}

	if p[0] < s[0] || p[0] > e[0] {
		return false, false
	}

	if s[1] > e[1] {
		if p[1] > s[1] {
			return false, false
		} else if p[1] < e[1] {
			return true, false
		}
	} else {
		if p[1] > e[1] {
			return false, false
		} else if p[1] < s[1] {
			return true, false
		}
	}

	rs := (p[1] - s[1]) / (p[0] - s[0])
	ds := (e[1] - s[1]) / (e[0] - s[0])

	if rs == ds {
		return false, true
	}

	return rs <= ds, false
}
