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

func TestRecentIncidentsPagesBackwards(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		layout := stream.Layout{Prefix: redistest.Prefix(t)}
		w := stream.NewWriter(rdb, layout, nil)
		now := time.Now()
		ins := make([]geo.Incident, 1200)
		for i := range ins {
			ins[i] = incident(fmt.Sprint("r-", i), 31.3, 120.6, now)
			ins[i].Severity = 1 + i%4
		}
		if _, err := w.Add(ctx, events(ins...)); err != nil {
			t.Fatal(err)
		}
		rd := stream.NewReader(rdb, layout)
		severe := func(in *geo.Incident) bool { return in.Severity == 4 }
		got, truncated, err := rd.RecentIncidents(ctx, ins[0].Cell, now.Add(-time.Minute), severe, 1000, 10_000)
		if err != nil || truncated || len(got) != 300 || got[0].ID != "r-1199" || got[299].ID != "r-3" {
			t.Fatalf("got %d (truncated %v, %v), first %v", len(got), truncated, err, got[:min(1, len(got))])
		}
		// The scan bound stops a long read and says so.
		got, truncated, _ = rd.RecentIncidents(ctx, ins[0].Cell, now.Add(-time.Minute), severe, 1000, 500)
		if !truncated || len(got) != 125 {
			t.Fatalf("bounded scan: %d, truncated %v", len(got), truncated)
		}
	})
}
