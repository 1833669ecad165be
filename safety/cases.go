package safety

import (
	"github.com/citygrid/citygrid/cases"
)

// A CaseSource lists the cases the book holds, on the loop's goroutine; the
// disputes sub-index reads them once any case of its category exists (the
// case book, cases.Book, is one).
type CaseSource interface {
	EachCase(func(*cases.Case))
}

// caseTally is what one region's cases weigh on one day: the weighted sum
// and the number of case events (new, overdue, rework, dissatisfied).
type caseTally struct{ weighted, count float64 }

// caseTallies turns the cases of each sub-index's case category into daily
// tallies by region: a case counts New on the day it was registered, Rework
// on each day it was sent back after a failed check, Overdue on the day its
// deadline passed unhandled, Dissatisfied on the day it was rated 1 or 2.
// It returns nil when no sub-index reads cases or the book has none of them,
// so the disputes sub-index falls back to dispute incidents.
func (f *Fold) caseTallies(cs CaseSource) map[dayNum]map[int32]*caseTally {
	w := f.cfg.Subs[3].Cases
	if w == nil {
		return nil
	}
	var out map[dayNum]map[int32]*caseTally
	cs.EachCase(func(c *cases.Case) {
		if c.Category != w.Category || c.Regions.IsZero() {
			return
		}
		if out == nil {
			out = map[dayNum]map[int32]*caseTally{}
		}
		add := func(d dayNum, weight float64) {
			if weight <= 0 {
				return
			}
			m := out[d]
			if m == nil {
				m = map[int32]*caseTally{}
				out[d] = m
			}
			for _, code := range []string{c.Regions.District, c.Regions.Street, c.Regions.Community, c.Regions.Grid} {
				if code == "" {
					continue
				}
				n := f.number(code)
				t := m[n]
				if t == nil {
					t = &caseTally{}
					m[n] = t
				}
				t.weighted += weight
				t.count++
			}
		}
		add(f.cfg.dayOf(c.CreatedAt), w.New)
		for _, s := range c.Timeline {
			if s.Action == cases.ActReturn {
				add(f.cfg.dayOf(s.At), w.Rework)
			}
		}
		if !c.Due.IsZero() && c.Due.Before(f.now) &&
			(c.State == cases.Assigned || (!c.HandledAt.IsZero() && c.HandledAt.After(c.Due))) {
			add(f.cfg.dayOf(c.Due), w.Overdue)
		}
		if c.State == cases.Rated && c.Satisfaction >= 1 && c.Satisfaction <= 2 {
			add(f.cfg.dayOf(c.RatedAt), w.Dissatisfied)
		}
	})
	return out
}
