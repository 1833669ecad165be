package heat

import (
	"sort"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

// Changes is the heat fold's part of a live.Tick: what changed since the
// previous tick. It is immutable once made.
type Changes struct {
	// Views holds, for every view kept (changed or not), the cells whose count
	// changed, with their new count (0 when the cell went cold), and the
	// view's total.
	Views map[ViewKey]Delta
	// Units are the units that moved or changed status, sorted by unit; Gone
	// is set for those dropped.
	Units []Unit
	// Regions holds the figures of every watched region topic, at most once
	// every RegionsEvery (nil in between).
	Regions map[RegionTopic][]RegionFigure
}

// A Delta is one view's change in a tick.
type Delta struct {
	Cells []CellCount // sorted by cell
	Total int64       // the view's total after the change
}

// RegionsEvery is how often the figures of watched region topics are
// published: they are sums over whole windows, which move slowly, and a
// level of grids holds tens of thousands of rows.
const RegionsEvery = time.Second

// A RegionTopic is a level of regions and a window whose figures someone
// watches (the websocket's regions layer).
type RegionTopic struct {
	Level  geo.Level
	Window string
}

// Tick adds the fold's changes to the loop's tick.
func (s *State) Tick(_ *live.Env, t *live.Tick) { t.AddPart(s.Changes()) }

// Changes drops the units that stopped reporting and drains what changed
// since the last call.
func (s *State) Changes() *Changes {
	s.expireUnits()
	c := &Changes{Views: make(map[ViewKey]Delta, len(s.views))}
	for k, v := range s.views {
		var cells []CellCount
		if v.ri >= 0 {
			cells = v.counts.drain(s.cells[v.ri].cells)
		}
		c.Views[k] = Delta{Cells: cells, Total: v.total}
	}
	for id := range s.dirtyUnits {
		if u, ok := s.units[id]; ok {
			c.Units = append(c.Units, *u)
		} else {
			c.Units = append(c.Units, Unit{Gone: true, Position: unitID(id)})
		}
	}
	clear(s.dirtyUnits)
	sort.Slice(c.Units, func(i, j int) bool { return c.Units[i].Unit < c.Units[j].Unit })
	if len(s.regions) > 0 && s.now.Sub(s.regionsAt) >= RegionsEvery {
		s.regionsAt = s.now
		c.Regions = make(map[RegionTopic][]RegionFigure, len(s.regions))
		for topic := range s.regions {
			c.Regions[topic], _ = s.RegionFigures(topic.Level, topic.Window)
		}
	}
	return c
}

// WatchRegions makes the fold publish the figures of a region topic, once a
// second, for a watcher (a websocket client of the regions layer).
func (s *State) WatchRegions(t RegionTopic) { s.regions[t]++ }

// UnwatchRegions releases a topic taken with WatchRegions.
func (s *State) UnwatchRegions(t RegionTopic) {
	if s.regions[t]--; s.regions[t] <= 0 {
		delete(s.regions, t)
	}
}
