package heat

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// inWindow is the windows' promise, told in times: the window starts at the
// start of the 10-second bucket span-10s before now's; a window up to an hour
// counts an incident whose bucket starts inside it, a longer one an incident
// whose 15-minute slice does.
func inWindow(t time.Time, w geo.Window, now time.Time) bool {
	start := now.Truncate(10 * time.Second).Add(10*time.Second - w.Span)
	if w.Span <= time.Hour {
		return !t.Truncate(10 * time.Second).Before(start)
	}
	return !t.Truncate(15 * time.Minute).Before(start)
}

// bruteHeat counts, with no buckets and no increments, what a view must show:
// every incident inside the window at now, in the cell of the view's
// resolution that contains it (h3's latLngToCell, called here directly).
func bruteHeat(ins []geo.Incident, k ViewKey, now time.Time) map[geo.Cell]int32 {
	w, _ := geo.ParseWindow(k.Window)
	out := map[geo.Cell]int32{}
	for _, in := range ins {
		if inWindow(in.Time, w, now) && k.Filter.keeps(in.Category, in.Severity) {
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
	longFiltered := ViewKey{Res: 9, Window: "24h", Filter: Filter{Category: "noise"}}
	s.Watch(longFiltered)
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
		keys := []ViewKey{filtered, {Res: 9, Window: "15m"}, {Res: 7, Window: "24h"}, {Res: 8, Window: "1h", Filter: Filter{MinSeverity: 3}}, longFiltered, {Res: 9, Window: "24h", Filter: Filter{Category: "theft", MinSeverity: 3}}}
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

// Past the last FineSpan an incident is no longer kept on its own: the day's
// older incidents are counts per slice, so they cost what their distinct
// places and kinds cost, not what their number does.
func TestOlderIncidentsAreTallied(t *testing.T) {
	start := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	s := NewState(start)
	var places []geo.Incident
	for i := range 5 {
		in := geo.Incident{Lat: 31.3 + float64(i)*0.01, Lng: 120.6, Category: "theft", Severity: 2}
		in.Place()
		places = append(places, in)
	}
	now := start
	for step := range 3 * 360 { // three hours in 10-second steps
		now = start.Add(time.Duration(step) * BucketSpan)
		s.Advance(now)
		for i := range 20 {
			in := places[i%len(places)]
			in.Time = now
			s.AddIncident(&in)
		}
	}
	for b := range s.fine {
		if b < bucketOf(now)-fineBuckets+1 {
			t.Errorf("bucket %d, older than an hour, still kept incident by incident", b)
		}
	}
	if len(s.slices) != 8 { // 3 h less the last hour, in 15-minute slices
		t.Errorf("%d slices, want 8", len(s.slices))
	}
	for i, tl := range s.slices {
		if tl.merge(); tl.entries != len(places) {
			t.Errorf("slice %d holds %d keys for %d places", i, tl.entries, len(places))
		}
	}
	if _, total := s.Heat(ViewKey{Res: 9, Window: "24h"}); total != 3*360*20 {
		t.Errorf("24h total %d, want %d", total, 3*360*20)
	}
}

// WindowStart says where each window starts: to the bucket for 15m and 1h, at
// the first whole 15-minute slice for 24h.
func TestWindowStart(t *testing.T) {
	now := time.Date(2026, 11, 25, 8, 7, 33, 0, time.UTC)
	s := NewState(now)
	for w, want := range map[string]time.Time{
		"15m": time.Date(2026, 11, 25, 7, 52, 40, 0, time.UTC),
		"1h":  time.Date(2026, 11, 25, 7, 7, 40, 0, time.UTC),
		"24h": time.Date(2026, 11, 24, 8, 15, 0, 0, time.UTC),
	} {
		if got, err := s.WindowStart(w); err != nil || !got.Equal(want) {
			t.Errorf("%s starts at %v (%v), want %v", w, got, err, want)
		}
	}
	if _, err := s.WindowStart("2h"); err == nil {
		t.Error("unknown window: want an error")
	}
}
