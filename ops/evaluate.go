package ops

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// pendingEvals is how many evaluations a proposal is given to come back
// through the stream before the same proposal is made again (a lost or
// refused one must not block its key forever).
const pendingEvals = 5

// Evaluate runs every rule against the heat, the units and the board at the
// board's clock, and queues the proposals (see Drain): alerts to open for
// conditions that hold, and to resolve for those that cleared. It is
// idempotent: a condition already alerted, or proposed and not yet back, is
// not proposed again.
func (b *Board) Evaluate(h Heat, u Units) {
	start := time.Now()
	defer func() { b.lastEval = time.Since(start) }()
	b.evals++
	for k, at := range b.pending {
		if b.evals-at > pendingEvals {
			delete(b.pending, k)
		}
	}
	b.evaluateHotCells(h)
	b.evaluateAnomalies()
	b.evaluateSevere()
	b.evaluateUncovered(u)
	b.evaluateOverdue()
	b.evaluateStorms()
	b.prune()
}

// holds reports whether key has an alert not resolved.
func (b *Board) holds(key string) bool {
	a := b.byKey[key]
	return a != nil && a.Active()
}

// condition is one rule's verdict on one place: open it, or clear it.
func (b *Board) condition(key string, open, clear bool, build func() *Alert) {
	switch {
	case clear:
		delete(b.suppressed, key)
		if a := b.byKey[key]; a != nil && a.Active() {
			b.proposeResolve(a, byRules, "", resolutionAuto)
		}
	case open && !b.holds(key) && !b.suppressed[key]:
		if _, busy := b.pending[key]; !busy {
			b.proposeOpen(build())
		}
	}
}

// Touch checks the hot-cell rules for the cells of an incident just folded, so
// a cell that turns hot alerts at once instead of at the next evaluation
// (which also resolves, and which this does not replace).
func (b *Board) Touch(h Heat, cells geo.Cells) {
	if !b.ready {
		return
	}
	for _, r := range b.rules.HotCell {
		// Counts rise one incident at a time, so a cell turns hot exactly when
		// its count reaches Open; above it, it was handled then (alerted,
		// proposed, or held back after a manual resolve), and what the fold
		// folded before it was ready is the evaluation's to find.
		cell := cells.At(r.Res)
		if n := h.CellCount(r.Res, r.Window, cell); n == r.Open {
			b.hotCell(r, cell, n)
		}
	}
}

func (b *Board) hotCell(r HotCellRule, c geo.Cell, n int32) {
	prefix := KindHotCell + ":" + r.Name + ":"
	b.condition(prefix+c.String(), true, false, func() *Alert {
		return b.cellAlert(KindHotCell, prefix, r.Name, r.Severity, c, float64(n), float64(r.Open),
			fmt.Sprintf("%d incidents in %s in one res-%d cell (opens at %d)", n, r.Window, r.Res, r.Open))
	})
}

func (b *Board) evaluateHotCells(h Heat) {
	for _, r := range b.rules.HotCell {
		h.EachCellAtLeast(r.Res, r.Window, r.Open, func(c geo.Cell, n int32) { b.hotCell(r, c, n) })
		// Open alerts (and suppressed keys) whose cell has cooled.
		cooled := func(a *Alert) {
			if a.Kind != KindHotCell || a.Rule != r.Name {
				return
			}
			c, err := geo.ParseCell(a.Cell)
			if err == nil && h.CellCount(r.Res, r.Window, c) <= r.Clear {
				b.condition(a.Key, false, true, nil)
			}
		}
		for _, a := range b.byKind[KindHotCell] {
			cooled(a)
		}
		for key := range b.suppressed {
			if a := b.byKey[key]; a != nil && !a.Active() {
				cooled(a)
			}
		}
	}
	b.resolveOrphans(KindHotCell, func(rule string) bool { _, ok := b.rules.hotRule(rule); return ok })
}

// resolveOrphans resolves the open alerts of kind whose rule is gone.
func (b *Board) resolveOrphans(kind string, exists func(rule string) bool) {
	for _, a := range b.byKind[kind] {
		if !exists(a.Rule) {
			b.proposeResolve(a, byRules, "rule removed", resolutionAuto)
		}
	}
}

func (b *Board) evaluateAnomalies() {
	for i := range b.rules.Anomaly {
		r := &b.rules.Anomaly[i]
		for k, p := range b.places[i] {
			z, x, mean, ok := p.zScore(r, b.now, b.history, b.knownSlot)
			key := KindAnomaly + ":" + r.Name + ":" + k.code
			if k.code == "" {
				key = KindAnomaly + ":" + r.Name + ":" + k.cell.String()
			}
			// Without enough samples there is no verdict, except that a place
			// gone quiet has cleared.
			open := ok && z >= r.ZOpen && x >= r.MinCount
			clear := ok && z < r.ZClear || 2*x < r.MinCount
			b.condition(key, open, clear, func() *Alert {
				msg := fmt.Sprintf("%d incidents in the last hour against %.1f usually (z = %.1f)", x, mean, z)
				if k.code == "" {
					return b.cellAlert(KindAnomaly, KindAnomaly+":"+r.Name+":", r.Name, r.Severity, k.cell, float64(x), mean, msg)
				}
				return &Alert{Kind: KindAnomaly, Key: key, Rule: r.Name, Severity: r.Severity, Region: k.code, Level: r.Place,
					Regions: p.regions, Lat: p.lat, Lng: p.lng, Value: float64(x), Threshold: mean, Message: msg}
			})
		}
	}
	b.resolveOrphans(KindAnomaly, func(rule string) bool {
		for _, r := range b.rules.Anomaly {
			if r.Name == rule {
				return true
			}
		}
		return false
	})
}

func (b *Board) evaluateSevere() {
	span := b.severeSpan()
	for id, si := range b.severe {
		if b.now.Sub(si.time) >= span {
			delete(b.severe, id)
			continue
		}
		b.proposeSevere(si)
	}
	// Severe alerts nobody acknowledged resolve themselves after the span.
	for _, a := range b.byKind[KindSevere] {
		if a.Status == StatusOpen && b.now.Sub(a.OpenedAt) >= span {
			b.proposeResolve(a, byRules, "", resolutionAuto)
		}
	}
}

func (b *Board) proposeSevere(si severeIncident) {
	key := KindSevere + ":" + si.id
	if b.byKey[key] != nil {
		return
	}
	if _, busy := b.pending[key]; busy {
		return
	}
	what := si.category
	if si.title != "" {
		what = si.title
	}
	b.proposeOpen(&Alert{Kind: KindSevere, Key: key, Rule: "severe", Severity: si.severity, Cell: si.cell.String(),
		Res: si.cell.Res(), Regions: si.regions, Lat: si.lat, Lng: si.lng, Value: float64(si.severity),
		Threshold: float64(b.rules.Severe.MinSeverity), Incident: si.id,
		Message: fmt.Sprintf("severity-%d incident: %s", si.severity, what)})
}

func (b *Board) evaluateUncovered(units Units) {
	u := b.rules.Uncover
	hot, ok := b.rules.hotRule(u.Rule)
	for _, a := range b.byKind[KindUncover] {
		hotKey := KindHotCell + ":" + a.Rule + ":" + a.Cell
		if !ok || a.Rule != u.Rule || !b.holds(hotKey) {
			b.condition(a.Key, false, true, nil)
		}
	}
	if !ok {
		return
	}
	cover := b.coverage(units, hot.Res, u.Rings)
	for _, a := range b.byKind[KindHotCell] {
		if a.Rule != u.Rule {
			continue
		}
		c, err := geo.ParseCell(a.Cell)
		if err != nil {
			continue
		}
		_, covered := cover[c]
		key := KindUncover + ":" + a.Rule + ":" + a.Cell
		b.condition(key, !covered, covered, func() *Alert {
			return b.cellAlert(KindUncover, KindUncover+":"+a.Rule+":", a.Rule, u.Severity, c, 0, float64(u.Rings),
				fmt.Sprintf("hot res-%d cell with no available unit within %d rings", hot.Res, u.Rings))
		})
	}
}

// coverage is the set of cells at res within rings of an available unit or of
// a dispatch's target. Built once per evaluation from the few hundred units,
// it answers each hot cell with a lookup: measuring H3 distances from every
// hot cell to every unit cost a third of a second at 1,000 hot cells.
func (b *Board) coverage(units Units, res, rings int) map[geo.Cell]struct{} {
	set := map[geo.Cell]struct{}{}
	add := func(c geo.Cell) {
		for _, n := range c.Disk(rings) {
			set[n] = struct{}{}
		}
	}
	units.EachUnit(func(p *geo.Position) {
		if b.available(p) {
			add(p.CellAt(res))
		}
	})
	for _, d := range b.busy {
		add(geo.CellOf(d.cell.Center(), res)) // the target is its cell's centre
	}
	return set
}

func (b *Board) evaluateOverdue() {
	target := b.rules.Overdue.Target.Duration
	for _, a := range b.byKind[KindOverdue] {
		d := b.dispatches[a.Dispatch]
		if target == 0 || d == nil || !d.Active() || d.Status == OnScene {
			b.condition(a.Key, false, true, nil)
		}
	}
	if target == 0 {
		return
	}
	for _, d := range b.busy {
		late := d.Status != OnScene && b.now.Sub(d.AssignedAt) > target
		if late && !d.Overdue {
			d.Overdue = true
			b.version++
		}
		key := KindOverdue + ":" + d.ID
		b.condition(key, late, false, func() *Alert {
			a := b.cellAlert(KindOverdue, KindOverdue+":", "overdue", b.rules.Overdue.Severity, d.cell,
				b.now.Sub(d.AssignedAt).Seconds(), target.Seconds(),
				fmt.Sprintf("unit %s not on scene %s after dispatch (target %s)", d.Unit, b.now.Sub(d.AssignedAt).Round(1e9), target))
			a.Key, a.Dispatch = key, d.ID
			return a
		})
	}
}

// EvaluateCases opens a case_overdue alert for every case past its deadline
// and resolves those whose case was handled, suspended or sent on since. It
// runs after Evaluate, in the same evaluation.
func (b *Board) EvaluateCases(cs Cases) {
	sev := b.rules.CaseOverdue.Severity
	late := map[string]bool{}
	if sev > 0 {
		cs.EachOverdueCase(func(id, title string, lat, lng float64, due time.Time) {
			key := KindCaseOverdue + ":" + id
			late[key] = true
			b.condition(key, true, false, func() *Alert {
				c := geo.CellOf(orb.Point{lng, lat}, geo.FineRes)
				a := b.cellAlert(KindCaseOverdue, KindCaseOverdue+":", "caseOverdue", sev, c,
					b.now.Sub(due).Seconds(), 0, fmt.Sprintf("case %s %q past its deadline %s", id, title, due.Format(time.RFC3339)))
				a.Key, a.Case, a.Lat, a.Lng = key, id, lat, lng
				return a
			})
		})
	}
	for _, a := range b.byKind[KindCaseOverdue] {
		if !late[a.Key] {
			b.condition(a.Key, false, true, nil)
		}
	}
}

// knownSlot reports whether the city had any incident in the slot's hour.
func (b *Board) knownSlot(slot int64) bool {
	_, ok := b.cityHours[slot/slotsPerHour]
	return ok
}

// prune forgets alerts and dispatches that ended over a day ago, and city
// hours older than any rule looks back.
func (b *Board) prune() {
	oldest := slotOf(b.now)/slotsPerHour - 58*24*7
	if len(b.cityHours) > 58*24*7 {
		for h := range b.cityHours {
			if h < oldest {
				delete(b.cityHours, h)
			}
		}
	}
	for id, a := range b.alerts {
		if !a.Active() && b.now.Sub(a.ResolvedAt) > keepEnded {
			delete(b.alerts, id)
			// A severe incident or a dispatch happens once: its key can go with
			// its alert. A place keeps a hand-resolved key until it cools.
			once := a.Kind == KindSevere || a.Kind == KindOverdue || a.Kind == KindCaseOverdue
			if b.byKey[a.Key] == a && (once || !b.suppressed[a.Key]) {
				delete(b.byKey, a.Key)
				delete(b.suppressed, a.Key)
			}
		}
	}
	for id, d := range b.dispatches {
		if !d.Active() && b.now.Sub(d.ended()) > keepEnded {
			delete(b.dispatches, id)
		}
	}
}

// cellAlert is an alert on a cell, placed at its centre.
func (b *Board) cellAlert(kind, keyPrefix, rule string, severity int, c geo.Cell, value, threshold float64, msg string) *Alert {
	p := c.Center()
	a := &Alert{Kind: kind, Key: keyPrefix + c.String(), Rule: rule, Severity: severity, Cell: c.String(), Res: c.Res(),
		Lat: p.Lat(), Lng: p.Lon(), Value: value, Threshold: threshold, Message: msg}
	if b.locate != nil {
		a.Regions = b.locate(orb.Point{p.Lon(), p.Lat()}, c)
	}
	return a
}

func (b *Board) proposeOpen(a *Alert) {
	a.ID = newID("a", b.now)
	a.Status = StatusOpen
	a.OpenedAt = b.now
	if a.Regions.IsZero() && b.locate != nil && a.Cell != "" {
		if c, err := geo.ParseCell(a.Cell); err == nil {
			a.Regions = b.locate(orb.Point{a.Lng, a.Lat}, c)
		}
	}
	data, _ := json.Marshal(a)
	b.pending[a.Key] = b.evals
	b.outbox = append(b.outbox, Proposal{Claim: geo.Claim{Mode: geo.Take, Set: claimsOpen, Field: a.Key, Owner: a.ID},
		Cmd: geo.Command{Type: cmdAlertOpen, At: b.now, By: byRules, Data: data}})
}

func (b *Board) proposeResolve(a *Alert, by, note, resolution string) {
	key := "resolve:" + a.ID
	if _, busy := b.pending[key]; busy {
		return
	}
	b.pending[key] = b.evals
	b.outbox = append(b.outbox, b.resolveProposal(a, by, note, resolution))
}

func (b *Board) resolveProposal(a *Alert, by, note, resolution string) Proposal {
	data, _ := json.Marshal(change{Alert: a.ID, Note: note, Resolution: resolution})
	return Proposal{Claim: geo.Claim{Mode: geo.Release, Set: claimsOpen, Field: a.Key, Owner: a.ID},
		Cmd: geo.Command{Type: cmdAlertResolve, At: b.now, By: by, Data: data}}
}
