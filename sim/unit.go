package sim

import (
	"math"

	"github.com/paulmach/orb"
)

// A kindSpec says how one kind of patrol unit moves.
type kindSpec struct {
	name               string
	share              float64 // of the fleet
	minSpeed, maxSpeed float64 // m/s on patrol
	rush               float64 // m/s when dispatched
	radius             float64 // metres around its post the unit patrols
	pause              float64 // mean seconds spent at a waypoint
}

// kinds: patrol cars cover a few kilometres at urban driving speeds; foot
// patrols walk a beat, and walk to a scene too, at about 5 km/h (a unit's
// speed is its kind's, never a car's); grid workers walk or ride an e-bike
// around their grid; mediators travel across a district to the parties they
// meet.
var kinds = []kindSpec{
	{"car", 40, 5, 12, 16, 6000, 60},
	{"foot", 25, 1.0, 1.4, walkingSpeed, 800, 90},
	{"grid-worker", 25, 1.0, 4.5, 5.5, 1200, 180},
	{"mediator", 10, 3, 9, 11, 4000, 300},
}

// walkingSpeed is a brisk walk, 5 km/h, in m/s.
const walkingSpeed = 5 / 3.6

const (
	available  = "available"
	dispatched = "dispatched"
	busy       = "busy"
	offDuty    = "off-duty"
)

// statusMean is how long, in seconds, a unit typically stays in each status.
// With statusNext the fleet is available about two thirds of the time.
var statusMean = map[string]float64{available: 1200, dispatched: 240, busy: 480, offDuty: 900}

// statusNext is what a status turns into: dispatched to a scene, busy there,
// then back on patrol; now and then a break.
var statusNext = map[string][]choice[string]{
	available:  {{dispatched, 85}, {offDuty, 15}},
	dispatched: {{busy, 1}},
	busy:       {{available, 90}, {offDuty, 10}},
	offDuty:    {{available, 1}},
}

// statusStart is roughly the chain's steady state, so a fresh fleet already
// looks like it has been on shift for a while.
var statusStart = []choice[string]{{available, 65}, {dispatched, 8}, {busy, 15}, {offDuty, 12}}

// A unit is one patrol unit's state. Times are float seconds: the movement
// arithmetic is simpler and nothing needs nanosecond precision.
type unit struct {
	id         string
	kind       *kindSpec
	home       orb.Point // centre of its beat
	pos        orb.Point
	target     orb.Point // current waypoint
	leg        float64   // m/s on the current leg
	pause      float64   // seconds left at the current waypoint
	heading    float64
	status     string
	statusLeft float64
	reportIn   float64
	lastGood   orb.Point // last reported position, known to be inside the outline
	order      *order    // the server's dispatch it is on, if any
}

// travelling reports whether the unit is on the move right now.
func (u *unit) travelling() bool {
	return (u.status == available || u.status == dispatched) && u.pause <= 0 && u.pos != u.target
}

// advance moves u forward dt seconds, changing status whenever it falls due.
// Movement is simulated in status-sized chunks so a unit never keeps patrolling
// past the moment it was dispatched. A unit on an order follows the order
// instead; the chain picks up again once the order ends.
func (s *Simulator) advance(u *unit, dt float64) {
	if u.order != nil {
		s.follow(u, dt)
		return
	}
	for dt > 0 {
		step := min(dt, u.statusLeft)
		s.move(u, step)
		u.statusLeft -= step
		dt -= step
		if u.statusLeft <= 0 {
			s.setStatus(u, pick(s.urng, statusNext[u.status]))
		}
	}
}

// move travels along waypoints for dt seconds. Busy and off-duty units stay put.
func (s *Simulator) move(u *unit, dt float64) {
	if u.status == busy || u.status == offDuty {
		return
	}
	for dt > 0 {
		if u.pause > 0 {
			p := min(dt, u.pause)
			u.pause -= p
			dt -= p
			if u.pause <= 0 {
				s.newLeg(u, u.home, u.kind.radius, false)
			}
			continue
		}
		d := distance(u.pos, u.target)
		if d < 0.5 || u.leg <= 0 {
			u.pos = u.target
			s.arrive(u)
			continue
		}
		u.heading = bearing(u.pos, u.target)
		if step := u.leg * dt; step < d {
			f := step / d
			u.pos = orb.Point{u.pos[0] + (u.target[0]-u.pos[0])*f, u.pos[1] + (u.target[1]-u.pos[1])*f}
			return
		}
		dt -= d / u.leg
		u.pos = u.target
		s.arrive(u)
	}
}

// arrive pauses u at its waypoint: a dispatched unit stays at the scene until
// its status moves on; a patrolling one lingers a while before the next leg.
func (s *Simulator) arrive(u *unit) {
	if u.status == dispatched {
		u.pause = u.statusLeft + 1
		return
	}
	u.pause = max(5, s.urng.ExpFloat64()*u.kind.pause)
}

// newLeg sends u towards a random waypoint within radius of centre whose
// straight path stays inside the city. If none is found, u waits and tries again.
func (s *Simulator) newLeg(u *unit, centre orb.Point, radius float64, rush bool) {
	r := s.urng
	u.leg = u.kind.minSpeed + r.Float64()*(u.kind.maxSpeed-u.kind.minSpeed)
	if rush {
		u.leg = u.kind.rush
	}
	for range 12 {
		d := radius * math.Sqrt(r.Float64()) // uniform over the disc
		a := r.Float64() * 2 * math.Pi
		t := offset(centre, d*math.Sin(a), d*math.Cos(a))
		if s.atlas.contains(t) && s.atlas.segmentInside(u.pos, t) {
			u.target = t
			return
		}
	}
	u.target = u.pos
	u.pause = 30
}

// setStatus moves u into status st for a random, exponentially distributed time.
func (s *Simulator) setStatus(u *unit, st string) {
	u.status = st
	u.statusLeft = max(30, s.urng.ExpFloat64()*statusMean[st])
	switch st {
	case dispatched:
		// The scene is somewhere near where the unit is now.
		u.pause = 0
		s.newLeg(u, u.pos, u.kind.radius/2, true)
	case available:
		u.pause = 0
		s.newLeg(u, u.home, u.kind.radius, false)
	}
}
