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

// An atlas samples points of a profile. Every point it returns is inside the
// profile's outline: callers never need to check again.
type atlas struct {
	p *geo.Profile
	// inside is one point known to be inside the outline, the last resort when
	// rejection sampling keeps missing (a very thin or tiny outline).
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
	return nil, errors.New("sim: could not find a point inside the profile outline")
}

func (a *atlas) contains(pt orb.Point) bool { return a.p.Contains(pt) }

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

// segmentInside reports whether the straight path from a to b stays inside the
// outline, checked every segmentStep metres: a unit should not drive across the
// lake or out of the city to reach a waypoint.
func (a *atlas) segmentInside(from, to orb.Point) bool {
	const segmentStep = 150.0
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
