package worktime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Load reads dir/calendar.json and every dir/calendar/<year>.json from fsys.
//
// calendar.json gives the zone, the working hours and the weekend:
//
//	{"zone": "Asia/Shanghai", "hours": [["08:30","12:00"],["13:30","17:30"]], "weekend": ["Saturday","Sunday"]}
//
// Each <year>.json is a year's schedule in the format of the chinese-days
// package: "holidays" and "workdays" map civil dates of that year to a
// description; other keys (such as "inLieuDays") are ignored. A year without
// a file is counted with ordinary weekends only (see Calendar.Covers), so
// next year's file can be dropped in when the State Council publishes it.
// Errors name the file and the field.
func Load(fsys fs.FS, dir string) (*Calendar, error) {
	name := path.Join(dir, "calendar.json")
	cfg, err := readConfig(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("worktime: %s: %w", name, err)
	}
	if err := readYears(fsys, path.Join(dir, "calendar"), &cfg); err != nil {
		return nil, fmt.Errorf("worktime: %w", err)
	}
	c, err := build(cfg)
	if err != nil {
		return nil, fmt.Errorf("worktime: %s: %w", name, err)
	}
	return c, nil
}

// readConfig reads calendar.json; build checks the spans and the zone.
func readConfig(fsys fs.FS, name string) (Config, error) {
	var f struct {
		Zone    string     `json:"zone"`
		Hours   [][]string `json:"hours"`
		Weekend []string   `json:"weekend"`
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Config{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt key would silently drop the weekend
	if err := dec.Decode(&f); err != nil {
		return Config{}, err
	}
	cfg := Config{Zone: f.Zone}
	for i, h := range f.Hours {
		if len(h) != 2 {
			return Config{}, fmt.Errorf("hours[%d]: want [start, end], got %d times", i, len(h))
		}
		var s Span
		if s.Start, err = parseClock(h[0]); err != nil {
			return Config{}, fmt.Errorf("hours[%d]: %w", i, err)
		}
		if s.End, err = parseClock(h[1]); err != nil {
			return Config{}, fmt.Errorf("hours[%d]: %w", i, err)
		}
		cfg.Hours = append(cfg.Hours, s)
	}
	for _, name := range f.Weekend {
		d, ok := parseWeekday(name)
		if !ok {
			return Config{}, fmt.Errorf("weekend: unknown day %q", name)
		}
		cfg.Weekend = append(cfg.Weekend, d)
	}
	return cfg, nil
}

// readYears adds every <year>.json in dir to cfg. A missing dir is no
// schedule at all, not an error.
func readYears(fsys fs.FS, dir string, cfg *Config) error {
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	// A date can only be in its own year's file, so a date seen twice is in
	// both holidays and workdays of one file.
	seen := map[string]string{} // date -> "file: field"
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".json")
		if e.IsDir() || !ok {
			continue
		}
		name := path.Join(dir, e.Name())
		year, err := strconv.Atoi(base)
		if len(base) != 4 || err != nil {
			return fmt.Errorf("%s: name is not <year>.json", name)
		}
		var f struct {
			Holidays map[string]string `json:"holidays"`
			Workdays map[string]string `json:"workdays"`
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for _, field := range []struct {
			name  string
			dates map[string]string
			to    *[]string
		}{{"holidays", f.Holidays, &cfg.Holidays}, {"workdays", f.Workdays, &cfg.Workdays}} {
			where := name + ": " + field.name
			for _, date := range slices.Sorted(maps.Keys(field.dates)) {
				t, err := time.Parse(time.DateOnly, date)
				if err != nil {
					return fmt.Errorf("%s: bad date %q", where, date)
				}
				if t.Year() != year {
					return fmt.Errorf("%s: %s is not in %d", where, date, year)
				}
				if other, ok := seen[date]; ok {
					return fmt.Errorf("%s: %s is also in %s", where, date, other)
				}
				seen[date] = where
				*field.to = append(*field.to, date)
			}
		}
		cfg.Years = append(cfg.Years, year)
	}
	return nil
}

// parseClock reads "08:30" as minutes from midnight; "24:00" is the end of the day.
func parseClock(s string) (int, error) {
	digit := func(i int) int { return int(s[i] - '0') }
	ok := len(s) == 5 && s[2] == ':'
	for _, i := range []int{0, 1, 3, 4} {
		ok = ok && '0' <= s[i] && s[i] <= '9'
	}
	if !ok {
		return 0, fmt.Errorf("bad time %q (want HH:MM)", s)
	}
	h, m := digit(0)*10+digit(1), digit(3)*10+digit(4)
	if m > 59 || h*60+m > 24*60 {
		return 0, fmt.Errorf("bad time %q (want 00:00 to 24:00)", s)
	}
	return h*60 + m, nil
}

func parseWeekday(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(s, d.String()) {
			return d, true
		}
	}
	return 0, false
}
