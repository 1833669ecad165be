package sim

import (
	"math/rand/v2"
	"strconv"

	"github.com/paulmach/orb"
)

// NextIncidents generates the next n incidents, stamped with the clock's now.
// It is deterministic for a seed and clock, and safe for concurrent use; ids
// keep counting across calls so they never repeat within a run.
func (s *Simulator) NextIncidents(n int) []Incident {
	now := s.cfg.Now()
	at := stamp(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drift(now)
	out := make([]Incident, n)
	for i := range out {
		s.seq++
		out[i] = s.incident(strconv.FormatInt(s.seq, 10))
		out[i].Time = at
	}
	return out
}

// incident draws one incident; s.mu must be held. Its type (within its
// category) sets its severity and its title, written in the profile's
// language: "人民路 违章停车".
func (s *Simulator) incident(n string) Incident {
	r := s.irng
	src := pick(r, sources)
	cat := pick(r, categoriesBySource[src])
	typ := pickType(r, typesByCategory[cat])
	pt := s.incidentPoint()
	road := oneOf(r, s.roads)
	return Incident{
		ID:       "sim-" + s.runID + "-" + n,
		Source:   src,
		Category: cat,
		Severity: pick(r, typ.severity),
		Lat:      pt.Lat(),
		Lng:      pt.Lon(),
		Title:    s.words.title(road, typ.title.in(s.words.lang)),
		Address:  s.address(pt, road, r.IntN(999)+1),
	}
}

// pickType draws one of types in proportion to its weight.
func pickType(r *rand.Rand, types []incidentType) *incidentType {
	opts := make([]choice[*incidentType], len(types))
	for i := range types {
		opts[i] = choice[*incidentType]{&types[i], types[i].weight}
	}
	return pick(r, opts)
}

// address makes a plausible street address on road in the district pt falls in.
func (s *Simulator) address(pt orb.Point, road string, number int) string {
	district := s.cfg.Profile.Name
	if d := s.atlas.districtAt(pt); d != nil {
		district = d.Name
	}
	return s.words.address(district, road, number)
}
