package stream_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/stream"
	"github.com/redis/go-redis/v9"
)

func TestScanReadsEveryEntryOfARangeOnce(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		layout := stream.Layout{Prefix: redistest.Prefix(t)}
		w := stream.NewWriter(rdb, layout, nil)
		now := time.Now()
		// More than a page (2,000) in one shard, a few in another.
		var ins []geo.Incident
		for i := range 4500 {
			lat, lng := 31.30, 120.60
			if i%10 == 0 {
				lat, lng = 31.90, 120.20
			}
			ins = append(ins, incident(fmt.Sprint("s-", i), lat, lng, now))
		}
		start := time.Now().Add(-time.Millisecond)
		if _, err := w.Add(ctx, events(ins...)); err != nil {
			t.Fatal(err)
		}
		shards := []geo.Cell{layout.Shard(ins[0].Cell), layout.Shard(ins[1].Cell)}
		r := stream.NewReader(rdb, layout)
		count := func(from, to time.Time) (int, map[string]int) {
			seen := map[string]int{}
			n := 0
			if err := r.Scan(ctx, stream.Incidents, shards, from, to, func(es []geo.Event) {
				for _, e := range es {
					n++
					seen[e.Incident.ID]++
				}
			}); err != nil {
				t.Fatal(err)
			}
			return n, seen
		}
		if n, seen := count(start, time.Time{}); n != len(ins) || len(seen) != len(ins) {
			t.Errorf("scanned %d entries of %d ids, want each of %d once", n, len(seen), len(ins))
		}
		if n, _ := count(start.Add(-time.Hour), start); n != 0 {
			t.Errorf("before the entries: %d", n)
		}
		if n, _ := count(time.Now().Add(time.Second), time.Time{}); n != 0 {
			t.Errorf("after the entries: %d", n)
		}
	})
}
