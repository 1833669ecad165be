package ops

import (
	"encoding/json"
	"maps"
	"sort"
	"time"
)

// Counts are the alerts not resolved, by status, kind, severity and district.
type Counts struct {
	Open         int            `json:"open"`
	Acknowledged int            `json:"acknowledged"`
	ByKind       map[string]int `json:"byKind"`
	// BySeverity counts severities 1..4 at indexes 0..3.
	BySeverity [4]int         `json:"bySeverity"`
	ByDistrict map[string]int `json:"byDistrict"`
}

// Counts counts the alerts not resolved (a copy of the counts the board keeps
// as alerts open, are acknowledged and resolve).
func (b *Board) Counts() Counts {
	c := b.counts
	c.ByKind, c.ByDistrict = maps.Clone(c.ByKind), maps.Clone(c.ByDistrict)
	return c
}

// An AlertFilter picks alerts to list.
type AlertFilter struct {
	Status string // "open" (not resolved; the default), "acknowledged", "resolved", "all"
	Kind   string // empty: every kind
	// Incident and Cell, when set, keep only the alerts of that incident
	// (severe-incident alerts) or of that cell (cell alerts, at its res).
	Incident string
	Cell     string
	Limit    int // zero: maxListedAlerts
	// Folded leaves out the members of the storms not resolved: the storm
	// stands for them (what the wall shows).
	Folded bool
}

// Alerts lists copies of the alerts the filter keeps, newest first.
func (b *Board) Alerts(f AlertFilter) []Alert {
	out := []Alert{}
	from := b.alerts
	if f.Status == "" || f.Status == "open" || f.Status == StatusAcked {
		from = b.active
	}
	for _, a := range from {
		if f.Folded && len(b.storms) > 0 && a.Active() {
			if k, ok := stormOf(a); ok && b.storms[k] != nil {
				continue // folded into its storm
			}
		}
		keep := false
		switch f.Status {
		case "", "open":
			keep = a.Active()
		case "all":
			keep = true
		default:
			keep = a.Status == f.Status
		}
		if keep && (f.Kind == "" || a.Kind == f.Kind) && (f.Incident == "" || a.Incident == f.Incident) && (f.Cell == "" || a.Cell == f.Cell) {
			out = append(out, *a)
		}
	}
	sortAlerts(out)
	limit := f.Limit
	if limit <= 0 {
		limit = maxListedAlerts
	}
	if len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i] = b.withMembers(out[i])
	}
	return out
}

func sortAlerts(as []Alert) {
	sort.Slice(as, func(i, j int) bool {
		if !as[i].OpenedAt.Equal(as[j].OpenedAt) {
			return as[i].OpenedAt.After(as[j].OpenedAt)
		}
		return as[i].ID > as[j].ID
	})
}

// Alert returns a copy of the alert with the id.
func (b *Board) Alert(id string) (Alert, bool) {
	a, ok := b.alerts[id]
	if !ok {
		return Alert{}, false
	}
	return b.withMembers(*a), true
}

// Dispatches lists copies of the dispatches, newest first: the active ones,
// or all (within the last day) when all is set; unit narrows them to one unit.
func (b *Board) Dispatches(all bool, unit string) []Dispatch {
	out := []Dispatch{}
	for _, d := range b.dispatches {
		if (all || d.Active()) && (unit == "" || d.Unit == unit) {
			out = append(out, *d)
		}
	}
	sortDispatches(out)
	return out
}

// DispatchesTo lists copies of every dispatch (within the last day) sent to
// incident, newest first.
func (b *Board) DispatchesTo(incident string) []Dispatch {
	out := []Dispatch{}
	for _, d := range b.dispatches {
		if d.Incident == incident {
			out = append(out, *d)
		}
	}
	sortDispatches(out)
	return out
}

func sortDispatches(ds []Dispatch) {
	sort.Slice(ds, func(i, j int) bool {
		if !ds[i].AssignedAt.Equal(ds[j].AssignedAt) {
			return ds[i].AssignedAt.After(ds[j].AssignedAt)
		}
		return ds[i].ID > ds[j].ID
	})
}

// Dispatch returns a copy of the dispatch with the id.
func (b *Board) Dispatch(id string) (Dispatch, bool) {
	d, ok := b.dispatches[id]
	if !ok {
		return Dispatch{}, false
	}
	return *d, true
}

// A Summary is what the websocket's alerts and dispatches layers carry, encoded
// once per change for every client, as the members of a frame.
type Summary struct {
	Version uint64
	// Alerts is "alerts":{"counts":…,"open":[…]}: the counts and the alerts
	// not resolved (at most 500, newest first).
	Alerts []byte
	// Dispatches is "dispatches":[…]: the active dispatches and those ended in
	// the last 10 minutes, newest first.
	Dispatches []byte
}

// Summary returns the current summary, encoding it only when something
// changed. In an alert storm (thousands open, changing every tick) encoding
// on every change would take the fold's time from the heat: once an encoding
// costs over 2 ms, the summary is encoded again at most once a second.
func (b *Board) Summary() *Summary {
	if b.summary != nil && b.summaryVersion == b.version {
		return b.summary
	}
	if b.summary != nil && b.summaryCost > 2*time.Millisecond && time.Since(b.summaryAt) < time.Second {
		return b.summary
	}
	start := time.Now()
	defer func() { b.summaryAt, b.summaryCost = start, time.Since(start) }()
	alerts, _ := json.Marshal(struct {
		Counts Counts  `json:"counts"`
		Open   []Alert `json:"open"`
	}{b.Counts(), b.Alerts(AlertFilter{Folded: true})})
	ds := []Dispatch{}
	for _, d := range b.dispatches {
		if d.Active() || b.now.Sub(d.ended()) < recentDispatchSpan {
			ds = append(ds, *d)
		}
	}
	sortDispatches(ds)
	dispatches, _ := json.Marshal(ds)
	b.summary = &Summary{Version: b.version,
		Alerts:     append([]byte(`"alerts":`), alerts...),
		Dispatches: append([]byte(`"dispatches":`), dispatches...)}
	b.summaryVersion = b.version
	return b.summary
}

// Now is the board's clock.
func (b *Board) Now() time.Time { return b.now }
