package stream_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/stream"
	"github.com/redis/go-redis/v9"
)

func TestCommanderClaims(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		layout := stream.Layout{Prefix: redistest.Prefix(t)}
		cm := stream.NewCommander(rdb, layout)
		cmd := &geo.Command{Type: "dispatch.assign", At: time.UnixMilli(1700000000123).UTC(), By: "li", Data: json.RawMessage(`{"id":"d1"}`)}
		step := func(mode geo.ClaimMode, id string, wantOK bool, wantHolder string) string {
			t.Helper()
			entry, ok, holder, err := cm.Append(ctx, geo.Claim{Mode: mode, Set: "busy", Field: "car-1", Owner: id}, cmd)
			if err != nil || ok != wantOK || holder != wantHolder || ok == (entry == "") {
				t.Fatalf("%s %s: entry %q ok %v holder %q err %v; want ok %v holder %q", mode, id, entry, ok, holder, err, wantOK, wantHolder)
			}
			return entry
		}
		first := step(geo.Take, "d1", true, "")
		step(geo.Take, "d2", false, "d1")    // the unit is taken
		step(geo.Hold, "d2", false, "d1")    // not the holder
		step(geo.Release, "d2", false, "d1") // not the holder
		step(geo.Hold, "d1", true, "")
		step(geo.Release, "d1", true, "")
		step(geo.Release, "d1", false, "") // already free
		step(geo.Take, "d2", true, "")

		// Only the appended commands are in the stream, in order, and read back whole.
		msgs, err := rdb.XRange(ctx, layout.CommandStream(), "-", "+").Result()
		if err != nil || len(msgs) != 4 || msgs[0].ID != first {
			t.Fatalf("stream: %d entries (%v), first %v want %s", len(msgs), err, msgs, first)
		}
		got, err := stream.DecodeCommand(msgs[0].Values)
		if err != nil || got.Type != cmd.Type || !got.At.Equal(cmd.At) || got.By != "li" || string(got.Data) != `{"id":"d1"}` {
			t.Fatalf("decoded %+v, %v", got, err)
		}
	})
}

func TestTailerReadsCommandsFirstAndIncidentsFurtherBack(t *testing.T) {
	rdb := redistest.Start(t).Client()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	layout := stream.Layout{Prefix: redistest.Prefix(t)}
	w := stream.NewWriter(rdb, layout, nil)
	in := incident("old", 31.3, 120.6, time.Now().Add(-48*time.Hour))
	if _, err := w.Add(ctx, events(in)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	since := time.Now()
	if _, _, _, err := stream.NewCommander(rdb, layout).Append(ctx, geo.Claim{Mode: geo.Take, Set: "open", Field: "k", Owner: "a1"}, &geo.Command{Type: "alert.open", At: time.Now(), Data: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	tl := stream.NewTailer(rdb, stream.TailerConfig{Layout: layout, Shards: []geo.Cell{layout.Shard(in.Cell)},
		Since: since, IncidentsSince: since.Add(-time.Hour), Commands: true})
	var got []geo.EventKind
	done := make(chan struct{})
	go func() {
		_ = tl.Run(ctx, stream.SinkFuncs{
			Events: func(es []geo.Event) {
				for _, e := range es {
					got = append(got, e.Kind)
				}
			},
			Ready: func() { close(done) },
		})
	}()
	<-done
	cancel()
	if len(got) != 2 || got[0] != geo.KindCommand || got[1] != geo.KindIncident {
		t.Fatalf("read %v, want the command (from the start) then the incident ingested before Since", got)
	}
}

func TestReleaseOrphansFreesOnlyTrimmedClaims(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		layout := stream.Layout{Prefix: redistest.Prefix(t)}
		cm := stream.NewCommander(rdb, layout)
		cmd := &geo.Command{Type: "dispatch.assign", At: time.Now(), Data: json.RawMessage(`{}`)}
		now := time.Now().UnixMilli()
		old := "d-" + strconv.FormatInt(now-25*3_600_000, 10) + "-00ff" // made 25 hours ago
		fresh := "d-" + strconv.FormatInt(now, 10) + "-abcd"
		for unit, id := range map[string]string{"car-old": old, "car-new": fresh} {
			if _, ok, _, err := cm.Append(ctx, geo.Claim{Mode: geo.Take, Set: "busy", Field: unit, Owner: id}, cmd); err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
		}
		// Trim the first command away, as half a million later ones would.
		if err := rdb.XTrimMaxLen(ctx, layout.CommandStream(), 1).Err(); err != nil {
			t.Fatal(err)
		}
		// The stream's first entry is now the newer claim's (made now): the
		// claim from a day before it is freed, the new one stays.
		n, err := cm.ReleaseOrphans(ctx, "busy")
		if err != nil || n != 1 {
			t.Fatalf("released %d (%v), want 1", n, err)
		}
		left, _ := rdb.HGetAll(ctx, layout.Claims("busy")).Result()
		if len(left) != 1 || left["car-new"] != fresh {
			t.Fatalf("claims left: %v", left)
		}
	})
}
