package sim

import (
	"math"

	"github.com/paulmach/orb"
)

// An order is a dispatch from the server that a unit is carrying out. While a
// unit has one, the order alone decides where it goes and what status it
// reports: the random status chain waits until the order ends.
type order struct {
	id    string
	scene orb.Point // where the unit stands at the scene (on the shore, for a scene on the water)
	// path is the waypoints still to drive through, the last one the scene:
	// round the water, never across it (see atlas.route).
	path    []orb.Point
	onScene bool
	left    float64 // seconds still to spend on scene, once there
}

const (
	// arriveWithin is how close to the scene counts as there: well inside the
	// target's res-9 cell (≈175 m across), so the server sees the unit on scene.
	arriveWithin = 20.0
	// maxReportStep caps the metres a unit en route moves between two reports,
	// so the server sees it enter the target cell rather than jump over it.
	maxReportStep = 50.0
	// sceneScale shrinks the usual busy time for time on scene: a demo should
	// show a dispatch cleared within a few minutes, not the better part of an hour.
	sceneScale = 0.25
	// linger is how long a unit stays put after clearing before it drives off,
	// so its "available" report is made at the scene.
	linger = 5.0
)

// take puts u on dispatch id to scene. It reports at once, so the server sees
// the unit answer the order without waiting for its next regular report.
func (s *Simulator) take(u *unit, id string, scene orb.Point) {
	path := s.atlas.route(u.pos, scene)
	scene = path[len(path)-1]
	u.order = &order{id: id, scene: scene, path: path}
	s.stats.orders.Add(1)
	u.status = dispatched
	u.target = scene
	u.leg = u.kind.rush
	u.pause = 0
	u.reportIn = 0
}

// release ends u's order and sends it back on patrol, reporting at once.
func (s *Simulator) release(u *unit) {
	u.order = nil
	s.setStatus(u, available)
	u.reportIn = 0
}

// follow advances a unit on an order by dt seconds: along its path to the
// scene at its kind's rush speed (a foot patrol walks), then busy there for
// its time on scene, then available. It returns true once the order is done;
// the unit then lingers at the scene for a moment so its "available" report
// is made there.
func (s *Simulator) follow(u *unit, dt float64) (done bool) {
	o := u.order
	for !o.onScene {
		next, last := o.path[0], len(o.path) == 1
		stop := 0.0 // a waypoint is passed through; the scene is reached within arriveWithin
		if last {
			stop = arriveWithin
		}
		if d := distance(u.pos, next); d > stop {
			u.heading = bearing(u.pos, next)
			step := u.kind.rush * dt
			if step < d-stop {
				f := step / d
				u.pos = orb.Point{u.pos[0] + (next[0]-u.pos[0])*f, u.pos[1] + (next[1]-u.pos[1])*f}
				return false
			}
			dt -= (d - stop) / u.kind.rush
		}
		if !last {
			u.pos, o.path = next, o.path[1:]
			continue
		}
		u.pos, u.target = o.scene, o.scene
		o.onScene = true
		o.left = s.sceneTime()
		u.status = busy
		u.reportIn = 0
	}
	o.left -= max(dt, 0)
	if o.left > 0 {
		return false
	}
	s.finished[o.id] = true
	s.stats.cleared.Add(1)
	s.release(u)
	u.target, u.pause = u.pos, linger
	return true
}

// sceneTime draws how long a unit stays on scene: the chain's busy time,
// scaled by sceneScale and kept within the simulator's bounds.
func (s *Simulator) sceneTime() float64 {
	t := s.urng.ExpFloat64() * statusMean[busy] * sceneScale
	return math.Min(math.Max(t, s.sceneMin), s.sceneMax)
}

// reportEvery is how often u reports, given the fleet's regular period: more
// often while it rushes to a scene, so no report skips maxReportStep metres.
func (u *unit) reportEvery(every float64) float64 {
	if u.order != nil && !u.order.onScene {
		return min(every, maxReportStep/u.kind.rush)
	}
	return every
}
