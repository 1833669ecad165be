package cases

import (
	"time"

	"github.com/citygrid/citygrid/geo"
)

// Figures are one region's (or department's) case figures over a period,
// as CJ/T 292 and the city rules define them:
//
//   - Counts: the open cases now, by state; Overdue: those past their
//     deadline now.
//   - Due: the cases whose deadline falls in the period; Suspended: those
//     of them that were suspended (deferred), which leave the rates'
//     denominators; ClosedDue: those of them not deferred and closed
//     since; ClosedOnTime: those of these whose last handling came by the
//     deadline.
//   - ClosureRate = ClosedDue ÷ (Due − Suspended); OnTimeRate =
//     ClosedOnTime ÷ (Due − Suspended); null when nothing was due.
//   - Registered, Closed, Rework (failed checks), Rated: what happened in
//     the period; HandlingHours: the mean working hours from assignment to
//     handling of the cases closed in it; Satisfaction: the mean rating
//     given in it.
//
// Counts add up: a region's figures are the sums of its children's, since
// every case is counted in the region chain of its place.
type Figures struct {
	Code          string        `json:"code"`
	Name          string        `json:"name,omitempty"`
	Counts        map[State]int `json:"counts"`
	Overdue       int           `json:"overdue"`
	Registered    int           `json:"registered"`
	Closed        int           `json:"closed"`
	Due           int           `json:"due"`
	Suspended     int           `json:"suspended"`
	ClosedDue     int           `json:"closedDue"`
	ClosedOnTime  int           `json:"closedOnTime"`
	ClosureRate   *float64      `json:"closureRate"`
	OnTimeRate    *float64      `json:"onTimeRate"`
	Rework        int           `json:"rework"`
	Rated         int           `json:"rated"`
	Satisfaction  *float64      `json:"satisfaction"`
	HandlingHours *float64      `json:"handlingHours"`

	satisfactionSum int
	handlingSum     float64
}

// A StatsQuery asks for figures per region of a level (or per department)
// over [From, To).
type StatsQuery struct {
	Level geo.Level
	// Within keeps the regions inside one region (nil: all).
	Within *Scope
	From   time.Time
	To     time.Time
	// ByDepartment groups by the department cases are with, not by region.
	ByDepartment bool
	// Emergency counts emergencies only; they are counted apart.
	Emergency bool
	// CityCode is the code of the city's one row at LevelCity.
	CityCode string
}

// NewFigures are the zero figures of code.
func NewFigures(code string) *Figures {
	f := &Figures{Code: code, Counts: map[State]int{}}
	for _, s := range OpenStates {
		f.Counts[s] = 0
	}
	return f
}

// Stats are the figures q asks for, by region code (or department), as of
// the book's clock. Regions without cases are absent.
func (b *Book) Stats(q StatsQuery) map[string]*Figures {
	out := map[string]*Figures{}
	for _, c := range b.all {
		if c.Emergency != q.Emergency || !q.Within.Holds(c) {
			continue
		}
		key := c.Department
		if !q.ByDepartment {
			if key = c.regionAt(q.Level, Env{CityCode: q.CityCode}); key == "" {
				continue
			}
		}
		f := out[key]
		if f == nil {
			f = NewFigures(key)
			out[key] = f
		}
		b.count(f, c, q.From, q.To)
	}
	for _, f := range out {
		f.finish()
	}
	return out
}

func in(t, from, to time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }

// count adds one case to f.
func (b *Book) count(f *Figures, c *Case, from, to time.Time) {
	if c.State.Open() {
		f.Counts[c.State]++
		if c.OverdueAt(b.now) {
			f.Overdue++
		}
	}
	if in(c.CreatedAt, from, to) {
		f.Registered++
	}
	closed := c.State == Closed || c.State == Rated
	if closed && in(c.ClosedAt, from, to) {
		f.Closed++
		f.handlingSum += c.HandlingMinutes / 60
	}
	if in(c.Due, from, to) {
		f.Due++
		switch {
		case c.Deferred:
			f.Suspended++
		case closed:
			f.ClosedDue++
			if c.OnTime {
				f.ClosedOnTime++
			}
		}
	}
	if c.State == Rated && in(c.RatedAt, from, to) {
		f.Rated++
		f.satisfactionSum += c.Satisfaction
	}
	for _, s := range c.Timeline {
		if s.Action == ActReturn && in(s.At, from, to) {
			f.Rework++
		}
	}
}

// finish works out the rates and means.
func (f *Figures) finish() {
	ratio := func(n, d float64) *float64 {
		if d <= 0 {
			return nil
		}
		r := n / d
		return &r
	}
	base := float64(f.Due - f.Suspended)
	f.ClosureRate = ratio(float64(f.ClosedDue), base)
	f.OnTimeRate = ratio(float64(f.ClosedOnTime), base)
	f.Satisfaction = ratio(float64(f.satisfactionSum), float64(f.Rated))
	f.HandlingHours = ratio(f.handlingSum, float64(f.Closed))
}
