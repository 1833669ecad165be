package briefing

import (
	"math"
	"slices"
	"time"
)

// A Briefing is every figure of the briefing of [From, To). Its JSON is the
// API's (docs/API.md, "The briefing").
type Briefing struct {
	From       time.Time  `json:"from"`
	To         time.Time  `json:"to"`
	Incidents  Incidents  `json:"incidents"`
	Alerts     Alerts     `json:"alerts"`
	Dispatches Dispatches `json:"dispatches"`
}

// Incidents are the incidents whose event time is in the window.
type Incidents struct {
	Total      int            `json:"total"`
	ByCategory map[string]int `json:"byCategory"`
	// ByDistrict counts by district code ("" for outside every district).
	ByDistrict map[string]int `json:"byDistrict"`
	// DistrictCategories counts by district, then category.
	DistrictCategories map[string]map[string]int `json:"districtCategories"`
	// ByHour is the series of whole hours from From (the last may be short).
	ByHour []Hour `json:"byHour"`
	// Previous is the period of the same length just before; WeekBefore the
	// window a week earlier. Null when the streams do not reach back to it.
	Previous   *Period `json:"previous"`
	WeekBefore *Period `json:"weekBefore"`
	// Hottest are the res-8 cells with the most incidents, most first.
	Hottest []Hot `json:"hottest"`
	// LateArrivals are the counted incidents stored after To.
	LateArrivals int `json:"lateArrivals"`
}

// An Hour is one hour of the series.
type Hour struct {
	Start time.Time `json:"start"`
	Count int       `json:"count"`
}

// A Period is a comparison period's incidents.
type Period struct {
	From       time.Time      `json:"from"`
	To         time.Time      `json:"to"`
	Total      int            `json:"total"`
	ByDistrict map[string]int `json:"byDistrict"`
	// Change is (window − period) ÷ period; null when the period had none.
	Change *float64 `json:"change"`
}

// A Hot place is a res-8 cell and its incidents.
type Hot struct {
	Cell     string `json:"cell"`
	Name     string `json:"name"`
	District string `json:"district,omitempty"`
	Count    int    `json:"count"`
}

// Alerts are the alerts opened in the window.
type Alerts struct {
	Total      int            `json:"total"`
	ByKind     map[string]int `json:"byKind"`
	ByDistrict map[string]int `json:"byDistrict"`
	// Ack is how long after opening they were acknowledged, of those that
	// were; by kind and by district too.
	Ack           Timing            `json:"ack"`
	AckByKind     map[string]Timing `json:"ackByKind"`
	AckByDistrict map[string]Timing `json:"ackByDistrict"`
}

// Dispatches are the dispatches assigned in the window.
type Dispatches struct {
	Total int `json:"total"`
	// Cancelled were cancelled; Arrived had their unit on scene.
	Cancelled  int            `json:"cancelled"`
	Arrived    int            `json:"arrived"`
	ByDistrict map[string]int `json:"byDistrict"`
	// Response is from assignment to on scene, of those that arrived.
	Response           Timing            `json:"response"`
	ResponseByDistrict map[string]Timing `json:"responseByDistrict"`
}

// A Timing is a set of durations in seconds. Median and P90 are null when
// Count is 0; WithinTarget is the share of those with a target that met it
// (null when none had one).
type Timing struct {
	Count        int      `json:"count"`
	Median       *float64 `json:"medianSeconds"`
	P90          *float64 `json:"p90Seconds"`
	WithinTarget *float64 `json:"withinTarget,omitempty"`
}

// Percentile is the nearest-rank p-th quantile (0 < p ≤ 1) of sorted values:
// the smallest with at least p of them at or below it.
func Percentile(sorted []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// timings accumulates durations, and whether each met its target.
type timings struct {
	secs             []float64
	targeted, within int
}

func (t *timings) add(secs, target float64) {
	t.secs = append(t.secs, secs)
	if target > 0 {
		t.targeted++
		if secs <= target {
			t.within++
		}
	}
}

func (t *timings) timing() Timing {
	out := Timing{Count: len(t.secs)}
	if len(t.secs) > 0 {
		s := slices.Clone(t.secs)
		slices.Sort(s)
		m, p := Percentile(s, 0.5), Percentile(s, 0.9)
		out.Median, out.P90 = &m, &p
	}
	if t.targeted > 0 {
		w := float64(t.within) / float64(t.targeted)
		out.WithinTarget = &w
	}
	return out
}

func timingsOf(m map[string]*timings) map[string]Timing {
	out := make(map[string]Timing, len(m))
	for k, t := range m {
		out[k] = t.timing()
	}
	return out
}

func (t *timings) count() int { return len(t.secs) }
