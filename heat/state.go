package heat

import (
	"slices"
	"sort"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

// BucketSpan is the granularity of the windows: an event counts in a window
// while its 10-second bucket does, so a window's edge is exact to 10 seconds.
const BucketSpan = 10 * time.Second

// Windows up to FineSpan long (15 minutes, 1 hour) are exact to a bucket: the
// fold keeps each incident of the last FineSpan on its own. Longer windows
// (24 hours) count whole slices of SliceSpan at their old edge: an incident
// counts while its slice starts inside the window, so the 24-hour window
// covers between 23 h 45 min and 24 h. Older incidents are kept as counts per
// slice, place, category and severity (see tally), which is what lets a full
// day at thousands of events a second fit in memory.
const (
	FineSpan  = time.Hour
	SliceSpan = 15 * time.Minute
)

const (
	sliceBuckets = int64(SliceSpan / BucketSpan)
	fineBuckets  = int64(FineSpan / BucketSpan)
)

// A key is one incident as the windows keep it, in 8 bytes: its place (an
// index into State.places), its category (an index into State.categories)
// and its severity.
type key uint64

func makeKey(place, category uint32, severity int) key {
	return key(uint64(place)<<32 | uint64(category&0xffffff)<<8 | uint64(min(max(severity, 0), 255)))
}

func (k key) place() uint32    { return uint32(k >> 32) }
func (k key) category() uint32 { return uint32(k>>8) & 0xffffff }
func (k key) severity() int    { return int(k & 0xff) }

// A place is where incidents happen as the windows see it: the cell at every
// heat resolution and the chain of region codes. Places are bounded by the city's
// geography (a few hundred thousand for Suzhou), so they are kept for good.
type place struct {
	cells geo.Cells
	chain uint32       // its region codes: an index into State.chains
	ids   [nRes]uint32 // its cells' ids (State.cells), by resolution
	next  uint32       // another place of the same cells (0: none)
}

// nRes is the number of heat resolutions, an incident's cells (geo.Cells).
const nRes = len(geo.Cells{})

// resIndex is res's index in geo.Cells, or -1 for a resolution the heat does
// not keep.
func resIndex(res int) int {
	if i := res - geo.HeatResolutions[0]; i >= 0 && i < nRes {
		return i
	}
	return -1
}

// view is one heat layer kept current incrementally: adding an event and
// expiring a bucket cost O(1) per view, and no window ever scans the stream.
type view struct {
	key      ViewKey
	res      int
	ri       int   // resIndex(res)
	span     int64 // the window's length in buckets
	from     int64 // buckets >= this one are inside the window
	category int32 // the filter's category index, or -1 for every category
	counts   cellCounts
	total    int64
	refs     int // watchers; views of the zero filter are kept regardless
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
	now time.Time
	// fine holds the incidents of the last FineSpan, one key each, by bucket;
	// slices holds older ones as tallies, by slice (bucket / sliceBuckets).
	fine     map[int64][]key
	slices   map[int64]*tally
	fineEdge int64 // buckets before this one are in slices
	oldest   int64 // buckets before this one are dropped

	places     []place
	placeIndex map[geo.Cells]uint32 // the first place of the cells
	cells      [nRes]cellIDs
	chains     []geo.RegionCodes
	chainIndex map[geo.RegionCodes]uint32
	// byRegion counts, for each window, the incidents by region chain,
	// category and severity: what the region figures sum, kept current like
	// the views, so a level's figures cost its regions, not the window's
	// incidents.
	byRegion       []*regionCounts
	regionKeys     []key // by id: chain, category, severity
	regionKeyIndex map[key]uint32
	categories     []string
	catIndex       map[string]uint32

	views      map[ViewKey]*view
	viewList   []*view // the same views, for the per-incident loops
	units      map[string]*Unit
	dirtyUnits map[string]struct{}
	// regions are the region topics someone watches (see WatchRegions), by
	// watchers; regionsAt is when their figures were last published.
	regions   map[RegionTopic]int
	regionsAt time.Time
}

var _ live.Fold = (*State)(nil)

// maxCategories bounds the categories the fold tells apart: past it (a feed
// inventing a category per event), new categories are counted as "other", so
// memory stays bounded by the city, not by what feeds send.
const maxCategories = 1 << 16

// NewState returns an empty fold whose clock reads now, with a view for every
// resolution and window of the zero filter.
func NewState(now time.Time) *State {
	s := &State{
		now:            now,
		fine:           map[int64][]key{},
		slices:         map[int64]*tally{},
		placeIndex:     map[geo.Cells]uint32{},
		chainIndex:     map[geo.RegionCodes]uint32{},
		regionKeyIndex: map[key]uint32{},
		catIndex:       map[string]uint32{},
		views:          map[ViewKey]*view{},
		units:          map[string]*Unit{},
		dirtyUnits:     map[string]struct{}{},
		regions:        map[RegionTopic]int{},
	}
	s.categoryOf("other")
	nb := bucketOf(now)
	s.fineEdge = nb - fineBuckets + 1
	s.oldest = windowFrom(int64(geo.LongestWindow()/BucketSpan), nb)
	for _, res := range geo.HeatResolutions {
		for _, w := range geo.Windows {
			s.watch(ViewKey{Res: res, Window: w.Name})
		}
	}
	for _, w := range geo.Windows {
		span := int64(w.Span / BucketSpan)
		s.byRegion = append(s.byRegion, &regionCounts{window: w.Name, span: span, from: windowFrom(span, nb)})
	}
	return s
}

func bucketOf(t time.Time) int64 { return t.UnixNano() / int64(BucketSpan) }

// windowFrom is the first bucket inside a window of span buckets when the
// clock is in bucket nb: exact for windows up to FineSpan, the start of the
// first whole slice for longer ones.
func windowFrom(span, nb int64) int64 {
	from := nb - span + 1
	if span <= fineBuckets {
		return from
	}
	return ceilDiv(from, sliceBuckets) * sliceBuckets
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a > 0) == (b > 0) {
		q++
	}
	return q
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// WindowStart is where the window called name starts at the state's clock:
// an incident counts in it while its event time is at or after this (to the
// bucket), so a client can say which span a figure covers. It is exact to
// 10 seconds for windows up to FineSpan, and a slice start for longer ones.
func (s *State) WindowStart(name string) (time.Time, error) {
	w, err := geo.ParseWindow(name)
	if err != nil {
		return time.Time{}, err
	}
	from := windowFrom(int64(w.Span/BucketSpan), bucketOf(s.now))
	return time.Unix(0, from*int64(BucketSpan)).UTC(), nil
}

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
	k := makeKey(s.placeOf(in.HeatCells(), in.Regions), s.categoryOf(in.Category), in.Severity)
	rid := s.regionKeyOf(k)
	for _, rc := range s.byRegion {
		if b >= rc.from {
			rc.add(rid, 1)
		}
	}
	if b >= s.fineEdge {
		s.fine[b] = append(s.fine[b], k)
	} else {
		s.slice(floorDiv(b, sliceBuckets)).add(k)
	}
	for _, v := range s.viewList {
		if b >= v.from {
			v.add(s, k, 1)
		}
	}
}

// placeOf numbers an incident's place. Most cells lie in one chain of
// regions, so places are found by their cells and the chain compared, which
// is cheaper than hashing the codes; the places of a cell that regions
// divide are linked (place.next).
func (s *State) placeOf(cells geo.Cells, regions geo.RegionCodes) uint32 {
	first, ok := s.placeIndex[cells]
	if ok {
		for i := first; ; {
			if s.chains[s.places[i].chain] == regions {
				return i
			}
			if i = s.places[i].next; i == 0 {
				break
			}
		}
	}
	chain, known := s.chainIndex[regions]
	if !known {
		chain = uint32(len(s.chains))
		s.chains = append(s.chains, regions)
		s.chainIndex[regions] = chain
	}
	p := place{cells: cells, chain: chain}
	for ri := range p.ids {
		p.ids[ri] = s.cells[ri].of(cells[ri])
	}
	i := uint32(len(s.places))
	if ok {
		p.next, s.places[first].next = s.places[first].next, i
	} else {
		s.placeIndex[cells] = i
	}
	s.places = append(s.places, p)
	return i
}

func (s *State) categoryOf(name string) uint32 {
	if i, ok := s.catIndex[name]; ok {
		return i
	}
	if len(s.categories) >= maxCategories {
		return 0 // "other", the first category of every State
	}
	i := uint32(len(s.categories))
	s.categories = append(s.categories, name)
	s.catIndex[name] = i
	return i
}

func (s *State) slice(i int64) *tally {
	t, ok := s.slices[i]
	if !ok {
		t = &tally{}
		s.slices[i] = t
	}
	return t
}

// eachKey calls fn with the incidents of every bucket from `from` on, a key and
// how many incidents have it at a time.
func (s *State) eachKey(from int64, fn func(k key, n int32)) {
	for b, ks := range s.fine {
		if b >= from {
			for _, k := range ks {
				fn(k, 1)
			}
		}
	}
	for i, t := range s.slices {
		if i*sliceBuckets >= from {
			t.each(fn)
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

// Advance moves the clock to now, expiring the buckets that left each window
// and tallying the incidents that left the last FineSpan. The clock never
// moves back.
func (s *State) Advance(now time.Time) {
	if now.Before(s.now) {
		return
	}
	s.now = now
	nb := bucketOf(now)
	for _, v := range s.viewList {
		v.from = s.expire(v.from, windowFrom(v.span, nb), func(k key, n int32) { v.add(s, k, -n) })
	}
	for _, rc := range s.byRegion {
		rc.from = s.expire(rc.from, windowFrom(rc.span, nb), func(k key, n int32) { rc.add(s.regionKeyOf(k), -n) })
	}
	s.tallyFine(nb - fineBuckets + 1)
	oldest := windowFrom(int64(geo.LongestWindow()/BucketSpan), nb)
	for i := range s.slices {
		if i*sliceBuckets < oldest {
			delete(s.slices, i)
		}
	}
	s.oldest = max(s.oldest, oldest)
}

// tallyFine moves the fine buckets before edge into their slices' tallies.
// The views are not touched: the incidents stay in the same windows.
func (s *State) tallyFine(edge int64) {
	if edge <= s.fineEdge {
		return
	}
	touched := map[int64]*tally{}
	move := func(b int64) {
		if ks, ok := s.fine[b]; ok {
			i := floorDiv(b, sliceBuckets)
			t := s.slice(i)
			t.addAll(ks)
			touched[i] = t
			delete(s.fine, b)
		}
	}
	if edge-s.fineEdge > int64(len(s.fine)) {
		for b := range s.fine { // a long jump: walk the buckets held
			if b < edge {
				move(b)
			}
		}
	} else {
		for b := s.fineEdge; b < edge; b++ {
			move(b)
		}
	}
	s.fineEdge = edge
	// A slice the edge has left behind takes no more fine buckets: merge what
	// it holds now, so it is kept at its smallest for the rest of the day.
	for i, t := range touched {
		if (i+1)*sliceBuckets <= edge {
			t.merge()
		}
	}
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

// expire calls out with the incidents of the buckets from `from` up to `to`
// (a window's old edge moving on) and returns where the window now starts.
func (s *State) expire(from, to int64, out func(k key, n int32)) int64 {
	if to <= from {
		return from
	}
	if to-from > int64(len(s.fine)) {
		for b, ks := range s.fine { // a long jump: walk the buckets held
			if b >= from && b < to {
				for _, k := range ks {
					out(k, 1)
				}
			}
		}
	} else {
		for b := from; b < to; b++ {
			for _, k := range s.fine[b] {
				out(k, 1)
			}
		}
	}
	// Slices leave a window whole: a long window's edges are slice starts, and
	// a short one's edges never reach back past the fine buckets.
	for i, t := range s.slices {
		if first := i * sliceBuckets; first >= from && first < to {
			t.each(out)
		}
	}
	return to
}

func (v *view) add(s *State, k key, d int32) {
	if v.category >= 0 && k.category() != uint32(v.category) || k.severity() < v.key.Filter.MinSeverity {
		return
	}
	if v.ri >= 0 {
		v.counts.add(s.places[k.place()].ids[v.ri], d)
	}
	v.total += int64(d)
}

// watch makes the state keep the view current, building it from the buckets
// the first time.
func (s *State) watch(k ViewKey) *view {
	k = k.Normal()
	if !k.Filter.IsZero() && k.Res != totalsRes {
		// Its totals in the other windows, for counters read together.
		for _, c := range companions(k) {
			s.watch(c)
		}
	}
	if v, ok := s.views[k]; ok {
		v.refs++
		return v
	}
	v := s.build(k)
	v.refs = 1
	s.views[k] = v
	s.viewList = append(s.viewList, v)
	return v
}

// unwatch drops a filtered view when its last watcher leaves.
func (s *State) unwatch(k ViewKey) {
	k = k.Normal()
	if !k.Filter.IsZero() && k.Res != totalsRes {
		for _, c := range companions(k) {
			s.unwatch(c)
		}
	}
	v, ok := s.views[k]
	if !ok {
		return
	}
	v.refs--
	if v.refs <= 0 && !k.Filter.IsZero() {
		delete(s.views, k)
		s.viewList = slices.DeleteFunc(s.viewList, func(w *view) bool { return w == v })
	}
}

// build counts a view from scratch from the buckets in its window.
func (s *State) build(k ViewKey) *view {
	w, err := geo.ParseWindow(k.Window)
	if err != nil {
		w = geo.Windows[len(geo.Windows)-1]
	}
	span := int64(w.Span / BucketSpan)
	v := &view{
		key: k, res: k.Res, ri: resIndex(k.Res), span: span,
		from:     windowFrom(span, bucketOf(s.now)),
		category: -1,
	}
	if k.Filter.Category != "" {
		v.category = int32(s.categoryOf(k.Filter.Category))
	}
	s.eachKey(v.from, func(k key, n int32) { v.add(s, k, n) })
	v.counts.forget()
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
	if v.ri < 0 {
		return []CellCount{}, 0
	}
	cells := v.counts.sorted(s.cells[v.ri].cells)
	return cells, v.total
}

// EachCellAtLeast calls fn for each cell of the unfiltered view at res and
// window counting at least min; it is how the alert rules read the heat.
func (s *State) EachCellAtLeast(res int, window string, min int32, fn func(geo.Cell, int32)) {
	v, ok := s.views[ViewKey{Res: res, Window: window}]
	if !ok {
		return
	}
	if v.ri < 0 {
		return
	}
	v.counts.each(s.cells[v.ri].cells, func(c geo.Cell, n int32) {
		if n >= min {
			fn(c, n)
		}
	})
}

// CellCount is one cell's count in the unfiltered view at res and window.
func (s *State) CellCount(res int, window string, c geo.Cell) int32 {
	if v, ok := s.views[ViewKey{Res: res, Window: window}]; ok && v.ri >= 0 {
		if id, ok := s.cells[v.ri].id[c]; ok {
			return v.counts.get(id)
		}
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
