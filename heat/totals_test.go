package heat

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// The counters a wall shows side by side come from one moment: at every
// tick, for the zero filter and a watched filtered view, the totals of the
// three windows are those a brute-force count gives, so a wider window never
// counts less than a narrower one; and the tick's totals equal the state's.
func TestTotalsOfEveryWindowAgreeAtEveryTick(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	s := NewState(now)
	filtered := ViewKey{Res: 8, Window: "15m", Filter: Filter{Category: "theft", MinSeverity: 2}}
	s.Watch(filtered)
	cats := []string{"theft", "traffic"}
	var all []geo.Incident
	for step := range 240 {
		now = now.Add(30 * time.Second)
		s.Advance(now)
		for range 10 {
			age := time.Duration(rng.ExpFloat64() * float64(30*time.Minute))
			if rng.IntN(10) == 0 {
				age = time.Duration(rng.Int64N(int64(26 * time.Hour)))
			}
			in := geo.Incident{Lat: 31.2 + rng.Float64()*0.2, Lng: 120.5 + rng.Float64()*0.2, Time: now.Add(-age),
				Category: cats[rng.IntN(2)], Severity: 1 + rng.IntN(4)}
			in.Place()
			all = append(all, in)
			s.AddIncident(&in)
		}
		tick := s.Changes()
		for _, k := range []ViewKey{{Res: 7, Window: "1h"}, filtered} {
			got, ticked := s.Totals(k), tick.Totals(k)
			for _, w := range geo.Windows {
				var want int64
				for _, n := range bruteHeat(all, ViewKey{Res: k.Res, Window: w.Name, Filter: k.Filter}, now) {
					want += int64(n)
				}
				if got[w.Name] != want || ticked[w.Name] != want {
					t.Fatalf("step %d %+v: %s total %d (tick %d), want %d", step, k, w.Name, got[w.Name], ticked[w.Name], want)
				}
			}
			if got["15m"] > got["1h"] || got["1h"] > got["24h"] {
				t.Fatalf("step %d %+v: %v: a narrower window above a wider", step, k, got)
			}
		}
	}
	// Unwatched, a filtered view's companions go too.
	s.Unwatch(filtered)
	if n := len(s.views); n != 9 {
		t.Fatalf("%d views kept after the last watcher left, want the zero filter's 9", n)
	}
	if _, ok := s.Changes().Totals(filtered)["1h"]; ok {
		t.Fatal("an unwatched filter's totals are still ticked")
	}
}
