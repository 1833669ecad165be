package worktime_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/worktime"
)

func suzhou(tb testing.TB) *worktime.Calendar {
	tb.Helper()
	c, err := worktime.Load(profiles.FS, "suzhou")
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// TestDeadlines checks the hand-worked cases in testdata/worktime/deadlines.json.
func TestDeadlines(t *testing.T) {
	c := suzhou(t)
	b, err := os.ReadFile("../testdata/worktime/deadlines.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name, Start, Due, Why string
		Hours, Days           float64
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 10 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			start, due := at(t, tc.Start), at(t, tc.Due)
			limit, err := worktime.Limit(c, tc.Hours, tc.Days)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Add(start, limit); !got.Equal(due) {
				t.Errorf("Add(%s, %v) = %s, want %s\n(%s)", tc.Start, limit, got.Format(time.RFC3339), tc.Due, tc.Why)
			}
			if got := c.Between(start, due); got != limit {
				t.Errorf("Between(%s, %s) = %v, want %v", tc.Start, tc.Due, got, limit)
			}
		})
	}
}

func TestCalendar(t *testing.T) {
	c := suzhou(t)
	if got := c.Location().String(); got != "Asia/Shanghai" {
		t.Errorf("Location = %s", got)
	}
	if got := c.Day(); got != 7*time.Hour+30*time.Minute {
		t.Errorf("Day = %v, want 7h30m", got)
	}
	for _, tc := range []struct {
		at   string
		want bool
	}{
		{"2026-02-14T10:00:00+08:00", true},  // make-up Saturday (Spring Festival)
		{"2026-10-10T23:59:00+08:00", true},  // make-up Saturday (National Day)
		{"2026-10-05T10:00:00+08:00", false}, // Monday in the National Day holiday
		{"2026-11-28T10:00:00+08:00", false}, // ordinary Saturday
		{"2026-11-27T10:00:00+08:00", true},  // ordinary Friday
		{"2026-02-13T17:00:00Z", true},       // 01:00 Sat 14 Feb in Suzhou
		{"2026-02-14T16:00:00Z", false},      // 00:00 Sun 15 Feb in Suzhou
		{"2027-01-01T10:00:00+08:00", true},  // a Friday in a year without a schedule
	} {
		if got := c.Working(at(t, tc.at)); got != tc.want {
			t.Errorf("Working(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
	for _, tc := range []struct {
		at   string
		want bool
	}{
		{"2025-03-01T00:00:00+08:00", true},
		{"2026-12-31T23:59:59+08:00", true},
		{"2026-12-31T16:00:00Z", false}, // already 2027 in Suzhou
		{"2024-06-01T00:00:00+08:00", false},
	} {
		if got := c.Covers(at(t, tc.at)); got != tc.want {
			t.Errorf("Covers(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestBetween(t *testing.T) {
	c := suzhou(t)
	h := time.Hour
	for _, tc := range []struct {
		a, b string
		want time.Duration
	}{
		// Mon 9 to Mon 16 Mar 2026: 5 ordinary days of 7.5 h.
		{"2026-03-09T00:00:00+08:00", "2026-03-16T00:00:00+08:00", 37*h + 30*time.Minute},
		// The same week from Sunday noon to Saturday noon: the same 5 days.
		{"2026-03-08T12:00:00+08:00", "2026-03-14T12:00:00+08:00", 37*h + 30*time.Minute},
		// Mon 28 Sep to Mon 12 Oct 2026: 28, 29, 30 Sep and 8, 9, 10 (make-up Saturday) Oct.
		{"2026-09-28T00:00:00+08:00", "2026-10-12T00:00:00+08:00", 45 * h},
		// Tue 10 Mar 10:00-15:00: 2 h before lunch, 1.5 h after.
		{"2026-03-10T10:00:00+08:00", "2026-03-10T15:00:00+08:00", 3*h + 30*time.Minute},
		// Within lunch, and reversed.
		{"2026-03-10T12:10:00+08:00", "2026-03-10T13:20:00+08:00", 0},
		{"2026-03-10T15:00:00+08:00", "2026-03-10T10:00:00+08:00", 0},
		// Spring Festival: Fri 13 Feb 17:00 to Tue 24 Feb 09:00 is 0.5 h + Sat 14 Feb + 0.5 h.
		{"2026-02-13T17:00:00+08:00", "2026-02-24T09:00:00+08:00", 8*h + 30*time.Minute},
	} {
		if got := c.Between(at(t, tc.a), at(t, tc.b)); got != tc.want {
			t.Errorf("Between(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestAddZero(t *testing.T) {
	c := suzhou(t)
	now := time.Now()
	if got := c.Add(now, 0); got != now {
		t.Errorf("Add(now, 0) = %v, want %v", got, now)
	}
	sunday := at(t, "2026-03-15T20:00:00+08:00")
	if got := c.Add(sunday, -time.Hour); got != sunday {
		t.Errorf("Add(t, -1h) = %v, want t", got)
	}
	utc := at(t, "2026-03-13T07:00:00Z") // 15:00 Fri in Suzhou
	got := c.Add(utc, 4*time.Hour)
	if want := at(t, "2026-03-16T02:00:00Z"); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Add(UTC) = %v, want %v in UTC", got, want)
	}
}

// TestProperties checks that Between undoes Add, that Add gives the earliest
// instant and that it is monotone,
// on Suzhou and on a calendar whose spans cross the daylight-saving changes.
func TestProperties(t *testing.T) {
	berlin, err := worktime.New(worktime.Config{
		Zone:     "Europe/Berlin",
		Hours:    []worktime.Span{{Start: 60, End: 210}, {Start: 600, End: 1440}},
		Weekend:  []time.Weekday{time.Sunday},
		Holidays: []string{"2026-03-30", "2026-12-25"},
		Workdays: []string{"2026-03-29"}, // the Sunday clocks go forward
		Years:    []int{2026},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	from := at(t, "2025-01-01T00:00:00+08:00")
	span := at(t, "2027-06-01T00:00:00+08:00").Sub(from)
	for _, c := range []*worktime.Calendar{suzhou(t), berlin} {
		for range 3000 {
			start := from.Add(time.Duration(r.Int64N(int64(span))))
			if r.IntN(4) == 0 {
				start = start.Truncate(30 * time.Minute) // land on span edges too
			}
			d1 := time.Duration(r.Int64N(int64(40 * c.Day())))
			d2 := d1 + time.Duration(r.Int64N(int64(3*c.Day())))
			due1, due2 := c.Add(start, d1), c.Add(start, d2)
			if got := c.Between(start, due1); got != d1 {
				t.Fatalf("%s: Between(%s, Add(t, %v) = %s) = %v", c.Location(), start, d1, due1, got)
			}
			if d1 > 0 && c.Between(start, due1.Add(-1)) >= d1 { // the earliest such instant
				t.Fatalf("%s: Add(%s, %v) = %s is late", c.Location(), start, d1, due1)
			}
			if due2.Before(due1) || due1.Before(start) {
				t.Fatalf("%s: not monotone from %s: Add %v = %s, Add %v = %s", c.Location(), start, d1, due1, d2, due2)
			}
		}
	}
	// Sun 29 Mar 2026 in Berlin: 01:00-03:30 by the clock is 1.5 h, 02:00-03:00 not existing.
	day := at(t, "2026-03-29T00:00:00+01:00")
	if got := berlin.Between(day, day.Add(24*time.Hour)); got != 90*time.Minute+14*time.Hour {
		t.Errorf("Berlin 29 Mar = %v, want 15h30m", got)
	}
}

func TestNewErrors(t *testing.T) {
	ok := worktime.Config{
		Zone:    "Asia/Shanghai",
		Hours:   []worktime.Span{{Start: 510, End: 720}, {Start: 810, End: 1050}},
		Weekend: []time.Weekday{time.Saturday, time.Sunday},
	}
	if _, err := worktime.New(ok); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, want string
		edit       func(*worktime.Config)
	}{
		{"overlapping spans", "hours[1]", func(c *worktime.Config) { c.Hours = []worktime.Span{{Start: 510, End: 720}, {Start: 700, End: 1050}} }},
		{"unsorted spans", "hours[1]", func(c *worktime.Config) { c.Hours = []worktime.Span{{Start: 810, End: 1050}, {Start: 510, End: 720}} }},
		{"empty span", "hours[0]", func(c *worktime.Config) { c.Hours = []worktime.Span{{Start: 510, End: 510}} }},
		{"span past midnight", "hours[0]", func(c *worktime.Config) { c.Hours = []worktime.Span{{Start: 1380, End: 1500}} }},
		{"no spans", "hours", func(c *worktime.Config) { c.Hours = nil }},
		{"holiday and workday", "2026-10-10", func(c *worktime.Config) {
			c.Holidays = []string{"2026-10-01", "2026-10-10"}
			c.Workdays = []string{"2026-10-10"}
		}},
		{"bad date", "holidays", func(c *worktime.Config) { c.Holidays = []string{"2026-02-30"} }},
		{"bad zone", "zone", func(c *worktime.Config) { c.Zone = "Asia/Suzhou" }},
		{"no zone", "zone", func(c *worktime.Config) { c.Zone = "" }},
		{"no working day", "weekend", func(c *worktime.Config) {
			c.Weekend = []time.Weekday{0, 1, 2, 3, 4, 5, 6}
		}},
	} {
		cfg := ok
		tc.edit(&cfg)
		_, err := worktime.New(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	good := `{"zone": "Asia/Shanghai", "hours": [["08:30","12:00"],["13:30","17:30"]], "weekend": ["Saturday","Sunday"]}`
	year := `{"holidays":{"2026-10-01":"National Day"},"workdays":{"2026-10-10":"National Day"},"inLieuDays":{"2026-10-06":"x"}}`
	for _, tc := range []struct {
		name       string
		cal, y2026 string
		want       []string
	}{
		{"bad time", strings.Replace(good, "17:30", "17:61", 1), year, []string{"x/calendar.json", "hours[1]", "17:61"}},
		{"overlap", strings.Replace(good, "13:30", "11:30", 1), year, []string{"x/calendar.json", "hours[1]"}},
		{"bad weekday", strings.Replace(good, "Sunday", "Sunday2", 1), year, []string{"x/calendar.json", "weekend"}},
		{"bad zone", strings.Replace(good, "Asia/Shanghai", "Mars/Olympus", 1), year, []string{"x/calendar.json", "zone"}},
		{"misspelt key", strings.Replace(good, "weekend", "weekends", 1), year, []string{"x/calendar.json", "weekends"}},
		{"bad date", good, strings.Replace(year, "2026-10-01", "2026-13-01", 1), []string{"x/calendar/2026.json", "holidays", "2026-13-01"}},
		{"wrong year", good, strings.Replace(year, "2026-10-10", "2027-10-10", 1), []string{"x/calendar/2026.json", "workdays", "2027-10-10"}},
		{"both", good, strings.Replace(year, "2026-10-01", "2026-10-10", 1), []string{"x/calendar/2026.json", "2026-10-10", "holidays", "workdays"}},
	} {
		fsys := fstest.MapFS{
			"x/calendar.json":      {Data: []byte(tc.cal)},
			"x/calendar/2026.json": {Data: []byte(tc.y2026)},
		}
		_, err := worktime.Load(fsys, "x")
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: Load error %v, want it to name %q", tc.name, err, w)
			}
		}
	}
	fsys := fstest.MapFS{
		"x/calendar.json":      {Data: []byte(good)},
		"x/calendar/2026.json": {Data: []byte(year)},
	}
	c, err := worktime.Load(fsys, "x")
	if err != nil {
		t.Fatal(err)
	}
	if c.Working(at(t, "2026-10-01T10:00:00+08:00")) || !c.Working(at(t, "2026-10-10T10:00:00+08:00")) ||
		!c.Working(at(t, "2026-10-06T10:00:00+08:00")) {
		t.Error("holidays, workdays or inLieuDays misread")
	}
}

func TestLimit(t *testing.T) {
	c := suzhou(t)
	for _, tc := range []struct {
		hours, days float64
		want        time.Duration
	}{
		{4, 0, 4 * time.Hour},
		{1.5, 0, 90 * time.Minute},
		{0, 2, 15 * time.Hour},
		{0, 0.5, 3*time.Hour + 45*time.Minute},
	} {
		got, err := worktime.Limit(c, tc.hours, tc.days)
		if err != nil || got != tc.want {
			t.Errorf("Limit(%g, %g) = %v, %v; want %v", tc.hours, tc.days, got, err, tc.want)
		}
	}
	for _, tc := range [][2]float64{{0, 0}, {2, 1}, {-1, 0}, {0, -1}, {1e12, 0}} {
		if got, err := worktime.Limit(c, tc[0], tc[1]); err == nil {
			t.Errorf("Limit(%g, %g) = %v, want an error", tc[0], tc[1], got)
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	c := suzhou(b)
	start := at(b, "2026-09-30T15:00:00+08:00")
	for b.Loop() {
		c.Add(start, 3*c.Day())
	}
}

func BenchmarkBetween30Days(b *testing.B) {
	c := suzhou(b)
	start := at(b, "2026-09-20T10:15:00+08:00")
	end := start.Add(30 * 24 * time.Hour)
	for b.Loop() {
		c.Between(start, end)
	}
}

// TestAddGivesUp checks Add stops after 20 years without working time.
func TestAddGivesUp(t *testing.T) {
	var mondays []string
	first := time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC) // a Monday
	for d := first; d.Year() < 2052; d = d.AddDate(0, 0, 7) {
		mondays = append(mondays, d.Format(time.DateOnly))
	}
	c, err := worktime.New(worktime.Config{
		Zone:     "UTC",
		Hours:    []worktime.Span{{Start: 540, End: 1020}},
		Weekend:  []time.Weekday{time.Sunday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday},
		Holidays: mondays,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Add(first, time.Hour)
	if got.Before(first.AddDate(20, 0, 0)) || got.After(first.AddDate(21, 0, 0)) {
		t.Errorf("Add = %v, want about 20 years on", got)
	}
}
