package stream_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/stream"
)

// BenchmarkHistory is a replay's seek read: a cursor walks the 200,000
// incidents and 200 commands of BenchmarkRebuild, merged over the shards and
// the commands stream in arrival order, from
// a private redis-server on loopback. The fold's cost is not in it
// (replay's BenchmarkSeek).
func BenchmarkHistory(b *testing.B) {
	rdb := redistest.Start(b).Client()
	layout := stream.Layout{Prefix: "bench"}
	shards := preloadRebuild(b, rdb, layout)
	h := stream.NewHistory(rdb, layout, shards)
	from, to := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		last := ""
		err := h.Open(from, to).Next(context.Background(), to, func(e *geo.Event) {
			if e.ID < last && len(e.ID) == len(last) {
				b.Fatalf("entry %s after %s", e.ID, last)
			}
			last = e.ID
			n++
		})
		if err != nil || n != rebuildEvents+rebuildCommands {
			b.Fatalf("read %d entries (%v), want %d incidents and %d commands", n, err, rebuildEvents, rebuildCommands)
		}
	}
	b.ReportMetric(float64(b.N*rebuildEvents)/b.Elapsed().Seconds(), "events/s")
}
