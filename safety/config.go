package safety

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"time"
)

// The sub-indices, in the order rows and the configuration list them.
const (
	PublicOrder = "publicOrder"
	Traffic     = "traffic"
	Fire        = "fire"
	Disputes    = "disputes"
)

// SubKeys lists the sub-indices in their fixed order.
var SubKeys = [NumSubs]string{PublicOrder, Traffic, Fire, Disputes}

// NumSubs is the number of sub-indices.
const NumSubs = 4

// A Sub is one sub-index's configuration: the incident categories that feed
// it, its weight in the index, and the normal rate assumed before the region
// has any history (Prior).
type Sub struct {
	Key        string   `json:"key"`
	Label      string   `json:"label"`
	Weight     float64  `json:"weight"`
	Categories []string `json:"categories"`
	Prior      Prior    `json:"prior"`
	// Cases, when set, feeds the sub-index from the case book instead of
	// incidents once the book holds a case of Cases.Category.
	Cases *CaseWeights `json:"cases,omitempty"`
}

// A Prior is the normal severity-weighted rate per day the profile assumes
// where nothing earlier is known: per km², and per 10,000 residents.
type Prior struct {
	PerKm2 float64 `json:"perKm2"`
	Per10k float64 `json:"per10k"`
}

// CaseWeights weigh what cases of one category add to a sub-index: a new
// case, a deadline missed, a failed check (返工), a rating of 1 or 2.
type CaseWeights struct {
	Category     string  `json:"category"`
	New          float64 `json:"new"`
	Overdue      float64 `json:"overdue"`
	Rework       float64 `json:"rework"`
	Dissatisfied float64 `json:"dissatisfied"`
}

// A Period is a span the index is computed over, with the length of the
// history before it that makes its own baseline.
type Period struct {
	Name        string `json:"name"`
	Days        int    `json:"days"`
	HistoryDays int    `json:"historyDays"`
}

// Length is the period's duration.
func (p Period) Length() time.Duration { return time.Duration(p.Days) * day }

// A Band names a range of the index: from Min (inclusive) up to the next
// band's Min.
type Band struct {
	Name  string  `json:"name"`
	Label string  `json:"label"`
	Min   float64 `json:"min"`
}

// Config is a profile's safety.json.
type Config struct {
	// Zone is the time zone whose midnights bound the daily tallies.
	Zone string `json:"zone"`
	Subs []Sub  `json:"subs"`
	// Severity weighs incidents of severity 1..4.
	Severity      [4]float64 `json:"severity"`
	Periods       []Period   `json:"periods"`
	DefaultPeriod string     `json:"defaultPeriod"`
	// PriorDays is how many days of the peers' rate a baseline counts (its
	// weight against the region's own history, in days).
	PriorDays float64 `json:"priorDays"`
	// Slack is the severity-weighted count added under the expected count
	// when measuring the excess, so one minor incident in a quiet grid is
	// not a disaster.
	Slack float64 `json:"slack"`
	// Bands, best first.
	Bands []Band `json:"bands"`

	loc   *time.Location
	byCat map[string]int // category → sub index
}

const day = 24 * time.Hour

// Load reads dir/safety.json of a profile.
func Load(fsys fs.FS, dir string) (*Config, error) {
	file := path.Join(dir, "safety.json")
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return c, nil
}

// Parse reads a safety configuration and checks it.
func Parse(b []byte) (*Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	if c.Zone == "" {
		c.Zone = "UTC"
	}
	loc, err := time.LoadLocation(c.Zone)
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	c.loc = loc
	if len(c.Subs) != NumSubs {
		return nil, fmt.Errorf("subs: want %d (%v)", NumSubs, SubKeys)
	}
	c.byCat = map[string]int{}
	sum := 0.0
	for i, s := range c.Subs {
		if s.Key != SubKeys[i] {
			return nil, fmt.Errorf("subs[%d]: key %q, want %q", i, s.Key, SubKeys[i])
		}
		if s.Weight < 0 {
			return nil, fmt.Errorf("subs[%d]: negative weight", i)
		}
		sum += s.Weight
		for _, cat := range s.Categories {
			if _, dup := c.byCat[cat]; dup {
				return nil, fmt.Errorf("category %q feeds two sub-indices", cat)
			}
			c.byCat[cat] = i
		}
	}
	if sum <= 0 {
		return nil, fmt.Errorf("subs: the weights add up to %v", sum)
	}
	for i := range c.Subs { // normalised, so the index is a weighted mean
		c.Subs[i].Weight /= sum
	}
	for i, w := range c.Severity {
		if w < 0 || (i > 0 && w < c.Severity[i-1]) {
			return nil, fmt.Errorf("severity: weights must be non-negative and never fall with severity")
		}
	}
	if len(c.Periods) == 0 {
		return nil, fmt.Errorf("periods: none")
	}
	found := false
	for _, p := range c.Periods {
		if p.Days <= 0 || p.HistoryDays < 0 {
			return nil, fmt.Errorf("period %q: days must be positive", p.Name)
		}
		found = found || p.Name == c.DefaultPeriod
	}
	if !found {
		return nil, fmt.Errorf("defaultPeriod %q is not a period", c.DefaultPeriod)
	}
	if c.PriorDays <= 0 || c.Slack <= 0 {
		return nil, fmt.Errorf("priorDays and slack must be positive")
	}
	if len(c.Bands) == 0 || c.Bands[len(c.Bands)-1].Min > 0 {
		return nil, fmt.Errorf("bands: the last must start at 0")
	}
	for i := 1; i < len(c.Bands); i++ {
		if c.Bands[i].Min >= c.Bands[i-1].Min {
			return nil, fmt.Errorf("bands: best first, each starting lower")
		}
	}
	return &c, nil
}

// Location is the zone of the daily tallies.
func (c *Config) Location() *time.Location { return c.loc }

// SubOf is the sub-index a category feeds, and false if none.
func (c *Config) SubOf(category string) (int, bool) {
	i, ok := c.byCat[category]
	return i, ok
}

// Period returns the period called name ("" means the default).
func (c *Config) Period(name string) (Period, bool) {
	if name == "" {
		name = c.DefaultPeriod
	}
	for _, p := range c.Periods {
		if p.Name == name {
			return p, true
		}
	}
	return Period{}, false
}

// Band is the name of the band holding index.
func (c *Config) Band(index float64) string {
	for _, b := range c.Bands {
		if index >= b.Min {
			return b.Name
		}
	}
	return c.Bands[len(c.Bands)-1].Name
}

// Longest is how far back any period's computation reads: the period, the
// one before it (for the change), their history, and a year before.
func (c *Config) Longest() time.Duration {
	var d time.Duration
	for _, p := range c.Periods {
		d = max(d, time.Duration(2*p.Days+p.HistoryDays)*day)
	}
	return d
}
