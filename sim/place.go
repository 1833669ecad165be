package sim

import (
	"errors"
	"math"
	"math/rand/v2"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// metresPerDegree is the length of one degree of latitude. The simulator works
// in a local flat approximation: at city scale (≈150 km) its error is far below
// anything a map would show, and it is cheap enough for 20,000 events a second.
const metresPerDegree = 111_320.0

// An atlas samples points of a profile. Every point it returns is open
// ground: inside the profile's outline and outside its mask (lakes, rivers,
// no-go land), so no incident or patrol is ever put in the water. Callers
// never need to check again.
type atlas struct {
	p *geo.Profile
	// inside is one point known to be open, the last resort when rejection
	// sampling keeps missing (a very thin or tiny outline).
	inside orb.Point
}

func newAtlas(p *geo.Profile, r *rand.Rand) (*atlas, error) {
	a := &atlas{p: p}
	for range 100_000 {
		if pt := a.inBound(r, p.Bound); a.contains(pt) {
			a.inside = pt
			return a, nil
		}
	}
	return nil, errors.New("sim: could not find a point inside the profile outline and outside its mask")
}

// contains reports whether pt is open ground: inside the outline, outside the mask.
func (a *atlas) contains(pt orb.Point) bool { return a.p.Open(pt) }

func (a *atlas) districtAt(pt orb.Point) *geo.District { return a.p.DistrictAt(pt) }

func (a *atlas) inBound(r *rand.Rand, b orb.Bound) orb.Point {
	return orb.Point{
		b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]),
		b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1]),
	}
}

// uniform is a point uniformly distributed over the city.
func (a *atlas) uniform(r *rand.Rand) orb.Point {
	for range 1000 {
		if pt := a.inBound(r, a.p.Bound); a.contains(pt) {
			return pt
		}
	}
	return a.inside
}

// inAnyDistrict picks a district uniformly and a point uniformly within it, so
// small dense urban districts get as many points as sprawling rural ones: a
// per-area density closer to a real city's than uniform over the outline.
func (a *atlas) inAnyDistrict(r *rand.Rand) orb.Point {
	if len(a.p.Districts) == 0 {
		return a.uniform(r)
	}
	d := &a.p.Districts[r.IntN(len(a.p.Districts))]
	for range 200 {
		// Inside the outline too: district and outline data need not agree exactly.
		if pt := a.inBound(r, d.Bound); d.Contains(pt) && a.contains(pt) {
			return pt
		}
	}
	return a.uniform(r)
}

// offset moves pt by east and north metres.
func offset(pt orb.Point, east, north float64) orb.Point {
	return orb.Point{
		pt[0] + east/(metresPerDegree*math.Cos(pt[1]*math.Pi/180)),
		pt[1] + north/metresPerDegree,
	}
}

// delta returns the east and north metres from a to b.
func delta(a, b orb.Point) (east, north float64) {
	lat := (a[1] + b[1]) / 2 * math.Pi / 180
	return (b[0] - a[0]) * metresPerDegree * math.Cos(lat), (b[1] - a[1]) * metresPerDegree
}

// distance is the distance from a to b in metres.
func distance(a, b orb.Point) float64 {
	e, n := delta(a, b)
	return math.Hypot(e, n)
}

// bearing is the compass heading from a to b in degrees, [0, 360).
func bearing(a, b orb.Point) float64 {
	e, n := delta(a, b)
	d := math.Atan2(e, n) * 180 / math.Pi
	if d < 0 {
		d += 360
	}
	return d
}

// segmentInside reports whether the straight path from a to b stays on open
// ground: a unit should not drive across the lake or out of the city to reach
// a waypoint. The outline is checked every segmentStep metres (its thousands
// of vertices make an exact test dear, and a sliver of outside crossed
// between two checks is never reported: see report); the mask, a few
// polygons of a few dozen vertices, exactly.
func (a *atlas) segmentInside(from, to orb.Point) bool {
	const segmentStep = 150.0
	if a.crossesMask(from, to) {
		return false
	}
	n := int(distance(from, to)/segmentStep) + 1
	for i := 1; i <= n; i++ {
		f := float64(i) / float64(n)
		pt := orb.Point{from[0] + (to[0]-from[0])*f, from[1] + (to[1]-from[1])*f}
		if !a.contains(pt) {
			return false
		}
	}
	return true
}

// crossesMask reports whether the segment from a to b touches any area of
// the mask: an end inside one, or a crossing of one of its edges.
func (a *atlas) crossesMask(from, to orb.Point) bool {
	seg := orb.Bound{Min: from, Max: from}.Extend(to)
	for i := range a.p.Mask {
		m := &a.p.Mask[i]
		if !m.Polygon.Bound().Intersects(seg) {
			continue
		}
		if m.Contains(from) || m.Contains(to) {
			return true
		}
		for _, poly := range m.Polygon {
			for _, ring := range poly {
				for j := 0; j+1 < len(ring); j++ {
					if segmentsCross(from, to, ring[j], ring[j+1]) {
						return true
					}
				}
			}
		}
	}
	return false
}

// segmentsCross reports whether segments pq and rs share a point.
func segmentsCross(p, q, r, s orb.Point) bool {
	side := func(a, b, c orb.Point) float64 { return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0]) }
	within := func(a, b, c orb.Point) bool { // c on the line ab: is it between a and b?
		return min(a[0], b[0]) <= c[0] && c[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= c[1] && c[1] <= max(a[1], b[1])
	}
	d1, d2, d3, d4 := side(r, s, p), side(r, s, q), side(p, q, r), side(p, q, s)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && within(r, s, p)) || (d2 == 0 && within(r, s, q)) || (d3 == 0 && within(p, q, r)) || (d4 == 0 && within(p, q, s))
}
