package ops_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
)

// stormRules raise an alert for every severity-4 incident and fold ten of
// them opened in one district within ten minutes into a storm, which clears
// at three members; every other rule is off.
func stormRules(t *testing.T) *ops.Rules {
	r, err := ops.ParseRules([]byte(`{"every":"100ms","hotCell":[],"anomaly":[],
		"severe":{"minSeverity":4,"autoResolve":"1h"},"uncovered":{"rule":""},"overdue":{"target":"0s"},
		"storm":{"rate":10,"window":"10m","clear":3,"list":4}}`))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wallAlerts is the websocket's alerts layer of a node, as the wall gets it.
func wallAlerts(t *testing.T, n *node) (open []ops.Alert) {
	t.Helper()
	var members []byte
	if err := n.loop.Do(t.Context(), func(env *live.Env) { members, _ = live.Layer(env, ops.LayerAlerts) }); err != nil {
		t.Fatal(err)
	}
	var layer struct {
		Alerts struct {
			Open []ops.Alert `json:"open"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(append(append([]byte("{"), members...), '}'), &layer); err != nil {
		t.Fatalf("%s: %v", members, err)
	}
	return layer.Alerts.Open
}

// A scripted storm: severe incidents pour into two districts, a few into a
// third. One storm alert opens per district and kind where the rate was
// reached, counting its members and naming the worst; the wall's layer shows
// the storms instead of their members; the REST list still holds every
// member; and a storm resolves itself once its members dwindle.
func TestAStormFoldsIntoOneAlertPerDistrictAndKind(t *testing.T) {
	rdb := redistest.Start(t).Client()
	layout := stream.Layout{Prefix: redistest.Prefix(t)}
	shards := []geo.Cell{layout.Shard(geo.CellOf(here, geo.FineRes))}
	n := startNode(t, rdb, layout, shards, stormRules(t))

	var events []geo.Event
	for district, count := range map[string]int{"320505": 15, "320506": 12, "320508": 4} {
		for i := range count {
			p := orb.Point{here[0] + float64(i)*0.001, here[1]}
			in := geo.Incident{ID: fmt.Sprintf("sev-%s-%d", district, i), Severity: 4, Category: "fire", Lat: p.Lat(), Lng: p.Lon(),
				Time: time.Now(), Regions: geo.RegionCodes{District: district}}
			in.Place()
			events = append(events, geo.IncidentEvent(in))
		}
	}
	if _, err := n.writer.Add(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	storms := func() map[string]ops.Alert {
		l, err := n.svc.Alerts(t.Context(), ops.AlertFilter{Status: "open", Kind: ops.KindStorm})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]ops.Alert{}
		for _, a := range l.Alerts {
			out[a.Region] = a
		}
		return out
	}
	eventually(t, "two storms", func() bool { return len(storms()) == 2 })
	n.waitTicks(t, 20) // four evaluations more: nothing else opens
	got := storms()
	for district, members := range map[string]int{"320505": 15, "320506": 12} {
		s, ok := got[district]
		if !ok || s.Of != ops.KindSevere || s.Members != members || len(s.Worst) != 4 || s.Severity != 4 || s.Level != "district" {
			t.Fatalf("storm of %s: %+v, want %d severe_incident members and the 4 worst", district, s, members)
		}
	}
	if _, ok := got["320508"]; ok || len(got) != 2 {
		t.Fatalf("storms %v: want none where only 4 alerts opened", got)
	}
	// REST: every member is still listed.
	all, err := n.svc.Alerts(t.Context(), ops.AlertFilter{Status: "open", Kind: ops.KindSevere})
	if err != nil || len(all.Alerts) != 31 {
		t.Fatalf("REST lists %d severe alerts (%v), want all 31", len(all.Alerts), err)
	}
	// A member is found by its incident, as an operator (or the load
	// harness, under load) asks for one incident's alerts.
	one, err := n.svc.Alerts(t.Context(), ops.AlertFilter{Status: "open", Incident: "sev-320506-7"})
	if err != nil || len(one.Alerts) != 1 || one.Alerts[0].Incident != "sev-320506-7" || one.Alerts[0].Kind != ops.KindSevere {
		t.Fatalf("alerts of incident sev-320506-7: %+v (%v), want its one severe alert", one.Alerts, err)
	}
	// The wall: the two storms and the third district's four alerts.
	wall := wallAlerts(t, n)
	var kinds []string
	for _, a := range wall {
		kinds = append(kinds, a.Kind+"/"+a.Regions.District)
	}
	if len(wall) != 6 || strings.Count(strings.Join(kinds, " "), "storm/") != 2 || strings.Count(strings.Join(kinds, " "), "severe_incident/320508") != 4 {
		t.Fatalf("the wall's layer holds %v, want the 2 storms and the 4 alerts of 320508", kinds)
	}
	// Resolve 320506's members down to 3: its storm resolves itself.
	for _, a := range all.Alerts {
		if a.Regions.District != "320506" {
			continue
		}
		if _, err := n.svc.Resolve(t.Context(), a.ID, "li", ""); err != nil {
			t.Fatal(err)
		}
		if left := storms()["320506"].Members; left <= 3 {
			break
		}
	}
	eventually(t, "the storm of 320506 resolves", func() bool { _, open := storms()["320506"]; return !open })
	if s, ok := storms()["320505"]; !ok || s.Members != 15 {
		t.Fatalf("the other storm: %+v", s)
	}
}

// The alerts and dispatches layers are encoded only while someone watches
// them: a tick after an alert opens carries them then, and not before.
func TestLayersAreEncodedOnlyWhenWatched(t *testing.T) {
	board := ops.NewBoard(ops.Config{Rules: stormRules(t)})
	loop := live.NewLoop(live.Config{Tick: 10 * time.Millisecond}, board)
	layers := make(chan map[string][]byte, 1000)
	var ticked atomic.Int64
	loop.OnTick(func(tk live.Tick) {
		ticked.Add(1)
		if len(tk.Layers) > 0 {
			layers <- tk.Layers
		}
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { _ = loop.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	open := func(id string) {
		data := []byte(`{"id":"` + id + `","kind":"severe_incident","key":"k-` + id + `","severity":4}`)
		ev := geo.Event{Kind: geo.KindCommand, ID: "1-" + id, Command: geo.Command{Type: "alert.open", Data: data}}
		if err := loop.Add(t.Context(), []geo.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	ticks := func(n int64) { // wait for n more ticks
		until := ticked.Load() + n
		eventually(t, "the loop ticks", func() bool { return ticked.Load() >= until })
	}
	open("1")
	ticks(5)
	if len(layers) != 0 {
		t.Fatalf("%d ticks carried layers with nobody watching", len(layers))
	}
	_ = loop.Do(t.Context(), func(env *live.Env) { env.WatchLayer(ops.LayerAlerts, 1) })
	open("2")
	select {
	case l := <-layers:
		if !strings.Contains(string(l[ops.LayerAlerts]), `"2"`) {
			t.Fatalf("the watched layer: %s", l[ops.LayerAlerts])
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no tick carried the watched layer")
	}
}
