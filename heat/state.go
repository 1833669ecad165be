package heat

import (
	"sort"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

// BucketSpan is the granularity of the windows: an event counts in a window
// while its 10-second bucket does, so a window's edge is exact to 10 seconds.
const BucketSpan = 10 * time.Second

// record is one incident as the windows keep it.
//
// A record is kept for every incident of the longest window (24 h), so it is
// kept small: the category and the region codes are interned (see intern), so
// the many records of one place share them. 56 bytes a record.
type record struct {
	cells    geo.Cells // at every heat resolution, each containing the point
	category string
	regions  *geo.RegionCodes // codes by level, stored with the event at ingest
	severity int
}

// view is one heat layer kept current incrementally: adding an event and
// expiring a bucket cost O(1) per view, and no window ever scans the stream.
type view struct {
	key    ViewKey
	res    int
	bucket int64 // buckets >= this one are inside the window
	nbkt   int64 // the window's length in buckets
	counts map[geo.Cell]int32
	total  int64
	dirty  map[geo.Cell]struct{}
	refs   int // watchers; views of the zero filter are kept regardless
}

// A CellCount is the heat of one cell.
type CellCount struct {
	Cell  geo.Cell
	Count int32
}

// A Unit is the latest known position and status of one patrol unit.
type Unit struct {
	geo.Position
	Gone bool // true in a Tick when the unit has stopped reporting and was dropped
}

// UnitTTL is how long a unit stays on the map after its last report.
const UnitTTL = 24 * time.Hour

// State is the heat-and-units fold of the streams. It is not safe for
// concurrent use: a live.Loop owns it.
type State struct {
	now        time.Time
	buckets    map[int64][]record
	oldest     int64 // buckets before this are dropped
	views      map[ViewKey]*view
	units      map[string]*Unit
	dirtyUnits map[string]struct{}
	strings    interner[string]
	codes      interner[geo.RegionCodes]
	// regions are the region topics someone watches (see WatchRegions), by
	// watchers; regionsAt is when their figures were last published.
	regions   map[RegionTopic]int
	regionsAt time.Time
}

var _ live.Fold = (*State)(nil)

// maxInterned bounds an interner: past it, values are kept as they come, so a
// feed inventing a category per event costs memory per event, not a map too.
const maxInterned = 100_000

// An interner hands out one shared copy of each value seen.
type interner[T comparable] struct{ m map[T]*T }

func (in *interner[T]) ptr(v T) *T {
	if p, ok := in.m[v]; ok {
		return p
	}
	p := &v
	if in.m == nil {
		in.m = map[T]*T{}
	}
	if len(in.m) < maxInterned {
		in.m[v] = p
	}
	return p
}

// get returns the shared copy of v (for strings: one backing array).
func (in *interner[T]) get(v T) T { return *in.ptr(v) }

// NewState returns an empty fold whose clock reads now, with a view for every
// resolution and window of the zero filter.
func NewState(now time.Time) *State {
	s := &State{
		now:        now,
		buckets:    map[int64][]record{},
		views:      map[ViewKey]*view{},
		units:      map[string]*Unit{},
		dirtyUnits: map[string]struct{}{},
		regions:    map[RegionTopic]int{},
	}
	s.oldest = bucketOf(now) - int64(geo.LongestWindow()/BucketSpan) + 1
	for _, res := range geo.HeatResolutions {
		for _, w := range geo.Windows {
			s.watch(ViewKey{Res: res, Window: w.Name})
		}
	}
	return s
}

func bucketOf(t time.Time) int64 { return t.UnixNano() / int64(BucketSpan) }

// Now is the time the state was last advanced to.
func (s *State) Now() time.Time { return s.now }

// Apply folds an incident or a position; commands are not the heat's.
func (s *State) Apply(_ *live.Env, e *geo.Event) {
	switch e.Kind {
	case geo.KindIncident:
		s.AddIncident(&e.Incident)
	case geo.KindPosition:
		s.AddPosition(&e.Position)
	}
}

// AddIncident counts an incident in every view whose window and filter it falls in.
// Incidents older than the longest window are ignored.
func (s *State) AddIncident(in *geo.Incident) {
	b := bucketOf(in.Time)
	if b < s.oldest {
		return
	}
	r := record{cells: in.HeatCells(), category: s.strings.get(in.Category), severity: in.Severity, regions: s.codes.ptr(in.Regions)}
	s.buckets[b] = append(s.buckets[b], r)
	for _, v := range s.views {
		if b >= v.bucket {
			v.add(r, 1)
		}
	}
}

// AddPosition records a unit's position if it is newer than the one known.
func (s *State) AddPosition(p *geo.Position) {
	u, ok := s.units[p.Unit]
	if ok && p.Time.Before(u.Time) {
		return
	}
	if !ok {
		u = &Unit{}
		s.units[p.Unit] = u
	}
	u.Position = *p
	s.dirtyUnits[p.Unit] = struct{}{}
}

// Advance moves the clock to now, expiring the buckets that left each window.
// The clock never moves back.
func (s *State) Advance(now time.Time) {
	if now.Before(s.now) {
		return
	}
	s.now = now
	nb := bucketOf(now)
	for _, v := range s.views {
		s.expire(v, nb-v.nbkt+1)
	}
	oldest := nb - int64(geo.LongestWindow()/BucketSpan) + 1
	if oldest-s.oldest > int64(len(s.buckets)) {
		for b := range s.buckets {
			if b < oldest {
				delete(s.buckets, b)
			}
		}
	} else {
		for b := s.oldest; b < oldest; b++ {
			delete(s.buckets, b)
		}
	}
	s.oldest = max(s.oldest, oldest)
}

// expireUnits drops the units that stopped reporting UnitTTL ago.
func (s *State) expireUnits() {
	for id, u := range s.units {
		if s.now.Sub(u.Time) > UnitTTL {
			delete(s.units, id)
			s.dirtyUnits[id] = struct{}{}
		}
	}
}

func (s *State) expire(v *view, cutoff int64) {
	if cutoff <= v.bucket {
		return
	}
	if cutoff-v.bucket > int64(len(s.buckets)) {
		// A long jump: walk the buckets held, not every index in between.
		for b, rs := range s.buckets {
			if b >= v.bucket && b < cutoff {
				for _, r := range rs {
					v.add(r, -1)
				}
			}
		}
	} else {
		for b := v.bucket; b < cutoff; b++ {
			for _, r := range s.buckets[b] {
				v.add(r, -1)
			}
		}
	}
	v.bucket = cutoff
}

func (v *view) add(r record, d int32) {
	if !v.key.Filter.keeps(r.category, r.severity) {
		return
	}
	c := r.cells.At(v.res)
	n := v.counts[c] + d
	if n <= 0 {
		delete(v.counts, c)
	} else {
		v.counts[c] = n
	}
	v.total += int64(d)
	v.dirty[c] = struct{}{}
}

// watch makes the state keep the view current, building it from the buckets
// the first time.
func (s *State) watch(k ViewKey) *view {
	k = k.Normal()
	if v, ok := s.views[k]; ok {
		v.refs++
		return v
	}
	v := s.build(k)
	v.refs = 1
	s.views[k] = v
	return v
}

// unwatch drops a filtered view when its last watcher leaves.
func (s *State) unwatch(k ViewKey) {
	k = k.Normal()
	v, ok := s.views[k]
	if !ok {
		return
	}
	v.refs--
	if v.refs <= 0 && !k.Filter.IsZero() {
		delete(s.views, k)
	}
}

// build counts a view from scratch from the buckets in its window.
func (s *State) build(k ViewKey) *view {
	w, err := geo.ParseWindow(k.Window)
	if err != nil {
		w = geo.Windows[len(geo.Windows)-1]
	}
	nbkt := int64(w.Span / BucketSpan)
	v := &view{
		key: k, res: k.Res, nbkt: nbkt,
		bucket: bucketOf(s.now) - nbkt + 1,
		counts: map[geo.Cell]int32{},
		dirty:  map[geo.Cell]struct{}{},
	}
	for b, rs := range s.buckets {
		if b >= v.bucket {
			for _, r := range rs {
				v.add(r, 1)
			}
		}
	}
	clear(v.dirty)
	return v
}

// Heat returns the view's cells, sorted by cell, and their total. A view that is
// not watched is counted from the buckets.
func (s *State) Heat(k ViewKey) ([]CellCount, int64) {
	k = k.Normal()
	v, ok := s.views[k]
	if !ok {
		v = s.build(k)
	}
	cells := make([]CellCount, 0, len(v.counts))
	for c, n := range v.counts {
		cells = append(cells, CellCount{c, n})
	}
	sort.Slice(cells, func(i, j int) bool { return cells[i].Cell < cells[j].Cell })
	return cells, v.total
}

// EachCellAtLeast calls fn for each cell of the unfiltered view at res and
// window counting at least min; it is how the alert rules read the heat.
func (s *State) EachCellAtLeast(res int, window string, min int32, fn func(geo.Cell, int32)) {
	v, ok := s.views[ViewKey{Res: res, Window: window}]
	if !ok {
		return
	}
	for c, n := range v.counts {
		if n >= min {
			fn(c, n)
		}
	}
}

// CellCount is one cell's count in the unfiltered view at res and window.
func (s *State) CellCount(res int, window string, c geo.Cell) int32 {
	if v, ok := s.views[ViewKey{Res: res, Window: window}]; ok {
		return v.counts[c]
	}
	return 0
}

// Units returns every unit, sorted by id.
func (s *State) Units() []Unit {
	out := make([]Unit, 0, len(s.units))
	for _, u := range s.units {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}

// Unit returns a unit's latest position, if it has reported in the last
// UnitTTL.
func (s *State) Unit(id string) (geo.Position, bool) {
	u, ok := s.units[id]
	if !ok {
		return geo.Position{}, false
	}
	return u.Position, true
}

// EachUnit calls fn with each unit's latest position, in no order; fn must not
// keep the pointer.
func (s *State) EachUnit(fn func(*geo.Position)) {
	for _, u := range s.units {
		fn(&u.Position)
	}
}

func unitID(id string) geo.Position { return geo.Position{Unit: id} }

// Watch makes the state keep a view current for a watcher (a websocket client),
// so its changes appear in every Tick. Views of the zero filter always are.
func (s *State) Watch(k ViewKey) { s.watch(k) }

// Unwatch releases a view taken with Watch.
func (s *State) Unwatch(k ViewKey) { s.unwatch(k) }
