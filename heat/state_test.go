package heat

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// bruteHeat counts, with no buckets and no increments, what a view must show:
// every incident whose bucket lies inside the window at now, in the cell of
// the view's resolution that contains it (h3's latLngToCell, called here
// directly).
func bruteHeat(ins []geo.Incident, k ViewKey, now time.Time) map[geo.Cell]int32 {
	w, _ := geo.ParseWindow(k.Window)
	cutoff := bucketOf(now) - int64(w.Span/BucketSpan) + 1
	out := map[geo.Cell]int32{}
	for _, in := range ins {
		if bucketOf(in.Time) >= cutoff && k.Filter.keeps(in.Category, in.Severity) {
			out[geo.Cell(h3.LatLngToCell(h3.NewLatLng(in.Lat, in.Lng), k.Res))]++
		}
	}
	return out
}

func TestStateMatchesBruteForceAsTimePasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	now := start
	s := NewState(now)
	filtered := ViewKey{Res: 8, Window: "1h", Filter: Filter{Category: "theft", MinSeverity: 2}}
	s.Watch(filtered)
	cats := []string{"theft", "traffic", "noise"}
	var all []geo.Incident
	// Three hours of traffic in 30-second steps, with late events up to 30 hours
	// old and a few minutes ahead, so every window both fills and drains.
	for step := 0; step < 360; step++ {
		now = now.Add(30 * time.Second)
		s.Advance(now)
		for range 20 {
			p := orb.Point{120.5 + rng.Float64()*0.2, 31.2 + rng.Float64()*0.2}
			age := time.Duration(rng.ExpFloat64() * float64(40*time.Minute))
			if rng.IntN(20) == 0 {
				age = time.Duration(rng.Int64N(int64(30 * time.Hour)))
			}
			if rng.IntN(50) == 0 {
				age = -time.Duration(rng.Int64N(int64(5 * time.Minute)))
			}
			in := geo.Incident{Lat: p.Lat(), Lng: p.Lon(), Time: now.Add(-age), Category: cats[rng.IntN(3)], Severity: 1 + rng.IntN(4)}
			in.Place()
			all = append(all, in)
			s.AddIncident(&in)
		}
		if step%37 != 0 {
			continue
		}
		keys := []ViewKey{filtered, {Res: 9, Window: "15m"}, {Res: 7, Window: "24h"}, {Res: 8, Window: "1h", Filter: Filter{MinSeverity: 3}}}
		for _, k := range keys {
			want := bruteHeat(all, k, now)
			cells, total := s.Heat(k)
			var sum int64
			for _, cc := range cells {
				sum += int64(cc.Count)
				if want[cc.Cell] != cc.Count {
					t.Fatalf("step %d %+v: cell %v = %d, want %d", step, k, cc.Cell, cc.Count, want[cc.Cell])
				}
			}
			if len(cells) != len(want) || sum != total {
				t.Fatalf("step %d %+v: %d cells (total %d, sum %d), want %d cells", step, k, len(cells), total, sum, len(want))
			}
		}
	}
}

func TestTickCarriesChangesOnce(t *testing.T) {
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	s := NewState(now)
	in := geo.Incident{Cell: geo.CellOf(orb.Point{120.6, 31.3}, geo.FineRes), Time: now, Category: "theft", Severity: 2}
	s.AddIncident(&in)
	s.AddPosition(&geo.Position{Unit: "u1", Cell: in.Cell, Time: now, Status: geo.StatusAvailable})
	tk := s.Changes()
	d, ok := tk.Views[ViewKey{Res: 8, Window: "15m"}]
	if !ok || len(d.Cells) != 1 || d.Cells[0].Count != 1 || d.Total != 1 {
		t.Fatalf("first tick: %+v", d)
	}
	if len(tk.Units) != 1 || tk.Units[0].Unit != "u1" {
		t.Fatalf("first tick units: %+v", tk.Units)
	}
	if tk2 := s.Changes(); len(tk2.Views[ViewKey{Res: 8, Window: "15m"}].Cells) != 0 || len(tk2.Units) != 0 {
		t.Fatalf("second tick should be empty: %+v", tk2)
	}
	// 16 minutes later the cell leaves the 15-minute window: a 0 says so.
	s.Advance(now.Add(16 * time.Minute))
	d = s.Changes().Views[ViewKey{Res: 8, Window: "15m"}]
	if len(d.Cells) != 1 || d.Cells[0].Count != 0 || d.Total != 0 {
		t.Fatalf("after expiry: %+v", d)
	}
	// An older position does not replace a newer one.
	s.AddPosition(&geo.Position{Unit: "u1", Time: now.Add(-time.Minute), Status: geo.StatusBusy})
	if u := s.Units()[0]; u.Status != geo.StatusAvailable {
		t.Fatalf("older report won: %+v", u)
	}
	// A unit silent for UnitTTL is dropped, and the tick says it is gone.
	s.Advance(now.Add(UnitTTL + time.Hour))
	tk = s.Changes()
	if len(tk.Units) != 1 || !tk.Units[0].Gone || len(s.Units()) != 0 {
		t.Fatalf("silent unit not dropped: %+v", tk.Units)
	}
}
