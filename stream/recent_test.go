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

func TestIncidentsReadByEntry(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		layout := stream.Layout{Prefix: redistest.Prefix(t)}
		w := stream.NewWriter(rdb, layout, nil)
		now := time.Now()
		// Two shards apart, so one read goes to two streams.
		ins := []geo.Incident{
			incident("near", 31.30, 120.60, now),
			incident("far", 31.90, 120.20, now),
			incident("gone", 31.30, 120.60, now),
		}
		res, err := w.Add(ctx, events(ins...))
		if err != nil {
			t.Fatal(err)
		}
		if layout.Shard(ins[0].Cell) == layout.Shard(ins[1].Cell) {
			t.Fatal("the test wants two shards")
		}
		// An entry no longer there (as after a trim) is left out, not an error.
		if err := rdb.XDel(ctx, layout.Stream(stream.Incidents, layout.Shard(ins[2].Cell)), res[2].ID).Err(); err != nil {
			t.Fatal(err)
		}
		got, err := stream.NewReader(rdb, layout).Incidents(ctx, []stream.Entry{
			{Fine: ins[1].Cell, ID: res[1].ID},
			{Fine: ins[2].Cell, ID: res[2].ID},
			{Fine: ins[0].Cell, ID: res[0].ID},
		})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, in := range got {
			ids = append(ids, in.ID)
		}
		if fmt.Sprint(ids) != "[far near]" {
			t.Fatalf("read %v, want [far near]", ids)
		}
	})
}
