package sim

import (
	"fmt"
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

// incident draws one incident; s.mu must be held.
func (s *Simulator) incident(n string) Incident {
	r := s.irng
	src := pick(r, sources)
	cat := pick(r, categoriesBySource[src])
	pt := s.incidentPoint()
	return Incident{
		ID:       "sim-" + s.runID + "-" + n,
		Source:   src,
		Category: cat,
		Severity: pick(r, severityByCategory[cat]),
		Lat:      pt.Lat(),
		Lng:      pt.Lon(),
		Title:    oneOf(r, titles[cat]),
		Address:  s.address(pt, r.IntN(999)+1),
	}
}

// address makes a plausible street address in the district pt falls in.
func (s *Simulator) address(pt orb.Point, number int) string {
	district := s.cfg.Profile.Name
	if d := s.atlas.districtAt(pt); d != nil {
		district = d.Name
	}
	return fmt.Sprintf("%s%s%d号", district, oneOf(s.irng, roads), number)
}
