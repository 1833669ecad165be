package ops

import (
	"encoding/json"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/paulmach/orb"
)

// Heat is what the rules read of the live heat. The board finds it among the
// loop's folds (live.Find); heat.State is one.
type Heat interface {
	// EachCellAtLeast calls fn for every cell of the unfiltered view at res
	// and window whose count is at least min.
	EachCellAtLeast(res int, window string, min int32, fn func(geo.Cell, int32))
	// CellCount is one cell's count in that view.
	CellCount(res int, window string, c geo.Cell) int32
}

// Units is what the board reads of the units' latest positions, to dispatch
// and to cover hot cells. The board finds it among the loop's folds;
// heat.State is one.
type Units interface {
	// Unit is a unit's latest position, if it reported lately.
	Unit(id string) (geo.Position, bool)
	// EachUnit calls fn with every unit's latest position; fn must not keep it.
	EachUnit(fn func(*geo.Position))
}

// A Proposal is a command a node wants appended to the commands stream under
// a claim: proposals of several nodes for the same thing race there, and
// exactly one is appended.
type Proposal struct {
	Claim geo.Claim // Set "open" (alert keys) or "busy" (units); Owner the alert or dispatch id
	Cmd   geo.Command
}

// Config configures a Board.
type Config struct {
	Rules *Rules // nil means DefaultRules
	// Locate finds the regions holding a place, for alerts on cells; nil
	// leaves them out.
	Locate func(p orb.Point, c geo.Cell) geo.RegionCodes
	// History is the event time from which the fold has read incidents: days
	// before it are not counted as anomaly samples (they are unknown, not
	// quiet).
	History time.Time
}

// A Board is the fold of alerts and dispatches: the commands stream, and what
// the rules need of the events (the anomaly history, severe incidents, the
// units' progress to their targets). It is a live.Fold, owned by the loop's
// goroutine; it is not safe for concurrent use. It reads the heat and the
// units through the loop (Heat, Units), and publishes the alerts and
// dispatches layers.
type Board struct {
	rules     *Rules
	locate    func(orb.Point, geo.Cell) geo.RegionCodes
	history   time.Time
	now       time.Time
	ready     bool // the loop has folded the rebuild: proposals may go out
	evals     int
	sinceEval time.Duration // tick time since the last evaluation

	alerts map[string]*Alert // by id, resolved ones for a day
	active map[string]*Alert // by id, the alerts not resolved: what counts and lists read
	// byKind, storms and members index the alerts not resolved (activate,
	// deactivate): the rules read the alerts of one kind, not every alert
	// of the day, and a storm's members are at hand.
	byKind     map[string]map[string]*Alert
	storms     map[stormKey]*Alert
	members    map[stormKey]map[string]*Alert
	counts     Counts            // of the alerts not resolved, kept as they change
	byKey      map[string]*Alert // the latest alert of each key
	suppressed map[string]bool   // manually resolved keys, until their condition clears
	pending    map[string]int    // key → the evaluation its proposal went out in

	dispatches map[string]*Dispatch
	busy       map[string]*Dispatch // unit → its active dispatch

	openings     map[stormKey]*openings    // alerts opened per minute, by kind and district
	severe       map[string]severeIncident // severe incidents not yet alerted
	incidents    recentIncidents
	places       []map[placeKey]*place // per anomaly rule
	cityHours    map[int64]struct{}    // hours (by event time) with any incident in the city
	lastCityHour int64                 // the hour last added to cityHours, to skip the map
	shapes       []string              // per anomaly rule: what its history counts

	outbox    []Proposal
	proposals chan []Proposal // to whoever appends them (Service)
	lastEval  time.Duration   // what the last evaluation cost, by the wall clock
	version   uint64          // bumped on every change a client can see
	published uint64          // the summary version last put in a tick
	applied   live.Applied    // the commands folded, and who waits for one

	summary        *Summary
	summaryVersion uint64
	summaryAt      time.Time     // by the wall clock
	summaryCost    time.Duration // what encoding the last summary cost
}

var (
	_ live.Fold        = (*Board)(nil)
	_ live.LayerSource = (*Board)(nil)
)

// NewBoard returns an empty board.
func NewBoard(cfg Config) *Board {
	b := &Board{
		locate: cfg.Locate, history: cfg.History,
		alerts: map[string]*Alert{}, active: map[string]*Alert{}, byKey: map[string]*Alert{}, suppressed: map[string]bool{}, pending: map[string]int{},
		dispatches: map[string]*Dispatch{}, busy: map[string]*Dispatch{},
		severe: map[string]severeIncident{}, cityHours: map[int64]struct{}{}, incidents: newRecentIncidents(100_000, 24*time.Hour),
		openings: map[stormKey]*openings{},
		byKind:   map[string]map[string]*Alert{}, storms: map[stormKey]*Alert{}, members: map[stormKey]map[string]*Alert{},
		counts:    Counts{ByKind: map[string]int{}, ByDistrict: map[string]int{}},
		proposals: make(chan []Proposal, 64),
	}
	b.SetRules(cfg.Rules)
	return b
}

// SetRules replaces the rules; alerts open under old rules are resolved by
// the next evaluation if their rule is gone or no longer holds.
func (b *Board) SetRules(r *Rules) {
	if r == nil {
		r = DefaultRules()
	}
	b.rules = r
	places := make([]map[placeKey]*place, len(r.Anomaly))
	shapes := make([]string, len(r.Anomaly))
	for i, a := range r.Anomaly {
		shapes[i] = shapeOf(a)
		// A rule that survives a reload with the same shape keeps its history.
		for j, old := range b.shapes {
			if old == shapes[i] {
				places[i] = b.places[j]
			}
		}
		if places[i] == nil {
			places[i] = map[placeKey]*place{}
		}
	}
	b.places, b.shapes = places, shapes
}

// Rules are the rules in force.
func (b *Board) Rules() *Rules { return b.rules }

// Advance moves the board's clock.
func (b *Board) Advance(now time.Time) {
	if now.After(b.now) {
		b.now = now
	}
}

// SetReady tells the board the rebuild is over: from now on it proposes. While
// rebuilding it must not, since it has not yet seen every command. In a loop,
// the board takes this from the loop (live.Env.Ready).
func (b *Board) SetReady() { b.ready = true }

// Proposals are the board's proposals, batch by batch, for whoever appends
// them to the commands stream (Service). A batch that finds the channel full
// is dropped: the board proposes again a few evaluations on.
func (b *Board) Proposals() <-chan []Proposal { return b.proposals }

// LastEvaluation is how long the last Evaluate took.
func (b *Board) LastEvaluation() time.Duration { return b.lastEval }

// Version changes whenever something in Summary does.
func (b *Board) Version() uint64 { return b.version }

// Applied is the id of the last command folded.
func (b *Board) Applied() string { return b.applied.Last() }

// WhenApplied is closed once the command stored with entry id is folded (at
// once if it is): a change made by a handler answers only then, so the
// answer, and the next read, show it.
func (b *Board) WhenApplied(id string) <-chan struct{} { return b.applied.When(id) }

// Drain returns the proposals made since the last call. Before SetReady it
// returns none and forgets them.
func (b *Board) Drain() []Proposal {
	out := b.outbox
	b.outbox = nil
	if !b.ready {
		return nil
	}
	return out
}

// flush hands the proposals made to Proposals.
func (b *Board) flush() {
	if len(b.outbox) == 0 {
		return
	}
	if ps := b.Drain(); len(ps) > 0 {
		select {
		case b.proposals <- ps:
		default: // dropped: proposed again a few evaluations on
		}
	}
}

// Apply folds one event of the loop: an incident into the rules' history
// (and, if severe or turning its cell hot, an alert proposed at once), a
// position into its unit's dispatch, a command into the board.
func (b *Board) Apply(env *live.Env, e *geo.Event) {
	b.ready = env.Ready()
	switch e.Kind {
	case geo.KindIncident:
		b.AddIncident(&e.Incident)
		if b.ready { // no proposals while rebuilding: spare the rebuild the look-up
			b.Touch(heatOf(env), e.Incident.HeatCells())
		}
	case geo.KindPosition:
		b.AddPosition(&e.Position)
	case geo.KindCommand:
		b.ApplyCommand(unitsOf(env), e.ID, &e.Command)
	}
	b.flush()
}

// Tick evaluates the rules when they are due, sends the proposals, and puts
// the alerts and dispatches layers in the tick when they changed.
func (b *Board) Tick(env *live.Env, t *live.Tick) {
	b.ready = env.Ready()
	// The rules run on the loop's ticks, not its clock, so they keep running
	// under a test's frozen clock.
	if b.sinceEval += t.Every; b.sinceEval >= b.rules.Every.Duration {
		b.sinceEval = 0
		b.Evaluate(heatOf(env), unitsOf(env))
		b.EvaluateCases(casesOf(env))
	}
	b.flush()
	watched := env.Watched(LayerAlerts) || env.Watched(LayerDispatches)
	if b.version != b.published && watched {
		// The board may hand back the previous summary in an alert storm (see
		// Summary): then a later tick publishes the newer one. Nobody
		// watching, nothing is encoded: a client that subscribes gets the
		// summary in its snapshot, and a tick later what changed since.
		if sum := b.Summary(); sum.Version != b.published {
			b.published = sum.Version
			t.SetLayer(LayerAlerts, sum.Alerts)
			t.SetLayer(LayerDispatches, sum.Dispatches)
		}
	}
}

// The board's layers (live.LayerSource).
const (
	LayerAlerts     = "alerts"
	LayerDispatches = "dispatches"
)

// Layers names the board's layers.
func (b *Board) Layers() []string { return []string{LayerAlerts, LayerDispatches} }

// Layer is a layer's current state, for a snapshot.
func (b *Board) Layer(_ *live.Env, name string) []byte {
	sum := b.Summary()
	if name == LayerAlerts {
		return sum.Alerts
	}
	return sum.Dispatches
}

// heatOf and unitsOf find the board's readings among the loop's folds; a loop
// without them reads as empty.
func heatOf(env *live.Env) Heat {
	if h, ok := live.Find[Heat](env); ok {
		return h
	}
	return noFigures{}
}

// Cases is what the rules read of the cases: the ones past their deadline.
// The board finds it among the loop's folds; cases.Book is one.
type Cases interface {
	// EachOverdueCase calls fn for every case waiting for handling past its
	// deadline.
	EachOverdueCase(fn func(id, title string, lat, lng float64, due time.Time))
}

func casesOf(env *live.Env) Cases {
	if c, ok := live.Find[Cases](env); ok {
		return c
	}
	return noFigures{}
}

func unitsOf(env *live.Env) Units {
	if u, ok := live.Find[Units](env); ok {
		return u
	}
	return noFigures{}
}

type noFigures struct{}

func (noFigures) EachCellAtLeast(int, string, int32, func(geo.Cell, int32))         {}
func (noFigures) CellCount(int, string, geo.Cell) int32                             { return 0 }
func (noFigures) Unit(string) (geo.Position, bool)                                  { return geo.Position{}, false }
func (noFigures) EachUnit(func(*geo.Position))                                      {}
func (noFigures) EachOverdueCase(func(string, string, float64, float64, time.Time)) {}

// ApplyCommand folds one command of the commands stream, stored with entry
// id; units are the units' latest positions (a dispatch to a unit already on
// scene is on scene at once), nil for none.
func (b *Board) ApplyCommand(units Units, entryID string, c *geo.Command) {
	if units == nil {
		units = noFigures{}
	}
	defer b.applied.Mark(entryID)
	switch c.Type {
	case cmdAlertOpen:
		var a Alert
		if json.Unmarshal(c.Data, &a) != nil || a.ID == "" || b.alerts[a.ID] != nil {
			return
		}
		a.Status = StatusOpen
		b.alerts[a.ID] = &a
		b.activate(&a)
		b.byKey[a.Key] = &a
		b.countOpening(&a)
		delete(b.pending, a.Key)
		delete(b.severe, a.Incident)
	case cmdAlertAck, cmdAlertResolve:
		var ch change
		if json.Unmarshal(c.Data, &ch) != nil {
			return
		}
		a := b.alerts[ch.Alert]
		if a == nil || !a.Active() {
			return
		}
		if c.Type == cmdAlertAck {
			if a.Status == StatusOpen {
				b.counts.Open--
				b.counts.Acknowledged++
			}
			a.Status, a.AckedAt, a.AckedBy = StatusAcked, c.At, c.By
		} else {
			b.deactivate(a)
			a.Status, a.ResolvedAt, a.ResolvedBy, a.Resolution = StatusResolved, c.At, c.By, ch.Resolution
			if ch.Resolution == resolutionManual {
				b.suppressed[a.Key] = true
			}
			delete(b.pending, a.Key)
		}
		if ch.Note != "" {
			a.Note = ch.Note
			if c.Type == cmdAlertAck {
				a.AckNote = ch.Note
			} else {
				a.ResolveNote = ch.Note
			}
		}
	case cmdDispatchAssign:
		var d Dispatch
		if json.Unmarshal(c.Data, &d) != nil || d.ID == "" || b.dispatches[d.ID] != nil {
			return
		}
		cell, err := geo.ParseCell(d.Cell)
		if err != nil {
			return
		}
		d.cell, d.Status = cell, Assigned
		b.dispatches[d.ID] = &d
		b.busy[d.Unit] = &d
		if p, ok := units.Unit(d.Unit); ok {
			b.track(&d, &p)
		}
	case cmdDispatchClear, cmdDispatchCancel:
		var ch change
		if json.Unmarshal(c.Data, &ch) != nil {
			return
		}
		d := b.dispatches[ch.Dispatch]
		if d == nil || !d.Active() {
			return
		}
		d.Status, d.ClearedAt, d.ClearedBy, d.EndNote = Cleared, c.At, c.By, ch.Note
		if c.Type == cmdDispatchCancel {
			d.Status = Cancelled
		}
		if b.busy[d.Unit] == d {
			delete(b.busy, d.Unit)
		}
		delete(b.pending, "end:"+d.ID)
	default:
		return // a newer node's command: ignored, not misread
	}
	b.version++
}

// activate indexes an alert that opened.
func (b *Board) activate(a *Alert) {
	b.active[a.ID] = a
	b.count(a, 1)
	put(b.byKind, a.Kind, a)
	if a.Kind == KindStorm {
		b.storms[stormKey{a.Of, a.Region}] = a
	} else if k, ok := stormOf(a); ok {
		put(b.members, k, a)
	}
}

// deactivate drops an alert being resolved (still of its status) from the
// indexes of the active.
func (b *Board) deactivate(a *Alert) {
	delete(b.active, a.ID)
	b.count(a, -1)
	drop(b.byKind, a.Kind, a)
	if a.Kind == KindStorm {
		if k := (stormKey{a.Of, a.Region}); b.storms[k] == a {
			delete(b.storms, k)
		}
	} else if k, ok := stormOf(a); ok {
		drop(b.members, k, a)
	}
}

// count adds d of an active alert to the counts.
func (b *Board) count(a *Alert, d int) {
	c := &b.counts
	if a.Status == StatusAcked {
		c.Acknowledged += d
	} else {
		c.Open += d
	}
	bump(c.ByKind, a.Kind, d)
	if a.Severity >= 1 && a.Severity <= 4 {
		c.BySeverity[a.Severity-1] += d
	}
	if dist := a.Regions.District; dist != "" {
		bump(c.ByDistrict, dist, d)
	}
}

func bump(m map[string]int, k string, d int) {
	if m[k] += d; m[k] == 0 {
		delete(m, k)
	}
}

func put[K comparable](m map[K]map[string]*Alert, k K, a *Alert) {
	if m[k] == nil {
		m[k] = map[string]*Alert{}
	}
	m[k][a.ID] = a
}

func drop[K comparable](m map[K]map[string]*Alert, k K, a *Alert) {
	if delete(m[k], a.ID); len(m[k]) == 0 {
		delete(m, k)
	}
}

// AddIncident folds an incident: into the anomaly history, the index of
// recent incidents (to dispatch by incident id) and, if severe, the alerts to
// raise.
func (b *Board) AddIncident(in *geo.Incident) {
	b.incidents.add(in)
	if h := slotOf(in.Time) / slotsPerHour; h != b.lastCityHour {
		b.cityHours[h] = struct{}{}
		b.lastCityHour = h
	}
	for i := range b.rules.Anomaly {
		b.addToPlace(i, in)
	}
	sv := b.rules.Severe
	if sv.MinSeverity > 0 && in.Severity >= sv.MinSeverity && b.now.Sub(in.Time) < b.severeSpan() {
		key := KindSevere + ":" + in.ID
		if b.byKey[key] == nil {
			si := severeIncident{id: in.ID, cell: in.Cell, lat: in.Lat, lng: in.Lng, time: in.Time,
				severity: in.Severity, category: in.Category, title: in.Title, regions: in.Regions}
			b.severe[in.ID] = si
			b.proposeSevere(si) // at once, not at the next evaluation
		}
	}
}

func (b *Board) severeSpan() time.Duration {
	if d := b.rules.Severe.AutoResolve.Duration; d > 0 {
		return d
	}
	return keepEnded
}

// AddPosition folds a unit's position into its dispatch's progress.
func (b *Board) AddPosition(p *geo.Position) {
	if d := b.busy[p.Unit]; d != nil {
		b.track(d, p)
	}
}

// track moves a dispatch on from a position of its unit: en route once it
// reports after the assignment, on scene once inside the target's rings (the
// earliest such position, whatever order positions arrive in), and cleared
// when, after being on scene and having reported a busy status since the
// assignment, it reports itself available again.
func (b *Board) track(d *Dispatch, p *geo.Position) {
	if !p.Time.After(d.AssignedAt) {
		return // reported before the order, or in the same instant: not an answer to it
	}
	dist, ok := p.Cell.GridDistance(d.cell)
	inside := ok && dist <= b.rules.Dispatch.ArriveRings
	switch {
	case inside && (d.Status == Assigned || d.Status == EnRoute || d.Status == OnScene && p.Time.Before(d.OnSceneAt)):
		d.Status, d.OnSceneAt = OnScene, p.Time
		d.ResponseSeconds = p.Time.Sub(d.AssignedAt).Seconds()
		d.Overdue = d.TargetSeconds > 0 && d.ResponseSeconds > d.TargetSeconds
		b.version++
	case !inside && d.Status == Assigned:
		d.Status, d.EnRouteAt = EnRoute, p.Time
		b.version++
	case d.Status == OnScene && d.engaged && p.Status == geo.StatusAvailable && p.Time.After(d.OnSceneAt):
		b.proposeEnd(d, p.Unit, false)
	}
	if p.Status != geo.StatusAvailable {
		// The unit has taken the order (dispatched, busy): from now on its
		// "available" means done, not "has not heard yet".
		d.engaged = true
	}
}

// proposeEnd proposes clearing (or cancelling) an active dispatch.
func (b *Board) proposeEnd(d *Dispatch, by string, cancel bool) {
	key := "end:" + d.ID
	if _, ok := b.pending[key]; ok {
		return
	}
	b.pending[key] = b.evals
	b.outbox = append(b.outbox, b.endProposal(d, by, "", cancel))
}

func (b *Board) endProposal(d *Dispatch, by, note string, cancel bool) Proposal {
	typ := cmdDispatchClear
	if cancel {
		typ = cmdDispatchCancel
	}
	data, _ := json.Marshal(change{Dispatch: d.ID, Note: note})
	return Proposal{Claim: geo.Claim{Mode: geo.Release, Set: claimsBusy, Field: d.Unit, Owner: d.ID},
		Cmd: geo.Command{Type: typ, At: b.now, By: by, Data: data}}
}

// available reports whether a unit may take a new dispatch: it says it is
// available, is on no dispatch, and has reported lately.
func (b *Board) available(p *geo.Position) bool {
	return p.Status == geo.StatusAvailable && b.busy[p.Unit] == nil && !b.stale(p)
}

// stale reports whether a unit has been silent too long to be relied on.
func (b *Board) stale(p *geo.Position) bool {
	return b.now.Sub(p.Time) > b.rules.Dispatch.StaleAfter.Duration
}
