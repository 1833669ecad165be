package safety

import (
	"encoding/json"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

// LayerIndex is the websocket layer of the index: the default period's
// rows of the city, its districts and its streets (what a wall colours and
// ranks; communities and grids, 29,000 rows, are asked for by REST).
const LayerIndex = "index"

var _ live.LayerSource = (*Fold)(nil)

// IndexLayer is the index layer's state.
type IndexLayer struct {
	Period    string    `json:"period"`
	AsOf      time.Time `json:"asOf"`
	City      *Row      `json:"city"`
	Districts []Row     `json:"districts"`
	Streets   []Row     `json:"streets"`
}

// Layers names the fold's layer.
func (f *Fold) Layers() []string { return []string{LayerIndex} }

// Layer is the index layer's current state. Before the first recomputation
// a loop's snapshot gets it without rows: computing it here would hold the
// loop (0.3 s of a core, seconds under the race detector), and Tick, which
// computes off the loop, publishes it to the subscriber a few ticks on.
// Without a loop it is computed first.
func (f *Fold) Layer(env *live.Env, name string) []byte {
	if name != LayerIndex {
		return nil
	}
	if f.tables[f.cfg.DefaultPeriod] == nil && env == nil {
		f.Recompute(nil)
	}
	return f.layer()
}

func (f *Fold) layer() []byte {
	l := IndexLayer{Districts: []Row{}, Streets: []Row{}}
	if t := f.tables[f.cfg.DefaultPeriod]; t != nil {
		l.Period, l.AsOf = t.Period, t.AsOf
		if city := t.Level(geo.LevelCity); len(city) == 1 {
			l.City = &city[0]
		}
		l.Districts, l.Streets = t.Level(geo.LevelDistrict), t.Level(geo.LevelStreet)
	}
	body, _ := json.Marshal(l)
	return append([]byte(`"`+LayerIndex+`":`), body...)
}
