package heat

import "github.com/citygrid/citygrid/geo"

// Totals are one filter's totals in every window (geo.Windows), by window
// name, read from one moment of the state. A wall shows the 15 min, 1 h and
// 24 h counters side by side; read at different moments (one live, the others
// polled) they contradicted each other (24 h below 1 h in 55 of 60 samples).
// Read together, a wider window never counts less than a narrower one.
type Totals map[string]int64

// totalsRes is the resolution of the views kept for their total only: the
// companions of a watched filtered view, one per window.
const totalsRes = 0

// companions are the total-only views that give a filtered view's Totals.
func companions(k ViewKey) []ViewKey {
	out := make([]ViewKey, 0, len(geo.Windows))
	for _, w := range geo.Windows {
		if w.Name != k.Window {
			out = append(out, ViewKey{Res: totalsRes, Window: w.Name, Filter: k.Filter}.Normal())
		}
	}
	return out
}

// Totals returns the totals of k's filter in every window, now. Windows no
// one watches are counted from the buckets.
func (s *State) Totals(k ViewKey) Totals {
	k = k.Normal()
	t := make(Totals, len(geo.Windows))
	for _, w := range geo.Windows {
		t[w.Name] = s.total(ViewKey{Res: k.Res, Window: w.Name, Filter: k.Filter})
	}
	return t
}

// total is one view's total: of the view if kept, else of its total-only
// companion, else counted.
func (s *State) total(k ViewKey) int64 {
	if v, ok := s.views[k]; ok {
		return v.total
	}
	if v, ok := s.views[ViewKey{Res: totalsRes, Window: k.Window, Filter: k.Filter}]; ok {
		return v.total
	}
	return s.build(ViewKey{Res: totalsRes, Window: k.Window, Filter: k.Filter}).total
}

// Totals returns the totals of k's filter in every window at this tick, from
// the views kept (every view of the zero filter, and a watched filtered
// view's companions); a window missing is left out.
func (c *Changes) Totals(k ViewKey) Totals {
	k = k.Normal()
	t := make(Totals, len(geo.Windows))
	for _, w := range geo.Windows {
		if d, ok := c.Views[ViewKey{Res: k.Res, Window: w.Name, Filter: k.Filter}]; ok {
			t[w.Name] = d.Total
		} else if d, ok := c.Views[ViewKey{Res: totalsRes, Window: w.Name, Filter: k.Filter}]; ok {
			t[w.Name] = d.Total
		}
	}
	return t
}
