package stream_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
	"github.com/redis/go-redis/v9"
)

// The rebuild reads shards concurrently and replies by position: every entry
// still arrives once, in order per stream, commands before the events, an
// entry of another field order decoded, a bad one skipped with a log line.
func TestRebuildDeliversEveryEntryOnceInOrder(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		layout := stream.Layout{Prefix: redistest.Prefix(t)}
		now := time.Now().UTC().Truncate(time.Millisecond)
		var shards []geo.Cell
		seen := map[geo.Cell]bool{}
		want := map[string][]string{} // stream → ids in order
		add := func(key string, fields []string) {
			id, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: fields}).Result()
			if err != nil {
				t.Fatal(err)
			}
			want[key] = append(want[key], id)
		}
		for i := range 700 {
			pt := orb.Point{120.0 + float64(i%7)*0.2, 30.8 + float64(i%5)*0.25}
			in := incident(fmt.Sprint("in-", i), pt.Lat(), pt.Lon(), now)
			s := layout.Shard(in.Cell)
			if !seen[s] {
				seen[s] = true
				shards = append(shards, s)
			}
			add(layout.Stream(stream.Incidents, s), stream.IncidentFields(&in))
			if i%10 == 0 {
				p := geo.Position{Unit: fmt.Sprint("u-", i), Kind: "car", Status: "free", Lat: pt.Lat(), Lng: pt.Lon(), Cell: in.Cell, Time: now}
				add(layout.Stream(stream.Positions, s), stream.PositionFields(&p))
			}
			if i%100 == 0 {
				c := geo.Command{Type: "alert.open", At: now, By: "rules", Data: json.RawMessage(`{}`)}
				add(layout.CommandStream(), stream.CommandFields(&c))
			}
		}
		if len(shards) < 5 {
			t.Fatalf("%d shards; want several", len(shards))
		}
		// An older entry (no regions, fields in another order) and a bad one.
		in := incident("old", 31.3, 120.6, now)
		old := stream.IncidentFields(&in)[:22]
		old[2], old[3], old[20], old[21] = old[20], old[21], old[2], old[3]
		key := layout.Stream(stream.Incidents, layout.Shard(in.Cell))
		add(key, old)
		bad := stream.IncidentFields(&in)
		bad[9] = "high" // sev
		add(key, bad)
		badID := want[key][len(want[key])-1]
		want[key] = want[key][:len(want[key])-1]

		var logs []string
		tl := stream.NewTailer(rdb, stream.TailerConfig{Layout: layout, Shards: shards, Since: now.Add(-time.Minute),
			Commands: true, Count: 7, Logf: func(f string, args ...any) { logs = append(logs, fmt.Sprintf(f, args...)) }})
		got := map[string][]string{}
		var kinds []geo.EventKind
		var oldIn geo.Incident
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		done := make(chan struct{})
		go func() {
			_ = tl.Run(ctx, stream.SinkFuncs{Events: func(es []geo.Event) {
				for _, e := range es {
					var key string
					switch e.Kind {
					case geo.KindCommand:
						key = layout.CommandStream()
					case geo.KindIncident:
						key = layout.Stream(stream.Incidents, layout.Shard(e.Incident.Cell))
						if e.Incident.ID == "old" {
							oldIn = e.Incident
						}
					default:
						key = layout.Stream(stream.Positions, layout.Shard(e.Position.Cell))
					}
					got[key] = append(got[key], e.ID)
					kinds = append(kinds, e.Kind)
				}
			}, Ready: func() { close(done) }})
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("not ready after 30 s")
		}
		cancel()
		for key, ids := range want {
			if fmt.Sprint(got[key]) != fmt.Sprint(ids) {
				t.Errorf("%s: read %d entries %v\nwant %d %v", key, len(got[key]), got[key], len(ids), ids)
			}
		}
		if len(got) != len(want) {
			t.Errorf("read %d streams, want %d", len(got), len(want))
		}
		for i, k := range kinds {
			if k == geo.KindCommand && i >= len(want[layout.CommandStream()]) {
				t.Fatalf("a command at %d, after the events", i)
			}
		}
		// An entry of the older codec has no region codes, and its coarse
		// cells are its fine cell's parents.
		in.Regions = geo.RegionCodes{}
		in.Cells = geo.Cells{in.Cell.Parent(7), in.Cell.Parent(8), in.Cell}
		if fmt.Sprint(oldIn) != fmt.Sprint(in) {
			t.Errorf("older entry: got %+v\nwant %+v", oldIn, in)
		}
		if len(logs) != 1 || !strings.Contains(logs[0], "skip "+key+" "+badID) {
			t.Errorf("logs %q: want the bad entry's skip", logs)
		}
	})
}
