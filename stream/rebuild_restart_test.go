package stream_test

import (
	"context"
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

// A Redis restart in the middle of the rebuild: the concurrent reads fail,
// back off and resume from their last ids, so every entry still arrives once,
// in order.
func TestRebuildResumesAfterRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	layout := stream.Layout{Prefix: redistest.Prefix(t)}
	now := time.Now().UTC()
	var shards []geo.Cell
	seen := map[geo.Cell]bool{}
	want := map[geo.Cell][]string{}
	pipe := rdb.Pipeline()
	for i := range 3000 {
		pt := orb.Point{120.0 + float64(i%7)*0.2, 30.8 + float64(i%5)*0.25}
		in := incident(fmt.Sprint("in-", i), pt.Lat(), pt.Lon(), now)
		s := layout.Shard(in.Cell)
		if !seen[s] {
			seen[s] = true
			shards = append(shards, s)
		}
		want[s] = append(want[s], in.ID)
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: layout.Stream(stream.Incidents, s), Values: stream.IncidentFields(&in)})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var logs []string
	tl := stream.NewTailer(rdb, stream.TailerConfig{Layout: layout, Shards: shards, Since: now.Add(-time.Minute), Count: 10,
		Logf: func(f string, args ...any) { logs = append(logs, fmt.Sprintf(f, args...)) }})
	got := map[geo.Cell][]string{}
	restarted := make(chan struct{})
	stopped := false
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		_ = tl.Run(ctx, func(es []stream.Entry) {
			for _, e := range es {
				s := layout.Shard(e.Incident.Cell)
				got[s] = append(got[s], e.Incident.ID)
			}
			if !stopped {
				// The readers go on reading meanwhile, and fail.
				stopped = true
				srv.Stop()
				go func() {
					defer close(restarted)
					time.Sleep(300 * time.Millisecond)
					srv.Restart()
				}()
			}
		}, func() { close(done) })
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("not ready after 60 s")
	}
	cancel()
	<-restarted
	for s, ids := range want {
		if strings.Join(got[s], " ") != strings.Join(ids, " ") {
			t.Errorf("shard %v: read %d entries, want %d in order", s, len(got[s]), len(ids))
		}
	}
	failed := false
	for _, l := range logs {
		failed = failed || strings.Contains(l, "stream: read:")
	}
	if !failed {
		// On a loaded machine the readers can finish before Redis stops: the
		// order was still checked, but the restart was not exercised.
		t.Skipf("no read failed (logs %q): the rebuild finished before Redis stopped", logs)
	}
}
