package sim

import (
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"
)

// Hot spots are Gaussian clusters of incidents: a market, a stretch of bars, a
// busy junction. Their centres random-walk so the heat map visibly changes over
// minutes, but are pulled back towards where they started so they do not wander
// out of their district over a long run.
const (
	hotSpots      = 6
	hotShare      = 0.60             // of incidents drawn from hot spots
	districtShare = 0.25             // drawn uniformly within a random district
	driftEvery    = 10 * time.Second // of simulated clock per random-walk step
	driftStep     = 150.0            // metres, standard deviation per step and axis
	driftPull     = 0.02             // share of the way back to the anchor per step
	maxDrift      = 360              // steps per catch-up, so a clock jump stays cheap
)

type hotSpot struct {
	anchor, centre orb.Point
	sigma          float64 // metres
}

// newHotSpots places the hot spots, weighted by how busy each one is.
func newHotSpots(a *atlas, r *rand.Rand) []choice[*hotSpot] {
	spots := make([]choice[*hotSpot], hotSpots)
	for i := range spots {
		c := a.inAnyDistrict(r)
		spots[i] = choice[*hotSpot]{&hotSpot{anchor: c, centre: c, sigma: 800 + r.Float64()*2500}, 0.5 + r.Float64()}
	}
	return spots
}

// drift advances the hot spots' random walk to now. It is driven by the
// injected clock, so a fixed clock means fixed hot spots and deterministic output.
func (s *Simulator) drift(now time.Time) {
	steps := int(now.Sub(s.lastDrift) / driftEvery)
	if steps <= 0 {
		return
	}
	s.lastDrift = s.lastDrift.Add(time.Duration(steps) * driftEvery)
	steps = min(steps, maxDrift)
	for range steps {
		for _, c := range s.spots {
			h := c.v
			pe, pn := delta(h.centre, h.anchor)
			next := offset(h.centre,
				pe*driftPull+s.irng.NormFloat64()*driftStep,
				pn*driftPull+s.irng.NormFloat64()*driftStep)
			if s.atlas.contains(next) {
				h.centre = next
			}
		}
	}
}

// incidentPoint draws where the next incident happens: a hot spot, a random
// district, or anywhere in the city.
func (s *Simulator) incidentPoint() orb.Point {
	r := s.irng
	x := r.Float64()
	switch {
	case x < hotShare:
		h := pick(r, s.spots)
		for range 20 {
			pt := offset(h.centre, r.NormFloat64()*h.sigma, r.NormFloat64()*h.sigma)
			if s.atlas.contains(pt) {
				return pt
			}
		}
		return s.atlas.uniform(r)
	case x < hotShare+districtShare:
		return s.atlas.inAnyDistrict(r)
	default:
		return s.atlas.uniform(r)
	}
}
