package ops

import (
	"fmt"
	"sort"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// An alert storm: thousands of alerts in a minute (a flood of severe
// incidents, a district of hot cells) are more than any operator can read, and
// more than the wall can draw. Once a kind's alerts open in one district
// faster than the rule's rate, one storm alert stands for them: it counts its
// members and names the worst, the websocket layer shows it instead of them,
// and the REST list keeps every member.

// A stormKey is the kind and the district a storm folds.
type stormKey struct{ kind, district string }

func (k stormKey) alertKey() string { return KindStorm + ":" + k.kind + ":" + k.district }

// stormOf is the storm an alert would fold into; ok is false for an alert
// that folds into none (a storm itself, or one outside every district).
func stormOf(a *Alert) (stormKey, bool) {
	if a.Kind == KindStorm || a.Regions.District == "" {
		return stormKey{}, false
	}
	return stormKey{a.Kind, a.Regions.District}, true
}

// minutesKept is the longest storm window, in minutes.
const minutesKept = 60

// openings counts the alerts of one storm key opened per minute, for the last
// hour: a ring indexed by Unix minute.
type openings struct {
	head int64 // the newest minute counted
	n    [minutesKept]uint32
}

func (o *openings) add(minute int64) {
	if minute > o.head {
		for m := o.head + 1; m <= minute && m <= o.head+minutesKept; m++ {
			o.n[m%minutesKept] = 0
		}
		o.head = minute
	}
	if minute > o.head-minutesKept {
		o.n[minute%minutesKept]++
	}
}

// since counts the openings of the minutes after from, up to now.
func (o *openings) since(from, now int64) int {
	total := 0
	for m := max(from+1, o.head-minutesKept+1); m <= min(now, o.head); m++ {
		total += int(o.n[m%minutesKept])
	}
	return total
}

func unixMinute(t time.Time) int64 { return t.Unix() / 60 }

// countOpening notes an alert opened, for the storm rule.
func (b *Board) countOpening(a *Alert) {
	k, ok := stormOf(a)
	if !ok {
		return
	}
	o := b.openings[k]
	if o == nil {
		if len(b.openings) >= maxPlaces {
			return // bounded: a feed inventing districts cannot grow it
		}
		o = &openings{head: unixMinute(a.OpenedAt)}
		b.openings[k] = o
	}
	o.add(unixMinute(a.OpenedAt))
}

// evaluateStorms opens a storm where a kind's alerts opened in a district at
// the rule's rate, and resolves the storms whose members have dwindled.
func (b *Board) evaluateStorms() {
	r := b.rules.Storm
	for k, s := range b.storms {
		if r.Rate == 0 || len(b.members[k]) <= r.Clear {
			b.condition(s.Key, false, true, nil)
		}
	}
	if r.Rate == 0 {
		return
	}
	now := unixMinute(b.now)
	from := unixMinute(b.now.Add(-r.Window.Duration))
	for k, o := range b.openings {
		if o.head <= from {
			if o.head < now-minutesKept {
				delete(b.openings, k) // nothing opened there for an hour
			}
			continue
		}
		n := o.since(from, now)
		if n < r.Rate || len(b.members[k]) <= r.Clear {
			continue
		}
		b.condition(k.alertKey(), true, false, func() *Alert { return b.stormAlert(k, n) })
	}
}

// stormAlert is the alert of a storm of n openings, placed at its members'
// mean position, at their highest severity.
func (b *Board) stormAlert(k stormKey, n int) *Alert {
	a := &Alert{Kind: KindStorm, Key: k.alertKey(), Rule: "storm", Of: k.kind, Region: k.district,
		Level: geo.LevelDistrict.String(), Regions: geo.RegionCodes{District: k.district},
		Value: float64(n), Threshold: float64(b.rules.Storm.Rate)}
	var count float64
	for _, m := range b.members[k] {
		count++
		a.Lat += (m.Lat - a.Lat) / count
		a.Lng += (m.Lng - a.Lng) / count
		a.Severity = max(a.Severity, m.Severity)
	}
	a.Severity = max(a.Severity, 1)
	a.Message = fmt.Sprintf("alert storm: %d %s alerts opened in district %s within %s", n, k.kind, k.district, shortDuration(b.rules.Storm.Window.Duration))
	return a
}

// withMembers is a storm with its members read off the board: how many are
// still active, and the worst of them.
func (b *Board) withMembers(a Alert) Alert {
	if a.Kind != KindStorm {
		return a
	}
	ms := b.members[stormKey{a.Of, a.Region}]
	// The worst few, kept in order as the members pass: a storm has
	// thousands of members and a list of five.
	worse := func(x, y *Alert) bool {
		if x.Severity != y.Severity {
			return x.Severity > y.Severity
		}
		if !x.OpenedAt.Equal(y.OpenedAt) {
			return x.OpenedAt.After(y.OpenedAt)
		}
		return x.ID > y.ID
	}
	n := b.rules.Storm.List
	worst := make([]*Alert, 0, n+1)
	for _, m := range ms {
		if len(worst) == n && (n == 0 || !worse(m, worst[n-1])) {
			continue
		}
		i := sort.Search(len(worst), func(i int) bool { return worse(m, worst[i]) })
		worst = append(worst, nil)
		copy(worst[i+1:], worst[i:])
		worst[i] = m
		worst = worst[:min(len(worst), n)]
	}
	a.Members, a.Worst = len(ms), nil
	for _, m := range worst {
		a.Worst = append(a.Worst, m.ID)
	}
	return a
}

// shortDuration writes 10m, 1h, 90s.
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
