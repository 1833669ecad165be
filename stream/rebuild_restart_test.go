package stream_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
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
	// Redis stops in the first batch the rebuild delivers, and starts again
	// only once a read has failed and been logged: the failure is certain,
	// however the machine schedules the readers.
	failed := make(chan struct{})
	var once sync.Once
	logf := func(f string, args ...any) {
		if strings.HasPrefix(f, "stream: read:") {
			once.Do(func() { close(failed) })
		}
	}
	tl := stream.NewTailer(rdb, stream.TailerConfig{Layout: layout, Shards: shards, Since: now.Add(-time.Minute), Count: 10, Logf: logf})
	got := map[geo.Cell][]string{}
	restarted := make(chan struct{})
	stopped := false
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		_ = tl.Run(ctx, stream.SinkFuncs{Events: func(es []geo.Event) {
			for _, e := range es {
				s := layout.Shard(e.Incident.Cell)
				got[s] = append(got[s], e.Incident.ID)
			}
			if !stopped {
				stopped = true
				srv.Stop()
				go func() {
					defer close(restarted)
					<-failed
					srv.Restart()
				}()
			}
		}, Ready: func() { close(done) }})
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
}
