package ops

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/paulmach/orb"
)

func TestParseRulesNamesTheField(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"hotCell":[{"name":"h","res":6,"window":"1h","open":5,"clear":2,"severity":2}]}`, "hotCell[0].res"},
		{`{"hotCell":[{"name":"h","res":8,"window":"1h","open":5,"clear":5,"severity":2}]}`, "hotCell[0].clear"},
		{`{"hotCell":[{"name":"h","res":8,"window":"2h","open":5,"clear":2,"severity":2}]}`, "hotCell[0].window"},
		{`{"anomaly":[{"name":"a","place":"village","days":3,"minSamples":1,"zOpen":3,"zClear":1,"minCount":2,"severity":2}]}`, "anomaly[0].place"},
		{`{"uncovered":{"rule":"nope","rings":1,"severity":2}}`, "uncovered.rule"},
		{`{"every":"1h"}`, "every"},
		{`{"every":"soon"}`, "duration"},
		{`{"bogus":1}`, "bogus"},
	} {
		_, err := ParseRules([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.in, err, tc.want)
		}
	}
	r, err := ParseRules([]byte(`{"overdue":{"target":"90s","severity":4}}`))
	if err != nil || r.Overdue.Target.Duration != 90*time.Second || len(r.HotCell) != 1 {
		t.Fatalf("partial file over the defaults: %+v %v", r, err)
	}
}

func TestZScoreBusyAgainstQuiet(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 30, 0, 0, time.UTC)
	rule := AnomalyRule{Days: 3, MinSamples: 3, ZOpen: 4, ZClear: 2, MinCount: 5}
	mk := func(hist []int, current int) *place {
		p := &place{n: make([]uint16, ringSlots(rule)), head: slotOf(now.Add(-80 * time.Hour))}
		for d, n := range hist {
			for range n {
				p.add(slotOf(now.Add(-time.Duration(d+1)*24*time.Hour - 20*time.Minute)))
			}
		}
		for range current {
			p.add(slotOf(now.Add(-20 * time.Minute)))
		}
		return p
	}
	history := now.Add(-73 * time.Hour)
	always := func(int64) bool { return true }
	z, x, mean, ok := mk([]int{20, 18, 22}, 22).zScore(&rule, now, history, always)
	if !ok || x != 22 || mean != 20 || z >= rule.ZOpen {
		t.Errorf("busy place: z %.2f x %d mean %.1f ok %v; want a small z", z, x, mean, ok)
	}
	z, x, _, ok = mk([]int{0, 0, 0}, 6).zScore(&rule, now, history, always)
	if !ok || x != 6 || z < rule.ZOpen {
		t.Errorf("quiet place: z %.2f x %d; want z >= %v", z, x, rule.ZOpen)
	}
	// With history for two days only, no verdict (minSamples 3).
	if _, _, _, ok := mk([]int{0, 0, 0}, 6).zScore(&rule, now, now.Add(-50*time.Hour), always); ok {
		t.Error("a verdict from too few samples")
	}
	// Hours in which the city saw nothing at all are unknown, not quiet.
	if _, _, _, ok := mk([]int{0, 0, 0}, 6).zScore(&rule, now, history, func(int64) bool { return false }); ok {
		t.Error("a verdict from hours the system did not see")
	}
	// The ring forgets what is older than it holds.
	p := mk([]int{5, 5, 5}, 0)
	p.add(slotOf(now.Add(100 * 24 * time.Hour)))
	if n := p.sum(0, p.head-1); n != 0 {
		t.Errorf("after a long gap the ring still holds %d", n)
	}
}

func TestDispatchClearsOnlyAfterTheUnitTookIt(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	b := NewBoard(Config{})
	b.Advance(t0)
	b.SetReady()
	units := heat.NewState(t0)
	scene := geo.CellOf(orb.Point{120.6, 31.3}, geo.FineRes)
	pos := func(status string, c geo.Cell, at time.Duration) {
		ctr := c.Center()
		p := geo.Position{Unit: "u1", Status: status, Cell: c, Lat: ctr.Lat(), Lng: ctr.Lon(), Time: t0.Add(at)}
		units.AddPosition(&p)
		b.AddPosition(&p)
	}
	pos(geo.StatusAvailable, scene, 0) // already there
	pr, d, err := b.AssignProposal(units, DispatchRequest{Unit: "u1", Cell: scene.String()}, "li")
	if err != nil {
		t.Fatal(err)
	}
	b.ApplyCommand(units, "1-0", &pr.Cmd)
	// A report made before the unit heard of the order: on scene, not cleared.
	pos(geo.StatusAvailable, scene, time.Second)
	pos(geo.StatusAvailable, scene, 2*time.Second)
	if got := b.dispatches[d.ID]; got.Status != OnScene || len(b.Drain()) != 0 {
		t.Fatalf("want on scene and no clearing yet, got %s", got.Status)
	}
	pos(geo.StatusBusy, scene, 3*time.Second)
	pos(geo.StatusAvailable, scene, 60*time.Second)
	ps := b.Drain()
	if len(ps) != 1 || ps[0].Cmd.Type != cmdDispatchClear || ps[0].Claim.Mode != geo.Release || ps[0].Claim.Field != "u1" {
		t.Fatalf("want one clearing proposal, got %+v", ps)
	}
	if r := b.dispatches[d.ID].ResponseSeconds; r != 1 {
		t.Errorf("response %v s, want 1 (the first report after the order)", r)
	}
}

func TestSuggestRanksAvailableThenNearest(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	b := NewBoard(Config{})
	b.Advance(t0)
	units := heat.NewState(t0)
	target := geo.CellOf(orb.Point{120.6, 31.3}, geo.FineRes)
	add := func(unit, status string, lng float64, at time.Time) {
		pt := orb.Point{lng, 31.3}
		p := geo.Position{Unit: unit, Status: status, Cell: geo.CellOf(pt, geo.FineRes), Lat: pt.Lat(), Lng: pt.Lon(), Time: at}
		units.AddPosition(&p)
	}
	add("near-busy", geo.StatusBusy, 120.601, t0)
	add("far", geo.StatusAvailable, 120.66, t0)
	add("near", geo.StatusAvailable, 120.605, t0)
	add("off", geo.StatusOffDuty, 120.6, t0)
	b.Advance(t0.Add(5 * time.Minute))
	add("near-silent", geo.StatusAvailable, 120.6005, t0.Add(-time.Hour))
	got := b.Suggest(units, target, 10)
	var order []string
	for _, s := range got {
		order = append(order, s.Unit)
	}
	if strings.Join(order, ",") != "near,far,near-silent,near-busy" || !got[2].Stale || got[2].Available {
		t.Fatalf("order %v", order)
	}
	// The distance is the great circle's (haversine on the WGS84 equatorial
	// radius, orb's), and the ETA the documented 1.4 × distance at 8.3 m/s.
	ctr := target.Center()
	wantDist := haversine(31.3, 120.605, ctr.Lat(), ctr.Lon())
	if got[0].GridDistance < 1 || math.Abs(got[0].DistanceMeters-wantDist) > 0.01 || math.Abs(got[0].ETASeconds-wantDist*1.4/8.3) > 0.01 {
		t.Errorf("first suggestion: %+v; want %.2f m, %.2f s", got[0], wantDist, wantDist*1.4/8.3)
	}
}

func TestSummaryInAStormIsEncodedAtMostOnceASecond(t *testing.T) {
	b := NewBoard(Config{})
	b.Advance(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	open := func(id string) {
		data := []byte(`{"id":"` + id + `","kind":"severe_incident","key":"k-` + id + `","severity":4}`)
		b.ApplyCommand(noFigures{}, id, &geo.Command{Type: cmdAlertOpen, Data: data})
	}
	open("a1")
	first := b.Summary()
	if first.Version != b.Version() || !strings.Contains(string(first.Alerts), `"a1"`) {
		t.Fatalf("first summary: %+v", first)
	}
	// A cheap encoding: every change is encoded at once. (The cost is set,
	// not measured: on a busy machine one alert's encoding can take 2 ms.)
	b.summaryCost = 0
	open("a2")
	if s := b.Summary(); s.Version != b.Version() {
		t.Fatal("a cheap summary was held back")
	}
	// An expensive one: held back for a second, then encoded again.
	b.summaryCost = 10 * time.Millisecond
	open("a3")
	if s := b.Summary(); s.Version == b.Version() {
		t.Fatal("an expensive summary was encoded again at once")
	}
	b.summaryAt = time.Now().Add(-2 * time.Second)
	if s := b.Summary(); s.Version != b.Version() || !strings.Contains(string(s.Alerts), `"a3"`) {
		t.Fatal("the held-back summary was not encoded a second later")
	}
	if c := b.Counts(); c.Open != 3 {
		t.Fatalf("counts: %+v", c)
	}
}

// haversine is the great-circle distance in metres between two points.
func haversine(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6378137.0
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// The counts kept as alerts open, are acknowledged and resolve equal a count
// of the alerts not resolved, after any sequence of them.
func TestCountsKeptEqualACount(t *testing.T) {
	b := NewBoard(Config{})
	rng := rand.New(rand.NewPCG(3, 3))
	kinds := []string{KindHotCell, KindSevere, KindUncover}
	var ids []string
	seq := 0
	cmd := func(typ string, data any) {
		seq++
		d, _ := json.Marshal(data)
		b.ApplyCommand(nil, fmt.Sprintf("%d-0", seq), &geo.Command{Type: typ, Data: d})
	}
	for i := range 2000 {
		switch rng.IntN(4) {
		case 0, 1:
			id := fmt.Sprint("a", i)
			ids = append(ids, id)
			cmd(cmdAlertOpen, Alert{ID: id, Kind: kinds[rng.IntN(3)], Key: id, Severity: 1 + rng.IntN(4),
				Regions: geo.RegionCodes{District: []string{"", "320505", "320506"}[rng.IntN(3)]}})
		case 2:
			if len(ids) > 0 {
				cmd(cmdAlertAck, change{Alert: ids[rng.IntN(len(ids))]})
			}
		case 3:
			if len(ids) > 0 {
				cmd(cmdAlertResolve, change{Alert: ids[rng.IntN(len(ids))], Resolution: resolutionAuto})
			}
		}
		if i%97 != 0 {
			continue
		}
		want := Counts{ByKind: map[string]int{}, ByDistrict: map[string]int{}}
		for _, a := range b.alerts {
			if !a.Active() {
				continue
			}
			if a.Status == StatusAcked {
				want.Acknowledged++
			} else {
				want.Open++
			}
			want.ByKind[a.Kind]++
			want.BySeverity[a.Severity-1]++
			if a.Regions.District != "" {
				want.ByDistrict[a.Regions.District]++
			}
		}
		if got := b.Counts(); !reflect.DeepEqual(got, want) {
			t.Fatalf("after %d commands: counts %+v, want %+v", seq, got, want)
		}
	}
}

// The ETA is the unit's kind's: a foot patrol walks there at 5 km/h, a car
// drives at 30 km/h, and a kind the estimate does not know is taken as a car.
func TestSuggestETAByKind(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	b := NewBoard(Config{})
	b.Advance(t0)
	units := heat.NewState(t0)
	target := geo.CellOf(orb.Point{120.6, 31.3}, geo.FineRes)
	for i, kind := range []string{"car", "foot", "grid-worker", "mediator", "drone"} {
		pt := orb.Point{120.61, 31.3 + float64(i)*1e-6} // as far as each other, 950 m
		p := geo.Position{Unit: kind, Kind: kind, Status: geo.StatusAvailable, Cell: geo.CellOf(pt, geo.FineRes), Lat: pt.Lat(), Lng: pt.Lon(), Time: t0}
		units.AddPosition(&p)
	}
	want := map[string]float64{"car": 8.3, "foot": 5 / 3.6, "grid-worker": 15 / 3.6, "mediator": 20 / 3.6, "drone": 8.3}
	got := b.Suggest(units, target, 10)
	if len(got) != len(want) {
		t.Fatalf("%d suggestions", len(got))
	}
	for _, s := range got {
		if eta := s.DistanceMeters * 1.4 / want[s.Kind]; math.Abs(s.ETASeconds-eta) > 0.01 {
			t.Errorf("%s: ETA %.1f s for %.0f m, want %.1f", s.Kind, s.ETASeconds, s.DistanceMeters, eta)
		}
	}
	byKind := map[string]float64{}
	for _, s := range got {
		byKind[s.Kind] = s.ETASeconds
	}
	if r := byKind["foot"] / byKind["car"]; r < 5.5 || r > 6.5 {
		t.Errorf("on foot %.1f times as long as by car, want about 6", r)
	}
}
