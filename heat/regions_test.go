package heat

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// Region figures must equal a brute count over the incidents and units, by
// level and window, as the clock moves.
func TestRegionFiguresMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	s := NewState(now)
	codes := func() geo.RegionCodes {
		d := []string{"320505", "320506", "320508"}[rng.IntN(3)]
		st := d + []string{"001", "002"}[rng.IntN(2)]
		c := st + []string{"001", "002", "003"}[rng.IntN(3)]
		if rng.IntN(10) == 0 {
			return geo.RegionCodes{} // outside every region
		}
		return geo.RegionCodes{District: d, Street: st, Community: c, Grid: c + "001"}
	}
	cats := []string{"theft", "traffic", "noise"}
	statuses := []string{geo.StatusAvailable, geo.StatusBusy, geo.StatusOffDuty}
	var all []geo.Incident
	for step := range 240 {
		now = now.Add(30 * time.Second)
		s.Advance(now)
		for range 10 {
			age := time.Duration(rng.ExpFloat64() * float64(30*time.Minute))
			if rng.IntN(10) == 0 {
				age = time.Duration(rng.Int64N(int64(26 * time.Hour))) // late, into the day's slices
			}
			in := geo.Incident{Time: now.Add(-age), Category: cats[rng.IntN(3)], Severity: 1 + rng.IntN(4), Regions: codes()}
			all = append(all, in)
			s.AddIncident(&in)
		}
		for range 3 {
			p := geo.Position{Unit: []string{"u1", "u2", "u3", "u4"}[rng.IntN(4)], Status: statuses[rng.IntN(3)], Time: now, Regions: codes()}
			s.AddPosition(&p)
		}
		if step%41 != 0 {
			continue
		}
		for _, lv := range []geo.Level{geo.LevelDistrict, geo.LevelStreet, geo.LevelCommunity, geo.LevelGrid} {
			for _, w := range geo.Windows {
				got, err := s.RegionFigures(lv, w.Name)
				if err != nil {
					t.Fatal(err)
				}
				want := bruteFigures(all, s.Units(), lv, w, now)
				if !reflect.DeepEqual(asMap(got), want) {
					t.Fatalf("step %d %s %s:\n got %+v\nwant %+v", step, lv, w.Name, asMap(got), want)
				}
			}
		}
	}
	if _, err := s.RegionFigures(geo.LevelDistrict, "2h"); err == nil {
		t.Error("unknown window: want an error")
	}
}

func asMap(fs []RegionFigure) map[string]RegionFigure {
	m := map[string]RegionFigure{}
	for i, f := range fs {
		if i > 0 && fs[i-1].Code >= f.Code {
			panic("not sorted by code")
		}
		m[f.Code] = f
	}
	return m
}

func bruteFigures(ins []geo.Incident, units []Unit, lv geo.Level, w geo.Window, now time.Time) map[string]RegionFigure {
	m := map[string]RegionFigure{}
	get := func(code string) RegionFigure {
		f, ok := m[code]
		if !ok {
			f = RegionFigure{Code: code, ByCategory: map[string]int{}}
		}
		return f
	}
	for _, in := range ins {
		code := in.Regions.At(lv)
		if code == "" || !inWindow(in.Time, w, now) {
			continue
		}
		f := get(code)
		f.Incidents++
		f.ByCategory[in.Category]++
		f.BySeverity[in.Severity-1]++
		m[code] = f
	}
	for _, u := range units {
		if code := u.Regions.At(lv); code != "" && u.Status != geo.StatusOffDuty {
			f := get(code)
			f.UnitsOnDuty++
			m[code] = f
		}
	}
	return m
}

// A watched region topic is published once every RegionsEvery of the fold's
// clock, with the figures RegionFigures gives, and not once unwatched.
func TestWatchedRegionsArePublishedOnceASecond(t *testing.T) {
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	s := NewState(now)
	in := geo.Incident{Time: now, Category: "theft", Severity: 2, Regions: geo.RegionCodes{District: "320505", Street: "320505001"}}
	s.AddIncident(&in)
	if c := s.Changes(); c.Regions != nil {
		t.Fatalf("regions published with nobody watching: %+v", c.Regions)
	}
	streets := RegionTopic{Level: geo.LevelStreet, Window: "15m"}
	s.WatchRegions(streets)
	s.WatchRegions(streets) // two watchers
	want, _ := s.RegionFigures(geo.LevelStreet, "15m")
	if c := s.Changes(); !reflect.DeepEqual(c.Regions[streets], want) || len(c.Regions) != 1 {
		t.Fatalf("first tick: %+v, want %+v", c.Regions, want)
	}
	s.Advance(now.Add(RegionsEvery / 2))
	if c := s.Changes(); c.Regions != nil {
		t.Fatal("published again within RegionsEvery")
	}
	s.Advance(now.Add(RegionsEvery))
	if c := s.Changes(); c.Regions[streets] == nil {
		t.Fatal("not published again after RegionsEvery")
	}
	s.UnwatchRegions(streets)
	s.Advance(now.Add(3 * RegionsEvery))
	if c := s.Changes(); c.Regions[streets] == nil {
		t.Fatal("a topic with one watcher left was dropped")
	}
	s.UnwatchRegions(streets)
	s.Advance(now.Add(5 * RegionsEvery))
	if c := s.Changes(); c.Regions != nil {
		t.Fatalf("published after the last watcher left: %+v", c.Regions)
	}
}
