package geo

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
)

// Regions is the whole hierarchy: one Layer per level (a level may be
// missing). A Regions is immutable and safe for concurrent use; a change makes
// a new one (With), so a reader holding one sees a consistent hierarchy.
type Regions struct {
	layers  [numLevels]*Layer
	version uint64
}

var regionsVersion atomic.Uint64

// NewRegions makes a hierarchy of layers, checking that every division's
// parent exists at the level above (when that level is given).
func NewRegions(layers ...*Layer) (*Regions, error) {
	r := &Regions{version: regionsVersion.Add(1)}
	for _, l := range layers {
		if l == nil {
			continue
		}
		if l.Level < 0 || l.Level >= numLevels {
			return nil, fmt.Errorf("geo: regions: bad level %d", l.Level)
		}
		r.layers[l.Level] = l
	}
	for _, l := range r.layers {
		if err := r.checkParents(l); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// checkParents reports the first division of l whose parent is unknown at the
// level above. Districts may name the city or nothing.
func (r *Regions) checkParents(l *Layer) error {
	if l == nil || l.Level <= LevelDistrict {
		return nil
	}
	up := r.layers[l.Level-1]
	if up == nil {
		return nil
	}
	for i := range l.Divisions {
		d := &l.Divisions[i]
		if up.Division(d.Parent) == nil {
			return &LayerError{Feature: -1, Field: "properties.parent", Reason: fmt.Sprintf("division %q: parent %q is not a %s", d.Code, d.Parent, up.Level)}
		}
	}
	return nil
}

// Layer returns the layer of level, or nil.
func (r *Regions) Layer(level Level) *Layer {
	if r == nil || level < 0 || level >= numLevels {
		return nil
	}
	return r.layers[level]
}

// Version identifies this hierarchy: every Regions made has a new one, so
// caches of anything drawn from it (tiles) can key on it.
func (r *Regions) Version() uint64 { return r.version }

// With returns a copy of r with l replacing its level, after checking l's
// parents against the level above. Divisions of the level below that name a
// parent l no longer has are counted in orphans; they keep serving.
func (r *Regions) With(l *Layer) (next *Regions, orphans int, err error) {
	if err := r.checkParents(l); err != nil {
		return nil, 0, err
	}
	next = &Regions{layers: r.layers, version: regionsVersion.Add(1)}
	next.layers[l.Level] = l
	if l.Level+1 < numLevels {
		if below := next.layers[l.Level+1]; below != nil {
			for i := range below.Divisions {
				if l.Division(below.Divisions[i].Parent) == nil {
					orphans++
				}
			}
		}
	}
	return next, orphans, nil
}

// Assign returns the codes of the regions holding p at every level below the
// city. It costs one h3 call, then one map read per level for most points
// and an exact point-in-polygon test near boundaries.
func (r *Regions) Assign(p orb.Point) RegionCodes {
	if r == nil {
		return RegionCodes{}
	}
	return r.AssignAt(p, CellOf(p, indexRes)) // one h3 call for every level
}

// AssignAt is Assign for a point whose FineRes cell is already known, as every
// event's is after ingest: it saves the h3 call, the larger part of the cost.
func (r *Regions) AssignAt(p orb.Point, cell Cell) RegionCodes {
	var rc RegionCodes
	if r == nil {
		return rc
	}
	if cell.Res() != indexRes {
		cell = CellOf(p, indexRes)
	}
	for lv := LevelDistrict; lv < numLevels; lv++ {
		if d := r.layers[lv].locate(p, cell); d != nil {
			rc.set(lv, d.Code)
		}
	}
	return rc
}

// A RegionStore holds the current Regions and swaps levels atomically:
// readers Load without locking and keep the Regions they got; Replace
// installs a new one only once its layer is fully indexed, so the old one
// serves until then.
type RegionStore struct {
	mu  sync.Mutex // serialises Replace
	cur atomic.Pointer[Regions]
}

// NewRegionStore returns a store serving r.
func NewRegionStore(r *Regions) *RegionStore {
	s := &RegionStore{}
	s.cur.Store(r)
	return s
}

// Load returns the current hierarchy.
func (s *RegionStore) Load() *Regions { return s.cur.Load() }

// Replace installs l as its level. On error the current hierarchy stays.
func (s *RegionStore) Replace(l *Layer) (orphans int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, orphans, err := s.cur.Load().With(l)
	if err != nil {
		return 0, err
	}
	s.cur.Store(next)
	return orphans, nil
}
