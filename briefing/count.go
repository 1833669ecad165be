package briefing

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/ops"
)

// The command types of the commands stream the briefing reads (ops writes
// them: ops/types.go).
const (
	cmdAlertOpen      = "alert.open"
	cmdAlertAck       = "alert.ack"
	cmdDispatchAssign = "dispatch.assign"
	cmdDispatchClear  = "dispatch.clear"
	cmdDispatchCancel = "dispatch.cancel"
)

// period is a half-open span of event time.
type period struct{ from, to time.Time }

func (p period) holds(t time.Time) bool { return !t.Before(p.from) && t.Before(p.to) }

// counter folds the entries of the streams into a briefing. It is used on one
// goroutine.
type counter struct {
	cfg    Config
	window period
	// comparisons: the previous period, and the week before; nil when the
	// streams do not reach back to them.
	prev, week *Period
	prevSpan   period
	weekSpan   period
	out        Briefing
	hours      []int
	cells      map[geo.Cell]int

	alerts     map[string]*ops.Alert // opened in the window, by id
	ack        timings
	ackKind    map[string]*timings
	ackDist    map[string]*timings
	dispatches map[string]*dispatch // assigned in the window, by id
	units      map[string][]*dispatch
}

// dispatch is a dispatch being followed to its unit's arrival.
type dispatch struct {
	ops.Dispatch
	cell     geo.Cell
	district string
	ended    time.Time
	onScene  time.Time
}

func newCounter(from, to, oldest time.Time, cfg Config) *counter {
	c := &counter{cfg: cfg, window: period{from, to}, cells: map[geo.Cell]int{},
		alerts: map[string]*ops.Alert{}, ackKind: map[string]*timings{}, ackDist: map[string]*timings{},
		dispatches: map[string]*dispatch{}, units: map[string][]*dispatch{}}
	d := to.Sub(from)
	c.prevSpan = period{from.Add(-d), from}
	c.weekSpan = period{from.AddDate(0, 0, -7), to.AddDate(0, 0, -7)}
	if !c.prevSpan.from.Before(oldest) {
		c.prev = &Period{From: c.prevSpan.from, To: c.prevSpan.to, ByDistrict: map[string]int{}}
	}
	if !c.weekSpan.from.Before(oldest) {
		c.week = &Period{From: c.weekSpan.from, To: c.weekSpan.to, ByDistrict: map[string]int{}}
	}
	c.hours = make([]int, (d+time.Hour-1)/time.Hour)
	c.out = Briefing{From: from, To: to,
		Incidents:  Incidents{ByCategory: map[string]int{}, ByDistrict: map[string]int{}, DistrictCategories: map[string]map[string]int{}},
		Alerts:     Alerts{ByKind: map[string]int{}, ByDistrict: map[string]int{}},
		Dispatches: Dispatches{ByDistrict: map[string]int{}}}
	return c
}

// earliest is the earliest event time counted.
func (c *counter) earliest() time.Time {
	t := c.window.from
	if c.prev != nil {
		t = c.prevSpan.from
	}
	if c.week != nil && c.weekSpan.from.Before(t) {
		t = c.weekSpan.from
	}
	return t
}

func (c *counter) incident(e *geo.Event) {
	in := &e.Incident
	if c.prev != nil && c.prevSpan.holds(in.Time) {
		c.prev.Total++
		c.prev.ByDistrict[in.Regions.District]++
	}
	if c.week != nil && c.weekSpan.holds(in.Time) {
		c.week.Total++
		c.week.ByDistrict[in.Regions.District]++
	}
	if !c.window.holds(in.Time) {
		return
	}
	out := &c.out.Incidents
	out.Total++
	out.ByCategory[in.Category]++
	dist := in.Regions.District
	out.ByDistrict[dist]++
	if out.DistrictCategories[dist] == nil {
		out.DistrictCategories[dist] = map[string]int{}
	}
	out.DistrictCategories[dist][in.Category]++
	c.hours[in.Time.Sub(c.window.from)/time.Hour]++
	c.cells[in.CellAt(HotRes)]++
	if e.Ingested.After(c.window.to) {
		out.LateArrivals++
	}
}

func (c *counter) command(e *geo.Event) {
	cmd := &e.Command
	switch cmd.Type {
	case cmdAlertOpen:
		var a ops.Alert
		if json.Unmarshal(cmd.Data, &a) != nil || a.ID == "" || c.alerts[a.ID] != nil || !c.window.holds(a.OpenedAt) {
			return
		}
		c.alerts[a.ID] = &a
		out := &c.out.Alerts
		out.Total++
		out.ByKind[a.Kind]++
		out.ByDistrict[a.Regions.District]++
	case cmdAlertAck:
		var ch struct{ Alert string }
		if json.Unmarshal(cmd.Data, &ch) != nil {
			return
		}
		a := c.alerts[ch.Alert]
		if a == nil || !a.AckedAt.IsZero() {
			return // not opened in the window, or acknowledged already
		}
		a.AckedAt = cmd.At
		secs := cmd.At.Sub(a.OpenedAt).Seconds()
		c.ack.add(secs, 0)
		add(c.ackKind, a.Kind, secs, 0)
		add(c.ackDist, a.Regions.District, secs, 0)
	case cmdDispatchAssign:
		var d dispatch
		if json.Unmarshal(cmd.Data, &d.Dispatch) != nil || d.ID == "" || c.dispatches[d.ID] != nil || !c.window.holds(d.AssignedAt) {
			return
		}
		cell, err := geo.ParseCell(d.Cell)
		if err != nil {
			return
		}
		d.cell, d.district = cell, c.cfg.District(cell)
		c.dispatches[d.ID] = &d
		c.units[d.Unit] = append(c.units[d.Unit], &d)
		out := &c.out.Dispatches
		out.Total++
		out.ByDistrict[d.district]++
	case cmdDispatchClear, cmdDispatchCancel:
		var ch struct{ Dispatch string }
		if json.Unmarshal(cmd.Data, &ch) != nil {
			return
		}
		if d := c.dispatches[ch.Dispatch]; d != nil && d.ended.IsZero() {
			d.ended = cmd.At
			if cmd.Type == cmdDispatchCancel {
				c.out.Dispatches.Cancelled++
			}
		}
	}
}

// position marks a dispatch of the unit on scene at its earliest position
// within the rings of the target after the assignment and not after the end,
// whatever order positions come in (ops.Board.track).
func (c *counter) position(e *geo.Event) {
	p := &e.Position
	for _, d := range c.units[p.Unit] {
		if !p.Time.After(d.AssignedAt) || !d.ended.IsZero() && p.Time.After(d.ended) {
			continue
		}
		if !d.onScene.IsZero() && !p.Time.Before(d.onScene) {
			continue
		}
		if dist, ok := p.Cell.GridDistance(d.cell); ok && dist <= c.cfg.ArriveRings() {
			d.onScene = p.Time
		}
	}
}

// positionsSpan is when the positions that may answer the window's
// dispatches were stored: from the first assignment (less the margin of
// clocks), to the last end (and the margin), or to the streams' end while
// one is still active. The positions of a busy city are many more than its
// incidents; a day's dispatches rarely need a day of them.
func (c *counter) positionsSpan() (from, to time.Time) {
	for _, d := range c.dispatches {
		if from.IsZero() || d.AssignedAt.Before(from) {
			from = d.AssignedAt
		}
	}
	for _, d := range c.dispatches {
		if d.ended.IsZero() {
			return from.Add(-margin), time.Time{}
		}
		if d.ended.After(to) {
			to = d.ended
		}
	}
	return from.Add(-margin), to.Add(margin)
}

func add(m map[string]*timings, k string, secs, target float64) {
	if m[k] == nil {
		m[k] = &timings{}
	}
	m[k].add(secs, target)
}

func (c *counter) finish() *Briefing {
	out := &c.out
	in := &out.Incidents
	in.ByHour = make([]Hour, len(c.hours))
	for i, n := range c.hours {
		in.ByHour[i] = Hour{Start: c.window.from.Add(time.Duration(i) * time.Hour), Count: n}
	}
	for _, p := range []*Period{c.prev, c.week} {
		if p != nil && p.Total > 0 {
			ch := float64(in.Total-p.Total) / float64(p.Total)
			p.Change = &ch
		}
	}
	in.Previous, in.WeekBefore = c.prev, c.week
	type cellCount struct {
		cell geo.Cell
		n    int
	}
	cells := make([]cellCount, 0, len(c.cells))
	for cell, n := range c.cells {
		cells = append(cells, cellCount{cell, n})
	}
	slices.SortFunc(cells, func(a, b cellCount) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.cell.String(), b.cell.String()))
	})
	in.Hottest = make([]Hot, 0, c.cfg.Top)
	for _, cc := range cells[:min(len(cells), c.cfg.Top)] {
		name, dist := c.cfg.Place(cc.cell)
		in.Hottest = append(in.Hottest, Hot{Cell: cc.cell.String(), Name: name, District: dist, Count: cc.n})
	}
	out.Alerts.Ack = c.ack.timing()
	out.Alerts.AckByKind, out.Alerts.AckByDistrict = timingsOf(c.ackKind), timingsOf(c.ackDist)
	var all timings
	byDist := map[string]*timings{}
	for _, d := range c.dispatches {
		if d.onScene.IsZero() {
			continue
		}
		secs := d.onScene.Sub(d.AssignedAt).Seconds()
		all.add(secs, d.TargetSeconds)
		add(byDist, d.district, secs, d.TargetSeconds)
	}
	out.Dispatches.Arrived = all.count()
	out.Dispatches.Response, out.Dispatches.ResponseByDistrict = all.timing(), timingsOf(byDist)
	return out
}
