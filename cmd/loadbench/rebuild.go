package main

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/stream"
	"github.com/redis/go-redis/v9"
)

// rebuildResult is scenario 5.
type rebuildResult struct {
	Events        int     `json:"events"`
	PreloadSec    float64 `json:"preload_seconds"`
	PreloadPerSec float64 `json:"preload_events_per_s"`
	ReadySec      float64 `json:"start_to_readyz_seconds"`
	EventsPerSec  float64 `json:"rebuild_events_per_s"`
	StreamBytes   int64   `json:"stream_bytes"`
	PerEvent      float64 `json:"stream_bytes_per_event"`
	RSSKiB        int64   `json:"server_rss_after_ready_kib"`
	CPUSeconds    float64 `json:"server_cpu_seconds_to_ready"`
}

// preload writes n incidents straight into the streams, in our codec and key
// layout (stream.Layout, stream.IncidentFields), with ingest times (entry ids)
// spread over the last 23h50m so the tailer's 24h+10m rebuild reads them all.
// Dedupe markers are not written: the rebuild does not read them.
func preload(ctx context.Context, rdb *redis.Client, layout stream.Layout, pool *eventPool, n int) error {
	now := time.Now().UnixMilli()
	from := now - (23*time.Hour + 50*time.Minute).Milliseconds()
	step := float64(now-60_000-from) / float64(n)
	// One writer per group of shards, so every stream's ids rise in order.
	const writers = 4
	r := rand.New(rand.NewPCG(5, 5))
	idx := make([][]int32, writers) // per writer: event numbers
	items := make([]int32, n)
	shardOf := map[uint64]int{}
	for i := range n {
		items[i] = int32(r.IntN(len(pool.items)))
		c := pool.items[items[i]].cell
		sh := uint64(layout.Shard(geo.Cell(c)))
		w, ok := shardOf[sh]
		if !ok {
			w = len(shardOf) % writers
			shardOf[sh] = w
		}
		idx[w] = append(idx[w], int32(i))
	}
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			const chunk = 2000
			list := idx[w]
			for start := 0; start < len(list); start += chunk {
				pipe := rdb.Pipeline()
				for _, i := range list[start:min(start+chunk, len(list))] {
					it := &pool.items[items[i]]
					ms := from + int64(float64(i)*step)
					in := geo.Incident{ID: pool.nextID(), Source: it.inc.Source, Category: it.inc.Category,
						Severity: it.inc.Severity, Lat: it.inc.Lat, Lng: it.inc.Lng, Time: time.UnixMilli(ms),
						Title: it.inc.Title, Address: it.inc.Address, Cell: geo.Cell(it.cell)}
					pipe.XAdd(ctx, &redis.XAddArgs{
						Stream: layout.Stream(stream.Incidents, layout.Shard(in.Cell)),
						ID:     strconv.FormatInt(ms, 10) + "-" + strconv.Itoa(int(i)),
						Values: stream.IncidentFields(&in),
					})
				}
				if _, err := pipe.Exec(ctx); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
