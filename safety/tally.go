package safety

import (
	"slices"
	"time"
)

// A dayNum numbers the days of the configured zone: days since 1970-01-01.
type dayNum int32

func (c *Config) dayOf(t time.Time) dayNum {
	y, m, d := t.In(c.loc).Date()
	return dayNum(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// start is the instant the day begins in the zone.
func (c *Config) start(d dayNum) time.Time {
	u := time.Unix(int64(d)*86400, 0).UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, c.loc)
}

// date is the day as "2006-01-02".
func (d dayNum) date() string { return time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly) }

func parseDate(s string) (dayNum, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return dayNum(t.Unix() / 86400), true
}

// Counts are one region's incidents of one day: by sub-index, by severity
// (1..4 at 0..3).
type Counts [NumSubs][4]uint32

// A dayTally is every region's counts on one day, by region number.
type dayTally struct {
	at   map[int32]int32 // region number → its row
	rows []regionDay
	// stored says the tally was read from the store: the streams no
	// longer hold the whole day, so they do not add to it.
	stored bool
	// dirty says it changed since it was last handed to the keeper.
	dirty bool
	// shared says a snapshot holds it (a recomputation may be reading it
	// on another goroutine): the fold copies it before changing it.
	shared bool
	// from is where the data of the day begins (its start, or later on the
	// first day anything was recorded).
	from time.Time
}

type regionDay struct {
	region int32
	n      Counts
}

func newDay(from time.Time) *dayTally { return &dayTally{at: map[int32]int32{}, from: from} }

// clone is a copy of the tally that no snapshot holds.
func (t *dayTally) clone() *dayTally {
	c := &dayTally{at: make(map[int32]int32, len(t.at)), rows: slices.Clone(t.rows), stored: t.stored, dirty: t.dirty, from: t.from}
	for k, v := range t.at {
		c.at[k] = v
	}
	return c
}

func (t *dayTally) add(region int32, sub, sev int, n uint32) {
	i, ok := t.at[region]
	if !ok {
		i = int32(len(t.rows))
		t.at[region] = i
		t.rows = append(t.rows, regionDay{region: region})
	}
	t.rows[i].n[sub][sev] += n
	t.dirty = true
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
