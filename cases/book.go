package cases

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

// CmdPut is the command type of a case record: the case as a change left it.
const CmdPut = "case.put"

// LayerCases is the websocket layer of the loop's state: counts by state
// and district, the overdue list, the latest changes.
const LayerCases = "cases"

// A Book is the fold of cases: every node folds the same records from the
// commands stream (and, at start, the store's snapshot) into it. It is a
// live.Fold, owned by the loop's goroutine; it is not safe for concurrent
// use.
type Book struct {
	cat *Catalogue
	// all holds every case, scanned by the figures and the layer (a slice
	// scans several times faster than a map); at indexes each id's place in it.
	all []*Case
	at  map[string]int
	now time.Time

	applied live.Applied // the commands folded, and who waits for one

	version   uint64 // bumped on every change a client can see
	published uint64
	sinceLook time.Duration // tick time since the layer was last looked at
	recent    []Change      // the latest changes, newest last
	overdue   int           // open cases past their deadline at the last tick
}

// A Change is one transition as the cases layer lists it.
type Change struct {
	ID     string    `json:"id"`
	Title  string    `json:"title"`
	Action string    `json:"action"`
	State  State     `json:"state"`
	Label  string    `json:"label"`
	At     time.Time `json:"at"`
}

var (
	_ live.Fold        = (*Book)(nil)
	_ live.LayerSource = (*Book)(nil)
)

// NewBook returns an empty book over the catalogue.
func NewBook(cat *Catalogue) *Book {
	return &Book{cat: cat, at: map[string]int{}}
}

// Catalogue is the book's catalogue.
func (b *Book) Catalogue() *Catalogue { return b.cat }

// Advance moves the book's clock.
func (b *Book) Advance(now time.Time) { b.now = now }

// Apply folds a case record from the commands stream; other events pass by
// (only their entry ids count, to answer WhenApplied).
func (b *Book) Apply(_ *live.Env, e *geo.Event) {
	if e.Kind != geo.KindCommand {
		return
	}
	if e.Command.Type == CmdPut {
		var c Case
		if json.Unmarshal(e.Command.Data, &c) == nil && c.ID != "" {
			b.Put(&c)
		}
	}
	b.applied.Mark(e.ID)
}

// Put folds one record: kept if newer than the book's version of the case.
// The store's snapshot and the stream may both hold a record; the version
// says which is newer.
func (b *Book) Put(c *Case) {
	i, known := b.at[c.ID]
	if known && b.all[i].Version >= c.Version {
		return
	}
	c.Label = c.State.Label()
	if known {
		b.all[i] = c
	} else {
		b.at[c.ID] = len(b.all)
		b.all = append(b.all, c)
	}
	b.version++
	ch := Change{ID: c.ID, Title: c.Title, State: c.State, Label: c.Label, At: c.CreatedAt, Action: "register"}
	if n := len(c.Timeline); n > 0 {
		ch.Action, ch.At = c.Timeline[n-1].Action, c.Timeline[n-1].At
	}
	b.recent = append(b.recent, ch)
	if len(b.recent) > 2*maxRecent {
		b.recent = slices.Clone(b.recent[len(b.recent)-maxRecent:])
	}
}

// EachCase calls f with every case the book holds, on the loop's
// goroutine: f must not keep or change them (the safety index reads the
// disputes from them).
func (b *Book) EachCase(f func(*Case)) {
	for _, c := range b.all {
		f(c)
	}
}

// maxRecent is how many changes the cases layer lists.
const maxRecent = 20

// WhenApplied is closed once the command with entry id is folded.
func (b *Book) WhenApplied(id string) <-chan struct{} { return b.applied.When(id) }

// Case returns a copy of the case with id, overdue as of now, or nil.
func (b *Book) Case(id string) *Case {
	i, ok := b.at[id]
	if !ok {
		return nil
	}
	return b.all[i].at(b.now)
}

// EachOverdueCase calls fn for every case waiting for handling past its
// deadline (the alert rules read it: ops.Cases).
func (b *Book) EachOverdueCase(fn func(id, title string, lat, lng float64, due time.Time)) {
	for _, c := range b.all {
		if c.OverdueAt(b.now) {
			fn(c.ID, c.Title, c.Lat, c.Lng, c.Due)
		}
	}
}

// Len is how many cases the book holds.
func (b *Book) Len() int { return len(b.all) }

// A Filter selects cases for a list.
type Filter struct {
	State   State     // "" for any; "open" for every open state
	Level   geo.Level // with Code: cases whose place is in that region
	Code    string
	Overdue bool   // only cases past their deadline
	Query   string // in the id, title or description of the case, any case
	// Scope, when set, keeps the cases of one region (a person's scope).
	Scope      *Scope
	Limit      int
	Department string
	Incident   string // only the cases registered for this incident
}

// A Scope is a region a person is confined to: they see and move only the
// cases whose place lies in it.
type Scope struct {
	Level geo.Level
	Code  string
}

// Holds reports whether the case lies in the scope (a nil scope holds all).
func (s *Scope) Holds(c *Case) bool { return s == nil || c.In(s.Level, s.Code) }

// List returns copies of the cases f selects, newest first, and how many
// matched before the limit.
func (b *Book) List(f Filter) ([]*Case, int) {
	var out []*Case
	q := strings.ToLower(f.Query)
	for _, c := range b.all {
		switch {
		case f.State == "open" && !c.State.Open(),
			f.State != "" && f.State != "open" && c.State != f.State,
			f.Code != "" && !c.In(f.Level, f.Code),
			f.Overdue && !c.OverdueAt(b.now),
			f.Department != "" && c.Department != f.Department,
			f.Incident != "" && c.Incident != f.Incident,
			!f.Scope.Holds(c),
			q != "" && !strings.Contains(strings.ToLower(c.ID+"\x00"+c.Title+"\x00"+c.Description), q):
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	total := len(out)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	for i, c := range out {
		out[i] = c.at(b.now)
	}
	return out, total
}

// Layers names the book's layer.
func (b *Book) Layers() []string { return []string{LayerCases} }

// Layer is the cases layer's current state.
func (b *Book) Layer(_ *live.Env, name string) []byte {
	if name != LayerCases {
		return nil
	}
	return b.layer()
}

// layerEvery is how often the cases layer is looked at: cases move in
// minutes, and a look scans every case.
const layerEvery = time.Second

// Tick publishes the cases layer, at most once every layerEvery, when it
// changed (or a case fell overdue) and someone watches it.
func (b *Book) Tick(env *live.Env, t *live.Tick) {
	if b.sinceLook += t.Every; b.sinceLook < layerEvery {
		return
	}
	b.sinceLook = 0
	overdue := 0
	for _, c := range b.all {
		if c.OverdueAt(b.now) {
			overdue++
		}
	}
	if overdue != b.overdue {
		b.overdue = overdue
		b.version++
	}
	if b.version != b.published && env.Watched(LayerCases) {
		b.published = b.version
		t.SetLayer(LayerCases, b.layer())
	}
}

// Summary is the cases layer: what the wall's strip, map and lists show.
type Summary struct {
	// Counts are the open cases by state, and closed and rated ones today.
	Counts map[State]int `json:"counts"`
	// ByDistrict counts open cases by district code.
	ByDistrict map[string]int `json:"byDistrict"`
	Overdue    int            `json:"overdue"`
	// OverdueList is the most overdue cases first, at most maxListed.
	OverdueList []Marker `json:"overdueList"`
	// Open are open cases for the map, newest first, at most maxListed.
	Open   []Marker `json:"open"`
	Recent []Change `json:"recent"`
}

// A Marker is a case on the map.
type Marker struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	State    State     `json:"state"`
	Label    string    `json:"label"`
	Lat      float64   `json:"lat"`
	Lng      float64   `json:"lng"`
	District string    `json:"district,omitempty"`
	Street   string    `json:"street,omitempty"`
	Due      time.Time `json:"due,omitzero"`
	Overdue  bool      `json:"overdue"`
	Warning  bool      `json:"warning"` // 80 % of its time gone, not yet overdue
}

// maxListed bounds the markers of the layer.
const maxListed = 500

// Summarize is the cases layer as of the book's clock.
func (b *Book) Summarize() Summary {
	s := Summary{Counts: map[State]int{}, ByDistrict: map[string]int{}, OverdueList: []Marker{}, Open: []Marker{}, Recent: []Change{}}
	dayStart := startOfDay(b.now, b.cat.Calendar.Location())
	// The most overdue and the newest open cases: kept maxListed at a time
	// as the scan goes, not sorted whole (a city has a hundred thousand).
	late := newTop(maxListed, func(x, y *Case) bool { return x.Due.Before(y.Due) || x.Due.Equal(y.Due) && x.ID < y.ID })
	open := newTop(maxListed, func(x, y *Case) bool {
		return x.CreatedAt.After(y.CreatedAt) || x.CreatedAt.Equal(y.CreatedAt) && x.ID > y.ID
	})
	for _, c := range b.all {
		switch {
		case c.State.Open():
			s.Counts[c.State]++
			s.ByDistrict[c.Regions.District]++
			open.offer(c)
			if c.OverdueAt(b.now) {
				s.Overdue++
				late.offer(c)
			}
		case c.State == Closed && !c.ClosedAt.Before(dayStart):
			s.Counts[Closed]++
		case c.State == Rated && !c.ClosedAt.Before(dayStart):
			s.Counts[Rated]++
		}
	}
	for _, c := range late.sorted() {
		s.OverdueList = append(s.OverdueList, b.marker(c))
	}
	for _, c := range open.sorted() {
		s.Open = append(s.Open, b.marker(c))
	}
	recent := b.recent[max(0, len(b.recent)-maxRecent):]
	for i := len(recent) - 1; i >= 0; i-- {
		s.Recent = append(s.Recent, recent[i])
	}
	return s
}

func (b *Book) marker(c *Case) Marker {
	overdue := c.OverdueAt(b.now)
	return Marker{ID: c.ID, Title: c.Title, State: c.State, Label: c.Label, Lat: c.Lat, Lng: c.Lng,
		District: c.Regions.District, Street: c.Regions.Street, Due: c.Due, Overdue: overdue, Warning: !overdue && c.Warned(b.now)}
}

func (b *Book) layer() []byte {
	body, _ := json.Marshal(b.Summarize())
	return append([]byte(`"`+LayerCases+`":`), body...)
}

func startOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// top keeps the k cases that come first by less, of those offered.
type top struct {
	k    int
	less func(x, y *Case) bool
	h    []*Case // a heap whose root is the last of the kept
}

func newTop(k int, less func(x, y *Case) bool) *top { return &top{k: k, less: less} }

func (t *top) offer(c *Case) {
	if len(t.h) < t.k {
		t.h = append(t.h, c)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.less(t.h[p], t.h[i]) {
				break
			}
			t.h[p], t.h[i] = t.h[i], t.h[p]
			i = p
		}
		return
	}
	if !t.less(c, t.h[0]) {
		return
	}
	t.h[0] = c
	for i := 0; ; {
		l, r, last := 2*i+1, 2*i+2, i
		if l < len(t.h) && t.less(t.h[last], t.h[l]) {
			last = l
		}
		if r < len(t.h) && t.less(t.h[last], t.h[r]) {
			last = r
		}
		if last == i {
			return
		}
		t.h[i], t.h[last] = t.h[last], t.h[i]
		i = last
	}
}

// sorted is the kept cases, first first.
func (t *top) sorted() []*Case {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(x, y *Case) int {
		switch {
		case t.less(x, y):
			return -1
		case t.less(y, x):
			return 1
		}
		return 0
	})
	return out
}
