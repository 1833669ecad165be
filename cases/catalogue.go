package cases

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"path"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/worktime"
)

// A Subcategory is one kind of case in the profile's catalogue (立案/结案标准):
// how long the responsible department has to settle it, in working time,
// which department that is, and the level that settles it unless someone
// routes it elsewhere.
type Subcategory struct {
	Code     string `json:"code"`
	Label    string `json:"label"`
	Category string `json:"category"`
	// Hours or Days: the time limit as the city's table gives it, in working
	// hours or working days (one working day is the calendar's Day).
	Hours float64 `json:"hours,omitempty"`
	Days  float64 `json:"days,omitempty"`
	// LimitMinutes is the limit in minutes of working time.
	LimitMinutes float64 `json:"limitMinutes"`
	Department   string  `json:"department"`
	Level        string  `json:"level"`
	// Emergency cases are counted apart in the figures.
	Emergency bool `json:"emergency,omitempty"`

	limit time.Duration
}

// Limit is the subcategory's time limit in working time.
func (s *Subcategory) Limit() time.Duration { return s.limit }

// A Category groups subcategories.
type Category struct {
	Code          string         `json:"code"`
	Label         string         `json:"label"`
	Subcategories []*Subcategory `json:"subcategories"`
}

// A Channel is a way a case comes in: a grid worker's app, a hotline.
type Channel struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// A Catalogue is a profile's kinds of case and intake channels, with the
// working-time calendar their limits are counted in. It is immutable.
type Catalogue struct {
	Channels   []Channel   `json:"channels"`
	Categories []*Category `json:"categories"`
	// Calendar counts the limits; it is not part of the JSON.
	Calendar *worktime.Calendar `json:"-"`

	bySub     map[string]*Subcategory
	byChannel map[string]bool
}

// LoadCatalogue reads dir/cases.json of a profile, and its calendar
// (worktime.Load of the same directory).
func LoadCatalogue(fsys fs.FS, dir string) (*Catalogue, error) {
	cal, err := worktime.Load(fsys, dir)
	if err != nil {
		return nil, err
	}
	file := path.Join(dir, "cases.json")
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	var c Catalogue
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := c.index(cal); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &c, nil
}

// NewCatalogue builds a catalogue in code (tests, other profiles).
func NewCatalogue(cal *worktime.Calendar, channels []Channel, categories []*Category) (*Catalogue, error) {
	c := &Catalogue{Channels: channels, Categories: categories}
	if err := c.index(cal); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Catalogue) index(cal *worktime.Calendar) error {
	c.Calendar = cal
	c.bySub = map[string]*Subcategory{}
	c.byChannel = map[string]bool{}
	for _, ch := range c.Channels {
		if ch.Code == "" || c.byChannel[ch.Code] {
			return fmt.Errorf("channel %q: empty or listed twice", ch.Code)
		}
		c.byChannel[ch.Code] = true
	}
	for _, cat := range c.Categories {
		for _, s := range cat.Subcategories {
			if s.Code == "" || c.bySub[s.Code] != nil {
				return fmt.Errorf("subcategory %q: empty or listed twice", s.Code)
			}
			if (s.Hours > 0) == (s.Days > 0) || math.IsInf(s.Hours+s.Days, 0) {
				return fmt.Errorf("subcategory %s: give its limit in hours or in days (one of them, above zero)", s.Code)
			}
			if lv, err := geo.ParseLevel(s.Level); err != nil || lv == geo.LevelGrid {
				return fmt.Errorf("subcategory %s: level must be community, street, district or city, not %q", s.Code, s.Level)
			}
			if s.Department == "" {
				return fmt.Errorf("subcategory %s: no department", s.Code)
			}
			s.Category = cat.Code
			s.limit = time.Duration(s.Hours * float64(time.Hour))
			if s.Days > 0 {
				s.limit = time.Duration(s.Days * float64(cal.Day()))
			}
			s.LimitMinutes = s.limit.Minutes()
			c.bySub[s.Code] = s
		}
	}
	return nil
}

// Subcategory returns the subcategory with code, or nil.
func (c *Catalogue) Subcategory(code string) *Subcategory { return c.bySub[code] }

// HasChannel reports whether code is one of the catalogue's channels.
func (c *Catalogue) HasChannel(code string) bool { return c.byChannel[code] }
