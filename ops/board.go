package ops

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
)

// Heat is what the rules read of the live heat; live.State provides it.
type Heat interface {
	// EachCellAtLeast calls fn for every cell of the unfiltered view at res
	// and window whose count is at least min.
	EachCellAtLeast(res int, window string, min int32, fn func(geo.Cell, int32))
	// CellCount is one cell's count in that view.
	CellCount(res int, window string, c geo.Cell) int32
}

// A Proposal is a command a node wants appended to the commands stream under
// a claim (stream.Commander.Append): proposals of several nodes for the same
// thing race there, and exactly one is appended.
type Proposal struct {
	Mode   stream.ClaimMode
	Claims string // "open" or "busy"
	Field  string // the alert key or the unit
	ID     string // the alert or dispatch id
	Cmd    stream.Command
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

// A Board is the fold of the commands stream beside the events: every alert
// and dispatch, the units' latest positions, and what the anomaly rules need
// of the past. It is owned by one goroutine (live.Aggregator's); it is not
// safe for concurrent use.
type Board struct {
	rules   *Rules
	locate  func(orb.Point, geo.Cell) geo.RegionCodes
	history time.Time
	now     time.Time
	ready   bool
	evals   int

	alerts     map[string]*Alert // by id, resolved ones for a day
	active     map[string]*Alert // by id, the alerts not resolved: what counts and lists read
	byKey      map[string]*Alert // the latest alert of each key
	suppressed map[string]bool   // manually resolved keys, until their condition clears
	pending    map[string]int    // key → the evaluation its proposal went out in

	dispatches map[string]*Dispatch
	busy       map[string]*Dispatch // unit → its active dispatch
	units      map[string]geo.Position

	severe       map[string]severeIncident // severe incidents not yet alerted
	incidents    recentIncidents
	places       []map[placeKey]*place // per anomaly rule
	cityHours    map[int64]struct{}    // hours (by event time) with any incident in the city
	lastCityHour int64                 // the hour last added to cityHours, to skip the map
	shapes       []string              // per anomaly rule: what its history counts

	outbox   []Proposal
	lastEval time.Duration // what the last evaluation cost, by the wall clock
	version  uint64        // bumped on every change a client can see
	applied  string        // the last command entry folded

	summary        *Summary
	summaryVersion uint64
	summaryAt      time.Time     // by the wall clock
	summaryCost    time.Duration // what encoding the last summary cost
}

// NewBoard returns an empty board.
func NewBoard(cfg Config) *Board {
	b := &Board{
		locate: cfg.Locate, history: cfg.History,
		alerts: map[string]*Alert{}, active: map[string]*Alert{}, byKey: map[string]*Alert{}, suppressed: map[string]bool{}, pending: map[string]int{},
		dispatches: map[string]*Dispatch{}, busy: map[string]*Dispatch{}, units: map[string]geo.Position{},
		severe: map[string]severeIncident{}, cityHours: map[int64]struct{}{}, incidents: newRecentIncidents(100_000, 24*time.Hour),
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
// rebuilding it must not, since it has not yet seen every command.
func (b *Board) SetReady() { b.ready = true }

// LastEvaluation is how long the last Evaluate took.
func (b *Board) LastEvaluation() time.Duration { return b.lastEval }

// Version changes whenever something in Summary does.
func (b *Board) Version() uint64 { return b.version }

// Applied is the id of the last command folded.
func (b *Board) Applied() string { return b.applied }

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

// Apply folds one command of the commands stream.
func (b *Board) Apply(entryID string, c *stream.Command) {
	b.applied = entryID
	switch c.Type {
	case cmdAlertOpen:
		var a Alert
		if json.Unmarshal(c.Data, &a) != nil || a.ID == "" || b.alerts[a.ID] != nil {
			return
		}
		a.Status = StatusOpen
		b.alerts[a.ID] = &a
		b.active[a.ID] = &a
		b.byKey[a.Key] = &a
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
			a.Status, a.AckedAt, a.AckedBy = StatusAcked, c.At, c.By
		} else {
			a.Status, a.ResolvedAt, a.ResolvedBy, a.Resolution = StatusResolved, c.At, c.By, ch.Resolution
			delete(b.active, a.ID)
			if ch.Resolution == resolutionManual {
				b.suppressed[a.Key] = true
			}
			delete(b.pending, a.Key)
		}
		if ch.Note != "" {
			a.Note = ch.Note
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
		if p, ok := b.units[d.Unit]; ok {
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
		d.Status, d.ClearedAt, d.ClearedBy = Cleared, c.At, c.By
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

// AddPosition folds a unit's position: its latest position, and its
// dispatch's progress.
func (b *Board) AddPosition(p *geo.Position) {
	if old, ok := b.units[p.Unit]; !ok || !p.Time.Before(old.Time) {
		b.units[p.Unit] = *p
	}
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
	return Proposal{Mode: stream.Release, Claims: claimsBusy, Field: d.Unit, ID: d.ID,
		Cmd: stream.Command{Type: typ, At: b.now, By: by, Data: data}}
}

// Units are the latest known positions, sorted by unit.
func (b *Board) Units() []geo.Position {
	out := make([]geo.Position, 0, len(b.units))
	for _, p := range b.units {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
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
