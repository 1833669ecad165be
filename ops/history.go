package ops

import (
	"fmt"
	"hash/maphash"
	"math"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// slotSpan is the granularity of the anomaly history: the last hour is six
// slots, so it slides in 10-minute steps.
const slotSpan = 10 * time.Minute

const slotsPerHour = int64(time.Hour / slotSpan)

func slotOf(t time.Time) int64 { return t.UnixNano() / int64(slotSpan) }

// A placeKey is where an anomaly rule counts: a cell, or a region code.
type placeKey struct {
	cell geo.Cell
	code string
}

// A place is one anomaly rule's history of one place: a ring of 10-minute
// counts covering the rule's days plus the current hour (2 KB for 7 days), and
// where its incidents were, for the alert's position.
type place struct {
	head     int64 // the newest slot counted; n[s%len] holds slot s for s in (head-len, head]
	n        []uint16
	lat, lng float64 // running mean of its incidents' positions
	seen     float64
	regions  geo.RegionCodes
}

func shapeOf(a AnomalyRule) string {
	return fmt.Sprintf("%s|%s|%d|%d|%s", a.Name, a.Place, a.Res, a.Days, a.Season)
}

// ringSlots is how many slots a rule's history holds.
func ringSlots(a AnomalyRule) int64 {
	span := int64(a.Days) * 24 * slotsPerHour
	if a.Season == "week" {
		span *= 7
	}
	return span + slotsPerHour
}

// maxPlaces bounds one rule's places, so a rule on fine cells across a huge
// area cannot take unbounded memory; past it, new places are not tracked.
const maxPlaces = 50_000

func (b *Board) addToPlace(i int, in *geo.Incident) {
	a := &b.rules.Anomaly[i]
	var k placeKey
	if a.Place == "cell" {
		k.cell = in.CellAt(a.Res) // the cell containing it, not a parent
	} else {
		lv, _ := geo.ParseLevel(a.Place)
		if k.code = in.Regions.At(lv); k.code == "" {
			return
		}
	}
	m := b.places[i]
	p := m[k]
	if p == nil {
		if len(m) >= maxPlaces {
			return
		}
		p = &place{n: make([]uint16, ringSlots(*a)), head: slotOf(in.Time)}
		m[k] = p
	}
	p.add(slotOf(in.Time))
	p.seen++
	p.lat += (in.Lat - p.lat) / p.seen
	p.lng += (in.Lng - p.lng) / p.seen
	p.regions = in.Regions
}

func (p *place) add(s int64) {
	size := int64(len(p.n))
	if s > p.head {
		for x := p.head + 1; x <= s && x <= p.head+size; x++ {
			p.n[x%size] = 0
		}
		p.head = s
	}
	if s <= p.head-size || s < 0 {
		return
	}
	if p.n[s%size] < math.MaxUint16 {
		p.n[s%size]++
	}
}

// sum counts slots from..to inclusive.
func (p *place) sum(from, to int64) int {
	size := int64(len(p.n))
	total := 0
	for s := max(from, p.head-size+1, 0); s <= to && s <= p.head; s++ {
		total += int(p.n[s%size])
	}
	return total
}

// zScore is the anomaly score of the hour ending at now against the same hour
// of the previous days (or weeks) the fold has history for. ok is false with
// fewer than the rule's MinSamples samples.
//
// A sample counts only if the fold has history then (history) and the city
// had any incident in that hour (known reports whether it did): a system
// started two days ago, or down for a day, knows nothing of those hours, and
// taking them as quiet would make every busy place look anomalous.
func (p *place) zScore(a *AnomalyRule, now, history time.Time, known func(slot int64) bool) (z float64, x int, mean float64, ok bool) {
	end := slotOf(now)
	x = p.sum(end-slotsPerHour+1, end)
	step := 24 * slotsPerHour
	days := a.Days
	if a.Season == "week" {
		step *= 7
	}
	var samples []float64
	for d := 1; d <= days; d++ {
		e := end - int64(d)*step
		if history.IsZero() || time.Unix(0, (e-slotsPerHour+1)*int64(slotSpan)).Before(history) || !known(e) && !known(e-slotsPerHour+1) {
			continue // unknown, not quiet
		}
		samples = append(samples, float64(p.sum(e-slotsPerHour+1, e)))
	}
	if len(samples) < a.MinSamples {
		return 0, x, 0, false
	}
	for _, v := range samples {
		mean += v
	}
	mean /= float64(len(samples))
	var variance float64
	for _, v := range samples {
		variance += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(variance / float64(len(samples)))
	return (float64(x) - mean) / max(sd, math.Sqrt(mean), 1), x, mean, true
}

// A severeIncident is a severe incident waiting for its alert.
type severeIncident struct {
	id, category, title string
	cell                geo.Cell
	lat, lng            float64
	time                time.Time
	severity            int
	regions             geo.RegionCodes
}

// recentIncidents indexes the last incidents by id, so a dispatch can name an
// incident instead of a cell. It is bounded in count and age, and kept cheap
// since every incident passes through it: ids are kept as 64-bit hashes (two
// ids of one day colliding is a chance of about 10⁻⁹), in a ring.
type recentIncidents struct {
	seed  maphash.Seed
	byID  map[uint64]incidentRef
	order []uint64 // hashes in arrival order, a ring
	head  int
	max   int
	span  time.Duration
}

type incidentRef struct {
	cell geo.Cell
	ms   int64 // event time, Unix milliseconds
}

func newRecentIncidents(n int, span time.Duration) recentIncidents {
	return recentIncidents{seed: maphash.MakeSeed(), byID: make(map[uint64]incidentRef, n), max: n, span: span}
}

func (r *recentIncidents) add(in *geo.Incident) {
	h := maphash.String(r.seed, in.ID)
	if _, ok := r.byID[h]; ok {
		return
	}
	if len(r.order) < r.max {
		r.order = append(r.order, h)
	} else {
		delete(r.byID, r.order[r.head])
		r.order[r.head] = h
		r.head = (r.head + 1) % r.max
	}
	r.byID[h] = incidentRef{cell: in.Cell, ms: in.Time.UnixMilli()}
}

func (r *recentIncidents) get(id string, now time.Time) (incidentRef, bool) {
	ref, ok := r.byID[maphash.String(r.seed, id)]
	if !ok || now.Sub(time.UnixMilli(ref.ms)) > r.span {
		return incidentRef{}, false
	}
	return ref, true
}
