package geo

import (
	"fmt"
	"io/fs"
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

// CityCode is the code of the city, the one division of the top level (""
// when it has none).
func (r *Regions) CityCode() string {
	if l := r.Layer(LevelCity); l.Len() > 0 {
		return l.Divisions[0].Code
	}
	return ""
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
//
// The codes are one chain, so every level's figures add up to the level
// above: the deepest level of real (not generated) shapes that holds p
// anchors it; the levels above are the anchor's parents, whatever their own
// shapes say (an uploaded level whose polygons do not nest in their parents'
// counts by the child); the generated levels below are fitted within it: the
// division holding p if its parent is the one above, else the division of that
// parent nearest to p (a generated edge follows hexagons, so near a real
// boundary a point can lie in a generated division of the parent next door).
// Only an orphan (a division whose parent's level was replaced without it)
// breaks the chain: the level above it answers by its own shapes.
func (r *Regions) AssignAt(p orb.Point, cell Cell) RegionCodes {
	var rc RegionCodes
	if r == nil {
		return rc
	}
	if cell.Res() != indexRes {
		cell = CellOf(p, indexRes)
	}
	anchor, d := r.anchor(p, cell)
	if d == nil {
		return rc
	}
	rc.set(anchor, d.Code)
	for lv, child := anchor-1, d; lv >= LevelDistrict && child != nil; lv-- {
		up := r.layers[lv].Division(child.Parent)
		if up == nil {
			// An orphan (its parent's level was replaced without it): the
			// level above answers by its own shapes, until the orphan's level
			// is uploaded again.
			up = r.layers[lv].locate(p, cell)
		}
		if child = up; child != nil {
			rc.set(lv, child.Code)
		}
	}
	for lv, parent := anchor+1, d; lv < numLevels && parent != nil; lv++ {
		if parent = r.layers[lv].locateWithin(p, cell, parent.Code); parent != nil {
			rc.set(lv, parent.Code)
		}
	}
	return rc
}

// anchor is the deepest level of real shapes holding p, and its division
// there. A point that no real level holds is in no region (a generated
// division spilling past the real boundary does not make it one); only where
// every level is generated does the coarsest level holding p anchor it.
func (r *Regions) anchor(p orb.Point, cell Cell) (Level, *Division) {
	real := false
	for lv := numLevels - 1; lv >= LevelDistrict; lv-- {
		if l := r.layers[lv]; l != nil && !l.generated {
			real = true
			if d := l.locate(p, cell); d != nil {
				return lv, d
			}
		}
	}
	for lv := LevelDistrict; lv < numLevels && !real; lv++ {
		if d := r.layers[lv].locate(p, cell); d != nil {
			return lv, d
		}
	}
	return LevelCity, nil
}

// A RegionStore holds the current Regions and swaps levels atomically:
// readers Load without locking and keep the Regions they got; Replace
// installs a new one only once its layer is fully indexed, so the old one
// serves until then.
type RegionStore struct {
	mu     sync.Mutex // serialises Replace
	cur    atomic.Pointer[Regions]
	loaded chan struct{} // closed once cur holds the first hierarchy
}

// NewRegionStore returns a store serving r.
func NewRegionStore(r *Regions) *RegionStore {
	s := &RegionStore{loaded: make(chan struct{})}
	s.cur.Store(r)
	close(s.loaded)
	return s
}

// GenerateRegionStore returns at once a store whose hierarchy LoadRegions
// makes in the background (seconds, for a city whose lower levels are
// generated), so a server can rebuild its live state from the streams, which
// needs no regions, meanwhile. Load waits for the hierarchy: nothing ever
// sees the city without its regions. The channel gets LoadRegions' error, or
// nil, once; after an error Load gives an empty hierarchy.
func GenerateRegionStore(fsys fs.FS, p *Profile) (*RegionStore, <-chan error) {
	s := &RegionStore{loaded: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		r, err := LoadRegions(fsys, p)
		if err != nil {
			r = &Regions{}
		}
		s.cur.Store(r)
		close(s.loaded)
		done <- err
	}()
	return s, done
}

// Load returns the current hierarchy, once there is one.
func (s *RegionStore) Load() *Regions {
	<-s.loaded
	return s.cur.Load()
}

// Loaded reports whether the first hierarchy is in (Load would not wait). A
// nil store has nothing to wait for.
func (s *RegionStore) Loaded() bool {
	if s == nil {
		return true
	}
	select {
	case <-s.loaded:
		return true
	default:
		return false
	}
}

// Replace installs l as its level. On error the current hierarchy stays.
func (s *RegionStore) Replace(l *Layer) (orphans int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, orphans, err := s.Load().With(l)
	if err != nil {
		return 0, err
	}
	s.cur.Store(next)
	return orphans, nil
}
