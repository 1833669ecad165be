package safety

import (
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

// FoldConfig configures a Fold.
type FoldConfig struct {
	Config *Config
	// Regions is the current hierarchy, or nil while it is not loaded yet
	// (it must not block: the fold runs on the loop's goroutine).
	Regions func() *geo.Regions
	// Since is where the streams' incidents begin (the tailer's
	// IncidentsSince): the days before it come from the store.
	Since time.Time
	// Refresh is how often every index is recomputed. Zero means a minute.
	Refresh time.Duration
}

// A Fold is the live.Fold of the safety index: it tallies incidents per day,
// region, sub-index and severity, and recomputes every region's index each
// Refresh. Like every fold it is used on the loop's goroutine only.
type Fold struct {
	cfg       *Config
	regions   func() *geo.Regions
	since     time.Time
	firstFull dayNum // the first day the streams hold whole
	refresh   time.Duration

	now       time.Time
	dataStart time.Time // where recorded data begins; zero: none yet

	codes map[string]int32 // region code → its number
	names []string         // by number
	days  map[dayNum]*dayTally

	listed        []region // regionsOf the hierarchy of listedVersion
	listedVersion uint64

	tables     map[string]*Table // the latest computation, by period
	computedAt time.Time
	computed   uint64 // recomputations made
	// counted is how many incidents the tallies took; countedAtCompute, how
	// many the latest recomputation saw.
	counted, countedAtCompute uint64
	published                 uint64 // the recomputation the layer last published
	lastSweep                 dayNum
	// snapshots numbers the snapshots taken; installed is the newest whose
	// tables are in place. computing says a recomputation runs off the loop,
	// and done brings its tables back.
	snapshots, installed uint64
	computing            bool
	done                 chan computed
}

// computed is a recomputation's outcome: the snapshot and its tables.
type computed struct {
	z      *frozen
	tables map[string]*Table
}

// frozen is what a recomputation reads, taken on the loop's goroutine and
// read on any other: the days are shared with the fold, which copies a day
// before changing it (dayTally.shared), so the loop never waits for the
// 0.3 s a recomputation takes at Suzhou's scale.
type frozen struct {
	cfg       *Config
	now       time.Time
	dataStart time.Time
	names     int // region numbers in use
	days      map[dayNum]*dayTally
	regions   []region
	regs      *geo.Regions
	caseDays  map[dayNum]map[int32]*caseTally
	seq       uint64
	counted   uint64
}

// computeAll makes every period's table.
func (z *frozen) computeAll() map[string]*Table {
	out := make(map[string]*Table, len(z.cfg.Periods))
	for _, p := range z.cfg.Periods {
		out[p.Name] = z.compute(p)
	}
	return out
}

var _ live.Fold = (*Fold)(nil)

// NewFold returns a fold with no tallies.
func NewFold(fc FoldConfig) *Fold {
	if fc.Refresh == 0 {
		fc.Refresh = time.Minute
	}
	f := &Fold{cfg: fc.Config, regions: fc.Regions, since: fc.Since, refresh: fc.Refresh,
		codes: map[string]int32{}, days: map[dayNum]*dayTally{}, tables: map[string]*Table{}, done: make(chan computed, 1)}
	f.firstFull = f.cfg.dayOf(fc.Since)
	if !f.cfg.start(f.firstFull).Equal(fc.Since) {
		f.firstFull++
	}
	return f
}

// Config is the fold's configuration.
func (f *Fold) Config() *Config { return f.cfg }

// Advance moves the fold's clock.
func (f *Fold) Advance(now time.Time) { f.now = now }

func (f *Fold) number(code string) int32 {
	n, ok := f.codes[code]
	if !ok {
		n = int32(len(f.names))
		f.codes[code] = n
		f.names = append(f.names, code)
	}
	return n
}

// Apply tallies an incident whose category feeds a sub-index, in the region
// of every level holding it, on its day (by event time).
func (f *Fold) Apply(_ *live.Env, e *geo.Event) {
	if e.Kind != geo.KindIncident {
		return
	}
	in := &e.Incident
	sub, ok := f.cfg.SubOf(in.Category)
	if !ok || in.Regions.IsZero() {
		return
	}
	d := f.cfg.dayOf(in.Time)
	t := f.days[d]
	if t != nil && t.stored {
		return
	}
	// Data begins with the earliest incident the streams still hold.
	if at := later(in.Time, f.since); f.dataStart.IsZero() || at.Before(f.dataStart) {
		f.dataStart = at
	}
	if t == nil {
		t = newDay(later(f.cfg.start(d), f.dataStart))
		f.days[d] = t
	} else if t.shared {
		t = t.clone()
		f.days[d] = t
	}
	t.from = later(earlier(t.from, f.dataStart), f.cfg.start(d))
	f.counted++
	sev := min(max(in.Severity, 1), 4) - 1
	for _, lv := range []geo.Level{geo.LevelDistrict, geo.LevelStreet, geo.LevelCommunity, geo.LevelGrid} {
		if code := in.Regions.At(lv); code != "" {
			t.add(f.number(code), sub, sev, 1)
		}
	}
}

// Tick recomputes every index once a Refresh, once the rebuild is folded,
// publishes the index layer after each recomputation, and drops once a day
// the tallies no period reads any more.
func (f *Fold) Tick(env *live.Env, t *live.Tick) {
	if env != nil && !env.Ready() {
		return
	}
	// Driven by a loop, the recomputation runs on a goroutine of its own and
	// its tables are put in place on a later tick; without one, in place.
	select {
	case c := <-f.done:
		f.computing = false
		f.install(c.z, c.tables)
	default:
	}
	if f.now.Sub(f.computedAt) >= f.refresh && !f.computing {
		if env == nil {
			f.Recompute(nil)
		} else if z := f.snapshotWith(env); z != nil {
			f.computing = true
			go func() { f.done <- computed{z, z.computeAll()} }()
		}
	}
	// A recomputation (here, or asked for by a handler) is published on
	// the next tick, to whoever watches the layer.
	if f.computed != f.published && env != nil && env.Watched(LayerIndex) {
		f.published = f.computed
		t.SetLayer(LayerIndex, f.layer())
	}
	if today := f.cfg.dayOf(f.now); today != f.lastSweep {
		f.lastSweep = today
		for d := range f.days {
			if !f.needed(d, today) {
				delete(f.days, d)
			}
		}
	}
}

// needed reports whether any period's computation today reads day d: the
// last Longest days, and the days a year (52 weeks) before the periods.
func (f *Fold) needed(d, today dayNum) bool {
	if d >= today-dayNum(f.cfg.Longest()/day)-1 {
		return true
	}
	most := 0
	for _, p := range f.cfg.Periods {
		most = max(most, p.Days)
	}
	yearAgo := today - 364
	return d >= yearAgo-dayNum(2*most)-1 && d <= yearAgo+1
}

// Recompute computes every period's index now, in place; cases, when given,
// feed the sub-indices configured to read them.
//
// Until the regions are loaded there is nothing to compute, and nothing is
// recorded: the next tick tries again (the tables stay nil, the keeper
// writes nothing).
func (f *Fold) Recompute(cs CaseSource) {
	if z := f.snapshot(cs); z != nil {
		f.install(z, z.computeAll())
	}
}

// RecomputeWith is Recompute with the cases found among the loop's folds.
func (f *Fold) RecomputeWith(env *live.Env) {
	cs, _ := live.Find[CaseSource](env)
	f.Recompute(cs)
}

// snapshotWith is snapshot with the cases found among the loop's folds.
func (f *Fold) snapshotWith(env *live.Env) *frozen {
	cs, _ := live.Find[CaseSource](env)
	return f.snapshot(cs)
}

// snapshot takes what a recomputation reads, on the loop's goroutine (nil
// until the regions are loaded). The regions' sizes and the cases' tallies
// are worked out here: they number regions, which only the loop may do.
func (f *Fold) snapshot(cs CaseSource) *frozen {
	var regs *geo.Regions
	if f.regions != nil {
		regs = f.regions()
	}
	if regs == nil {
		return nil
	}
	z := &frozen{cfg: f.cfg, now: f.now, dataStart: f.dataStart, regs: regs, regions: f.regionsOf(regs), counted: f.counted}
	if cs != nil {
		z.caseDays = f.caseTallies(cs)
	}
	z.names = len(f.names)
	z.days = make(map[dayNum]*dayTally, len(f.days))
	for d, t := range f.days {
		t.shared = true
		z.days[d] = t
	}
	f.snapshots++
	z.seq = f.snapshots
	return z
}

// install puts a recomputation's tables in place, unless a newer one is
// there already.
func (f *Fold) install(z *frozen, tables map[string]*Table) {
	if z.seq <= f.installed {
		return
	}
	f.installed = z.seq
	f.tables = tables
	f.computedAt = z.now
	f.computed++
	f.countedAtCompute = z.counted
}

// ComputedAt is when the tables were last computed (zero before the first).
func (f *Fold) ComputedAt() time.Time { return f.computedAt }

// Counted reports whether incidents were tallied since the last computation.
func (f *Fold) Counted() bool { return f.counted != f.countedAtCompute }

// Table is the latest computation of period (nil before the first). Tables
// are immutable: the caller may keep it.
func (f *Fold) Table(period string) *Table { return f.tables[period] }
