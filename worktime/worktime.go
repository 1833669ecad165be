// Package worktime counts case deadlines in working time.
//
// The city's case tables give time limits in working hours or working days,
// and a clock that ran through nights, weekends and the Spring Festival would
// hold departments to deadlines no office could meet. A Calendar knows a
// city's daily working hours (Suzhou: 08:30–12:00 and 13:30–17:30), its
// weekend, its statutory public holidays and the make-up working days (调休)
// the State Council moves onto weekends each year, so a deadline that crosses
// a weekend or a holiday is pushed by exactly the non-working time.
//
// A working day is counted as one day's working hours: "7 working days" is
// 7 × 7.5 h = 52.5 h of working time, not "the end of the 7th working day".
// That makes hours and days one unit, so a case registered at 15:00 gets the
// same share of its last day as it lost of its first, and the time remaining,
// the time used and the time overdue can all be shown in hours.
//
// Working hours are wall-clock times in the calendar's zone. A span's working
// time is the real time between its start and end, so on a day with a
// daylight-saving change it may be longer or shorter than written.
package worktime

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
	_ "time/tzdata" // the zone must load on a machine without tzdata
)

// A Span is one daily working period, [Start, End) in minutes from midnight:
// {510, 720} is 08:30–12:00. End may be 1440 (24:00).
type Span struct {
	Start, End int
}

// Config describes a calendar for New.
type Config struct {
	// Zone is the IANA time zone the hours and dates are in, e.g. "Asia/Shanghai".
	Zone string
	// Hours are the working spans of every working day, sorted and non-overlapping.
	Hours []Span
	// Weekend are the days off each week unless a date is in Workdays.
	Weekend []time.Weekday
	// Holidays are days off, as civil dates "2006-01-02".
	Holidays []string
	// Workdays are working days that would otherwise be off (make-up days,
	// 调休), as civil dates "2006-01-02".
	Workdays []string
	// Years are the years whose holiday schedule Holidays and Workdays give in
	// full; see Calendar.Covers.
	Years []int
}

// Calendar is immutable and safe for concurrent use.
type Calendar struct {
	loc      *time.Location
	spans    []Span
	day      time.Duration
	weekend  [7]bool
	holidays map[int64]bool // key: days since 1970-01-01
	workdays map[int64]bool
	years    map[int]bool
}

// maxIdleDays bounds Add's search: after this many days in a row without
// working time it gives up. New rejects a week without working time, so only
// a holiday list covering 20 years can get there.
const maxIdleDays = 20 * 366

// New builds a calendar from cfg.
func New(cfg Config) (*Calendar, error) {
	c, err := build(cfg)
	if err != nil {
		return nil, fmt.Errorf("worktime: %w", err)
	}
	return c, nil
}

// build is New without the package prefix on errors, so that Load can name
// its file instead. Field names in errors are those of calendar.json.
func build(cfg Config) (*Calendar, error) {
	if cfg.Zone == "" {
		return nil, errors.New("zone: missing")
	}
	loc, err := time.LoadLocation(cfg.Zone)
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	c := &Calendar{
		loc:      loc,
		spans:    slices.Clone(cfg.Hours),
		holidays: make(map[int64]bool, len(cfg.Holidays)),
		workdays: make(map[int64]bool, len(cfg.Workdays)),
		years:    make(map[int]bool, len(cfg.Years)),
	}
	if len(c.spans) == 0 {
		return nil, errors.New("hours: no working spans")
	}
	for i, s := range c.spans {
		switch {
		case s.Start < 0 || s.End > 24*60:
			return nil, fmt.Errorf("hours[%d]: %s is outside 00:00–24:00", i, s)
		case s.End <= s.Start:
			return nil, fmt.Errorf("hours[%d]: %s is empty", i, s)
		case i > 0 && s.Start < c.spans[i-1].End:
			return nil, fmt.Errorf("hours[%d]: %s overlaps or precedes %s", i, s, c.spans[i-1])
		}
		c.day += time.Duration(s.End-s.Start) * time.Minute
	}
	for _, d := range cfg.Weekend {
		if d < time.Sunday || d > time.Saturday {
			return nil, fmt.Errorf("weekend: bad weekday %d", d)
		}
		c.weekend[d] = true
	}
	if !slices.Contains(c.weekend[:], false) {
		return nil, errors.New("weekend: every day is off, so there is no working time")
	}
	for _, s := range cfg.Holidays {
		k, err := parseDate(s)
		if err != nil {
			return nil, fmt.Errorf("holidays: %w", err)
		}
		c.holidays[k] = true
	}
	for _, s := range cfg.Workdays {
		k, err := parseDate(s)
		if err != nil {
			return nil, fmt.Errorf("workdays: %w", err)
		}
		if c.holidays[k] {
			return nil, fmt.Errorf("workdays: %s is also a holiday", s)
		}
		c.workdays[k] = true
	}
	for _, y := range cfg.Years {
		c.years[y] = true
	}
	return c, nil
}

// String formats s as "08:30-12:00".
func (s Span) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.Start/60, s.Start%60, s.End/60, s.End%60)
}

// parseDate returns the civil date s ("2006-01-02") as days since 1970-01-01.
func parseDate(s string) (int64, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("bad date %q", s)
	}
	return t.Unix() / 86400, nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Day is the working time of one ordinary working day (7h30m for Suzhou),
// the worth of a working day in a time limit.
func (c *Calendar) Day() time.Duration { return c.day }

// Working reports whether the civil day of t (in the calendar's zone) is a
// working day.
func (c *Calendar) Working(t time.Time) bool {
	return c.working(c.dayOf(t))
}

// Covers reports whether the calendar has a holiday schedule for t's year
// (in the calendar's zone). A year without one is counted with ordinary
// weekends only; callers should warn that its deadlines ignore holidays.
func (c *Calendar) Covers(t time.Time) bool {
	return c.years[t.In(c.loc).Year()]
}

// Add returns the instant by which d of working time has passed after t,
// in t's location. Add(t, 0) == t, and so for any d <= 0.
//
// Starting outside working hours, the clock starts at the next working span.
// A deadline that falls exactly at the end of a span is that end, not the
// start of the next span: 4 h from 13:30 is 17:30 the same day.
//
// If there is no working time at all for 20 years after t (only possible
// with a holiday list that long), Add gives up and returns a time 20 years on.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	idle := 0
	for w := c.dayOf(t); ; c.next(&w) {
		if !c.working(w) {
			if idle++; idle > maxIdleDays {
				return w.start.In(t.Location())
			}
			continue
		}
		idle = 0
		// A whole working day still to go: skip it without walking its spans.
		// Strictly more than a day, so a deadline at its last span's end stays there.
		if w.even && d > c.day && !t.After(w.start) {
			d -= c.day
			continue
		}
		for _, s := range c.spans {
			from, to := w.at(s.Start), w.at(s.End)
			if from.Before(t) {
				from = t
			}
			avail := to.Sub(from)
			if avail <= 0 { // already over, or lost in a daylight-saving gap
				continue
			}
			if d <= avail {
				return from.Add(d).In(t.Location())
			}
			d -= avail
		}
	}
}

// Between is the working time within [a, b), 0 if b <= a.
// Whole working days in the range count Day() each, so a range of months
// costs a map lookup or two per day.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	var sum time.Duration
	for w := c.dayOf(a); w.start.Before(b); c.next(&w) {
		if !c.working(w) {
			continue
		}
		if w.even && !w.start.Before(a) && !w.end.After(b) {
			sum += c.day
			continue
		}
		for _, s := range c.spans {
			from, to := w.at(s.Start), w.at(s.End)
			if from.Before(a) {
				from = a
			}
			if to.After(b) {
				to = b
			}
			if to.After(from) {
				sum += to.Sub(from)
			}
		}
	}
	return sum
}

// Limit converts a catalogue time limit to working time: hours of working
// time, or days of working days each worth c.Day(). Exactly one of hours and
// days must be > 0 (the other 0); anything else is an error, as is a limit
// too small to be a nanosecond or too large for a time.Duration.
func Limit(c *Calendar, hours, days float64) (time.Duration, error) {
	switch {
	case hours > 0 && days == 0:
		return scale(hours, time.Hour)
	case days > 0 && hours == 0:
		return scale(days, c.day)
	}
	return 0, fmt.Errorf("worktime: limit needs exactly one of hours (%g) and days (%g) > 0", hours, days)
}

func scale(n float64, unit time.Duration) (time.Duration, error) {
	x := math.Round(n * float64(unit))
	if x < 1 || x >= math.MaxInt64 {
		return 0, fmt.Errorf("worktime: limit %g × %v is out of range", n, unit)
	}
	return time.Duration(x), nil
}

// A day is one civil day of the calendar, as Add and Between walk them.
type day struct {
	y          int
	m          time.Month
	d          int
	key        int64 // days since 1970-01-01
	weekday    time.Weekday
	start, end time.Time // its midnight and the next, in the calendar's zone
	even       bool      // 24 h long, so a span is start plus its minutes
}

// dayOf is the civil day of t in the calendar's zone.
func (c *Calendar) dayOf(t time.Time) day {
	y, m, d := t.In(c.loc).Date()
	civil := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	w := day{y: y, m: m, d: d, key: civil.Unix() / 86400, weekday: civil.Weekday()}
	w.start = time.Date(y, m, d, 0, 0, 0, 0, c.loc)
	w.end = time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)
	w.even = w.end.Sub(w.start) == 24*time.Hour
	return w
}

// next moves w on to the following day.
func (c *Calendar) next(w *day) {
	w.y, w.m, w.d = w.end.Date()
	w.key++
	w.weekday = (w.weekday + 1) % 7
	w.start = w.end
	w.end = time.Date(w.y, w.m, w.d+1, 0, 0, 0, 0, c.loc)
	w.even = w.end.Sub(w.start) == 24*time.Hour
}

// at is the instant minute minutes after midnight on w, by the wall clock.
func (w *day) at(minute int) time.Time {
	if w.even {
		return w.start.Add(time.Duration(minute) * time.Minute)
	}
	return time.Date(w.y, w.m, w.d, 0, minute, 0, 0, w.start.Location())
}

func (c *Calendar) working(w day) bool {
	switch {
	case c.holidays[w.key]:
		return false
	case c.workdays[w.key]:
		return true
	}
	return !c.weekend[w.weekday]
}
