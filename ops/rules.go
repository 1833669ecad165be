package ops

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// Rules configure the alerts and dispatches of one city. docs/API.md
// ("Rules") describes the file.
type Rules struct {
	// Every is how often the rules are evaluated.
	Every   Duration      `json:"every"`
	HotCell []HotCellRule `json:"hotCell"`
	Anomaly []AnomalyRule `json:"anomaly"`
	Severe  SevereRule    `json:"severe"`
	Uncover UncoverRule   `json:"uncovered"`
	Overdue OverdueRule   `json:"overdue"`
	// CaseOverdue alerts on a case past its deadline (package cases).
	CaseOverdue CaseOverdueRule `json:"caseOverdue"`
	Dispatch    DispatchRule    `json:"dispatch"`
	Storm       StormRule       `json:"storm"`
}

// A HotCellRule opens an alert when a cell's count in a window reaches Open,
// and resolves it when the count falls to Clear or below: the gap between the
// two is the hysteresis that keeps a cell hovering at Open from flapping.
type HotCellRule struct {
	Name     string `json:"name"`
	Res      int    `json:"res"`
	Window   string `json:"window"`
	Open     int32  `json:"open"`
	Clear    int32  `json:"clear"`
	Severity int    `json:"severity"`
}

// An AnomalyRule compares a place's incidents in the last hour with the same
// hour on each of the previous Days days (Season "week": the same hour of the
// same weekday, so Days should cover weeks). With mean μ and standard deviation
// σ of those samples and x the last hour, z = (x − μ) / max(σ, √μ, 1): the √μ
// floor is the spread a Poisson count would have, so a steady busy place needs
// a large excess while a quiet one alerts on a few incidents. It opens at
// z ≥ ZOpen with x ≥ MinCount and resolves at z < ZClear or x < MinCount/2.
type AnomalyRule struct {
	Name string `json:"name"`
	// Place is "cell" (at Res) or a region level: "district", "street",
	// "community" or "grid".
	Place      string  `json:"place"`
	Res        int     `json:"res,omitempty"`
	Days       int     `json:"days"`
	Season     string  `json:"season,omitempty"` // "day" (default) or "week"
	MinSamples int     `json:"minSamples"`
	ZOpen      float64 `json:"zOpen"`
	ZClear     float64 `json:"zClear"`
	MinCount   int     `json:"minCount"`
	Severity   int     `json:"severity"`
}

// SevereRule alerts at once on any incident at or above MinSeverity. The alert
// resolves itself AutoResolve after the incident unless someone has
// acknowledged it (then a person resolves it).
type SevereRule struct {
	MinSeverity int      `json:"minSeverity"`
	AutoResolve Duration `json:"autoResolve"`
}

// UncoverRule alerts on each open alert of the hot-cell rule named Rule whose
// cell has no available unit, and no unit dispatched to it, within Rings H3
// rings (at the rule's resolution).
type UncoverRule struct {
	Rule     string `json:"rule"`
	Rings    int    `json:"rings"`
	Severity int    `json:"severity"`
}

// OverdueRule alerts on a dispatch not on scene Target after assignment.
type OverdueRule struct {
	Target   Duration `json:"target"`
	Severity int      `json:"severity"`
}

// CaseOverdueRule opens a case_overdue alert, of Severity, for every case
// waiting for handling past its deadline; the alert resolves itself once the
// case is handled or suspended. Severity 0 turns the rule off.
type CaseOverdueRule struct {
	Severity int `json:"severity"`
}

// DispatchRule says when a unit is on scene: a position within ArriveRings
// rings of the target cell, at resolution 9; and when a unit silent for
// StaleAfter is no longer counted available (its position is too old to send
// it, or to count it as covering a hot cell).
type DispatchRule struct {
	ArriveRings int      `json:"arriveRings"`
	StaleAfter  Duration `json:"staleAfter"`
}

// A StormRule folds the alerts of one kind in one district into one storm
// alert once Rate of them have opened within Window: nobody can read a
// thousand alerts. The storm counts its members and names the worst (List of
// them); while it is open the websocket's alerts layer shows the storm
// instead of its members, which the REST list still holds. It resolves
// itself once Clear or fewer of its members are still active. Rate 0 turns
// storms off.
type StormRule struct {
	Rate   int      `json:"rate"`
	Window Duration `json:"window"`
	Clear  int      `json:"clear"`
	List   int      `json:"list"`
}

// Duration is a time.Duration written as "90s", "10m".
type Duration struct{ time.Duration }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "90s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err := json.Unmarshal(b, &secs); err != nil {
			return errors.New(`a duration such as "90s" or "10m"`)
		}
		d.Duration = time.Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("a duration such as \"90s\" or \"10m\": %v", err)
	}
	d.Duration = v
	return nil
}

// DefaultRules are the rules of a profile without a rules file.
func DefaultRules() *Rules {
	return &Rules{
		Every:   Duration{time.Second},
		HotCell: []HotCellRule{{Name: "hot-1h", Res: 8, Window: "1h", Open: 20, Clear: 14, Severity: 2}},
		Anomaly: []AnomalyRule{
			{Name: "anomaly-cell", Place: "cell", Res: 7, Days: 7, MinSamples: 3, ZOpen: 4, ZClear: 2, MinCount: 5, Severity: 2},
			{Name: "anomaly-street", Place: "street", Days: 7, MinSamples: 3, ZOpen: 4, ZClear: 2, MinCount: 8, Severity: 2},
		},
		Severe:      SevereRule{MinSeverity: 4, AutoResolve: Duration{time.Hour}},
		Uncover:     UncoverRule{Rule: "hot-1h", Rings: 2, Severity: 3},
		Overdue:     OverdueRule{Target: Duration{10 * time.Minute}, Severity: 3},
		CaseOverdue: CaseOverdueRule{Severity: 2},
		Dispatch:    DispatchRule{ArriveRings: 1, StaleAfter: Duration{10 * time.Minute}},
		Storm:       StormRule{Rate: 30, Window: Duration{10 * time.Minute}, Clear: 10, List: 5},
	}
}

// windows names the heat windows the fold keeps (geo.Windows); a hot-cell
// rule reads one of them.
var windows = func() []string {
	var names []string
	for _, w := range geo.Windows {
		names = append(names, w.Name)
	}
	return names
}()

// ParseRules reads a rules file. Fields left out take DefaultRules' values
// (lists are replaced whole); errors name the field.
func ParseRules(b []byte) (*Rules, error) {
	r := DefaultRules()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(r); err != nil {
		return nil, fmt.Errorf("rules: %v", err)
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return r, nil
}

func (r *Rules) validate() error {
	if r.Every.Duration < 100*time.Millisecond || r.Every.Duration > time.Minute {
		return errors.New("every: between 100ms and 1m")
	}
	names := map[string]bool{}
	for i, h := range r.HotCell {
		at := fmt.Sprintf("hotCell[%d]", i)
		switch {
		case h.Name == "" || names[h.Name]:
			return fmt.Errorf("%s.name: empty or used twice", at)
		case !slices.Contains(geo.HeatResolutions, h.Res):
			return fmt.Errorf("%s.res: one of %v", at, geo.HeatResolutions)
		case !slices.Contains(windows, h.Window):
			return fmt.Errorf("%s.window: one of %v", at, windows)
		case h.Open < 1:
			return fmt.Errorf("%s.open: at least 1", at)
		case h.Clear < 0 || h.Clear >= h.Open:
			return fmt.Errorf("%s.clear: at least 0 and below open", at)
		case h.Severity < 1 || h.Severity > 4:
			return fmt.Errorf("%s.severity: 1 to 4", at)
		}
		names[h.Name] = true
	}
	for i, a := range r.Anomaly {
		at := fmt.Sprintf("anomaly[%d]", i)
		lv, lerr := geo.ParseLevel(a.Place)
		switch {
		case a.Name == "" || names[a.Name]:
			return fmt.Errorf("%s.name: empty or used twice", at)
		case a.Place == "cell" && (a.Res < 5 || a.Res > 9):
			return fmt.Errorf("%s.res: 5 to 9 for a cell place", at)
		case a.Place != "cell" && (lerr != nil || lv == geo.LevelCity):
			return fmt.Errorf("%s.place: cell, district, street, community or grid", at)
		case a.Days < 1 || a.Days > 56:
			return fmt.Errorf("%s.days: 1 to 56", at)
		case a.Season != "" && a.Season != "day" && a.Season != "week":
			return fmt.Errorf("%s.season: day or week", at)
		case a.MinSamples < 1:
			return fmt.Errorf("%s.minSamples: at least 1", at)
		case a.ZOpen <= 0 || a.ZClear < 0 || a.ZClear >= a.ZOpen:
			return fmt.Errorf("%s.zClear: at least 0 and below zOpen (> 0)", at)
		case a.MinCount < 1:
			return fmt.Errorf("%s.minCount: at least 1", at)
		case a.Severity < 1 || a.Severity > 4:
			return fmt.Errorf("%s.severity: 1 to 4", at)
		}
		names[a.Name] = true
	}
	switch {
	case r.Severe.MinSeverity < 0 || r.Severe.MinSeverity > 4:
		return errors.New("severe.minSeverity: 1 to 4 (0 turns the rule off)")
	case r.Uncover.Rule != "" && !slices.ContainsFunc(r.HotCell, func(h HotCellRule) bool { return h.Name == r.Uncover.Rule }):
		return fmt.Errorf("uncovered.rule: no hotCell rule named %q", r.Uncover.Rule)
	case r.Uncover.Rings < 0 || r.Uncover.Rings > 10:
		return errors.New("uncovered.rings: 0 to 10")
	case r.Uncover.Rule != "" && (r.Uncover.Severity < 1 || r.Uncover.Severity > 4):
		return errors.New("uncovered.severity: 1 to 4")
	case r.Overdue.Target.Duration < 0:
		return errors.New("overdue.target: not negative (0 turns the rule off)")
	case r.Overdue.Target.Duration > 0 && (r.Overdue.Severity < 1 || r.Overdue.Severity > 4):
		return errors.New("overdue.severity: 1 to 4")
	case r.CaseOverdue.Severity < 0 || r.CaseOverdue.Severity > 4:
		return errors.New("caseOverdue.severity: 0 (off) to 4")
	case r.Dispatch.ArriveRings < 0 || r.Dispatch.ArriveRings > 5:
		return errors.New("dispatch.arriveRings: 0 to 5")
	case r.Dispatch.StaleAfter.Duration < time.Minute:
		return errors.New("dispatch.staleAfter: at least 1m")
	case r.Storm.Rate < 0 || r.Storm.Rate > 0 && r.Storm.Rate < 2:
		return errors.New("storm.rate: 2 or more (0 turns storms off)")
	case r.Storm.Rate > 0 && (r.Storm.Window.Duration < time.Minute || r.Storm.Window.Duration > time.Hour):
		return errors.New("storm.window: between 1m and 1h")
	case r.Storm.Rate > 0 && (r.Storm.Clear < 0 || r.Storm.Clear >= r.Storm.Rate):
		return errors.New("storm.clear: at least 0 and below rate")
	case r.Storm.List < 0 || r.Storm.List > 50:
		return errors.New("storm.list: 0 to 50")
	}
	return nil
}

func (r *Rules) hotRule(name string) (HotCellRule, bool) {
	for _, h := range r.HotCell {
		if h.Name == name {
			return h, true
		}
	}
	return HotCellRule{}, false
}

// LoadRules reads the rules in force: the file at path when path is set, else
// the profile's rules (its rules.json; nil when it has none: DefaultRules).
func LoadRules(path string, profile []byte) (*Rules, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		return ParseRules(b)
	}
	if profile == nil {
		return DefaultRules(), nil
	}
	return ParseRules(profile)
}

// History is how far back the anomaly rules look, plus the current hour:
// how much of the incidents' streams a node must fold for them.
func (r *Rules) History() time.Duration {
	var d time.Duration
	for _, a := range r.Anomaly {
		span := time.Duration(a.Days) * 24 * time.Hour
		if a.Season == "week" {
			span *= 7
		}
		d = max(d, span+time.Hour)
	}
	return d
}
