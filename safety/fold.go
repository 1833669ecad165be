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
}

var _ live.Fold = (*Fold)(nil)

// NewFold returns a fold with no tallies.
func NewFold(fc FoldConfig) *Fold {
	if fc.Refresh == 0 {
		fc.Refresh = time.Minute
	}
	f := &Fold{cfg: fc.Config, regions: fc.Regions, since: fc.Since, refresh: fc.Refresh,
		codes: map[string]int32{}, days: map[dayNum]*dayTally{}, tables: map[string]*Table{}}
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
	if f.now.Sub(f.computedAt) >= f.refresh {
		if env != nil {
			f.RecomputeWith(env)
		} else {
			f.Recompute(nil)
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

// Recompute computes every period's index now; cases, when given, feed the
// sub-indices configured to read them.
//
// Until the regions are loaded there is nothing to compute, and nothing is
// recorded: the next tick tries again (the tables stay nil, the keeper
// writes nothing).
func (f *Fold) Recompute(cs CaseSource) {
	var regs *geo.Regions
	if f.regions != nil {
		regs = f.regions()
	}
	if regs == nil {
		return
	}
	f.computedAt = f.now
	f.computed++
	f.countedAtCompute = f.counted
	var caseDays map[dayNum]map[int32]*caseTally
	if cs != nil {
		caseDays = f.caseTallies(cs)
	}
	for _, p := range f.cfg.Periods {
		f.tables[p.Name] = f.compute(p, regs, caseDays)
	}
}

// RecomputeWith is Recompute with the cases found among the loop's folds.
func (f *Fold) RecomputeWith(env *live.Env) {
	cs, _ := live.Find[CaseSource](env)
	f.Recompute(cs)
}

// ComputedAt is when the tables were last computed (zero before the first).
func (f *Fold) ComputedAt() time.Time { return f.computedAt }

// Counted reports whether incidents were tallied since the last computation.
func (f *Fold) Counted() bool { return f.counted != f.countedAtCompute }

// Table is the latest computation of period (nil before the first). Tables
// are immutable: the caller may keep it.
func (f *Fold) Table(period string) *Table { return f.tables[period] }
