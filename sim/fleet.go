package sim

import (
	"fmt"
	"strings"
	"time"
)

// newFleet places cfg.Units units at posts spread over the city's districts,
// each already part way through its shift.
func (s *Simulator) newFleet() []*unit {
	r := s.urng
	// Unit ids look like "SU-car-012": stable across runs, so a restarted
	// simulator moves the same units on the map instead of adding new ones.
	prefix := []rune(strings.ToUpper(s.cfg.Profile.Name))
	prefix = prefix[:min(len(prefix), 2)]
	opts := make([]choice[*kindSpec], len(kinds))
	for i := range kinds {
		opts[i] = choice[*kindSpec]{&kinds[i], kinds[i].share}
	}
	count := map[string]int{}
	every := s.cfg.PositionEvery.Seconds()
	units := make([]*unit, s.cfg.Units)
	for i := range units {
		k := pick(r, opts)
		count[k.name]++
		home := s.atlas.inAnyDistrict(r)
		u := &unit{
			id:       fmt.Sprintf("%s-%s-%03d", string(prefix), k.name, count[k.name]),
			kind:     k,
			home:     home,
			pos:      home,
			target:   home,
			lastGood: home,
			// Staggered, so reports arrive as a steady trickle rather than in waves.
			reportIn: every * r.Float64(),
		}
		// Start somewhere on the beat rather than everyone at its centre.
		s.newLeg(u, home, k.radius, false)
		u.pos, u.lastGood, u.pause = u.target, u.target, 0
		s.setStatus(u, pick(r, statusStart))
		u.statusLeft *= r.Float64()
		units[i] = u
	}
	return units
}

// NextPositions advances every unit by dt and returns the reports that fell
// due, stamped with the clock's now. Called with dt equal to PositionEvery, it
// returns one report per unit. Deterministic for a seed, clock and sequence of
// dt; safe for concurrent use.
func (s *Simulator) NextPositions(dt time.Duration) []Position {
	at := stamp(s.cfg.Now())
	every := s.cfg.PositionEvery.Seconds()
	secs := dt.Seconds()
	s.umu.Lock()
	defer s.umu.Unlock()
	var out []Position
	for _, u := range s.units {
		s.advance(u, secs)
		u.reportIn -= secs
		if u.reportIn > 0 {
			continue
		}
		e := u.reportEvery(every)
		u.reportIn += e
		if u.reportIn <= 0 { // dt spans several periods: report once, not in a burst
			u.reportIn = e
		}
		out = append(out, s.report(u, at))
	}
	return out
}

// report is u's position report. Legs are checked for staying inside the city
// every 150 m, so a unit might clip a sliver of outside in between, and a unit
// with no way round the water (on an island) crosses it: report its last
// point on open ground then, rather than ever sending a point outside the
// city or on the water.
func (s *Simulator) report(u *unit, at time.Time) Position {
	pos := u.pos
	if s.atlas.contains(pos) {
		u.lastGood = pos
	} else {
		pos = u.lastGood
	}
	speed := 0.0
	if u.travelling() {
		speed = u.leg
	}
	return Position{
		Unit: u.id, Kind: u.kind.name, Status: u.status,
		Lat: pos.Lat(), Lng: pos.Lon(), Time: at,
		Heading: u.heading, Speed: speed,
	}
}
