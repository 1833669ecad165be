package heat

import (
	"sort"

	"github.com/citygrid/citygrid/geo"
)

// A RegionFigure is what happened in one region over a window: incidents by
// category and by severity, and the units on duty there now. Regions come from
// the codes stored on each event at ingest; the fold needs no geometry.
type RegionFigure struct {
	Code       string         `json:"code"`
	Incidents  int            `json:"incidents"`
	ByCategory map[string]int `json:"byCategory"`
	// BySeverity counts severities 1..4 at indexes 0..3.
	BySeverity  [4]int `json:"bySeverity"`
	UnitsOnDuty int    `json:"unitsOnDuty"` // latest position in the region, status not off-duty
}

// regionCounts is one window's incidents by region chain, category and
// severity, kept current as incidents arrive and buckets leave the window.
// Counts are by id (State.regionKeyOf), in an array.
type regionCounts struct {
	window string
	span   int64 // the window's length in buckets
	from   int64 // buckets >= this one are inside the window
	n      []int32
}

func (rc *regionCounts) add(id uint32, d int32) {
	if int(id) >= len(rc.n) {
		rc.n = append(rc.n, make([]int32, max(int(id)+1, 2*len(rc.n), 64)-len(rc.n))...)
	}
	rc.n[id] += d
}

// regionKeyOf numbers an incident's region chain, category and severity
// (a key whose place is the chain). They are bounded by the regions and the
// categories, so ids are never taken back.
func (s *State) regionKeyOf(k key) uint32 {
	rk := makeKey(s.places[k.place()].chain, k.category(), k.severity())
	if id, ok := s.regionKeyIndex[rk]; ok {
		return id
	}
	id := uint32(len(s.regionKeys))
	s.regionKeys = append(s.regionKeys, rk)
	s.regionKeyIndex[rk] = id
	return id
}

// RegionFigures returns the figures of every region at level that had an
// incident in the window or has a unit on duty, sorted by code. Events
// without a code at that level (outside every region, or ingested before
// regions existed) are not counted. It sums counts kept by region chain, so it
// costs the chains, categories and severities seen in the window, not its
// incidents.
func (s *State) RegionFigures(level geo.Level, window string) ([]RegionFigure, error) {
	w, err := geo.ParseWindow(window)
	if err != nil {
		return nil, err
	}
	figs := map[string]*RegionFigure{}
	get := func(code string) *RegionFigure {
		f, ok := figs[code]
		if !ok {
			f = &RegionFigure{Code: code, ByCategory: map[string]int{}}
			figs[code] = f
		}
		return f
	}
	for _, rc := range s.byRegion {
		if rc.window != w.Name {
			continue
		}
		for id, n := range rc.n {
			if n <= 0 {
				continue
			}
			k := s.regionKeys[id]
			code := s.chains[k.place()].At(level)
			if code == "" {
				continue
			}
			f := get(code)
			f.Incidents += int(n)
			f.ByCategory[s.categories[k.category()]] += int(n)
			if sev := k.severity(); sev >= 1 && sev <= 4 {
				f.BySeverity[sev-1] += int(n)
			}
		}
	}
	for _, u := range s.units {
		if code := u.Regions.At(level); code != "" && u.Status != geo.StatusOffDuty {
			get(code).UnitsOnDuty++
		}
	}
	out := make([]RegionFigure, 0, len(figs))
	for _, f := range figs {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}
