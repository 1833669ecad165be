package stream_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/stream"
	"github.com/redis/go-redis/v9"
)

// A history cursor hands out the entries of every shard's incidents and
// positions and of the commands stream that arrived in [from, to], each
// once, in arrival (entry id) order across streams, up to the time asked
// each call, over more entries than one read brings.
func TestHistoryMergesTheStreamsInArrivalOrder(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		layout := stream.Layout{Prefix: redistest.Prefix(t)}
		base := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
		a := incident("a", 31.30, 120.60, base)
		b := incident("b", 31.90, 120.20, base)
		shards := []geo.Cell{layout.Shard(a.Cell), layout.Shard(b.Cell)}
		// 1,200 entries, one a millisecond, dealt round the five streams.
		var want []string
		for i := range 1200 {
			id := strconv.FormatInt(base.UnixMilli()+int64(i), 10) + "-0"
			var key string
			var fields []string
			switch i % 5 {
			case 0, 1:
				in := a
				if i%5 == 1 {
					in = b
				}
				in.ID = fmt.Sprint("in-", i)
				key, fields = layout.Stream(stream.Incidents, layout.Shard(in.Cell)), stream.IncidentFields(&in)
			case 2, 3:
				p := geo.Position{Unit: fmt.Sprint("u-", i), Kind: "car", Status: geo.StatusAvailable, Lat: 31.3, Lng: 120.6, Time: base}
				if i%5 == 3 {
					p.Lat, p.Lng = 31.9, 120.2
				}
				p.Cell = geo.CellOf(p.Point(), geo.FineRes)
				key, fields = layout.Stream(stream.Positions, layout.Shard(p.Cell)), stream.PositionFields(&p)
			default:
				key, fields = layout.CommandStream(), stream.CommandFields(&geo.Command{Type: "alert.ack", At: base, By: "x", Data: []byte(`{}`)})
			}
			args := make([]any, len(fields))
			for j, f := range fields {
				args[j] = f
			}
			if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: id, Values: args}).Err(); err != nil {
				t.Fatal(err)
			}
			want = append(want, id)
		}
		ms := func(i int) time.Time { return base.Add(time.Duration(i) * time.Millisecond) }
		h := stream.NewHistory(rdb, layout, shards)
		read := func(c *stream.Cursor, upTo time.Time) []string {
			var got []string
			if err := c.Next(ctx, upTo, func(e *geo.Event) { got = append(got, e.ID) }); err != nil {
				t.Fatal(err)
			}
			return got
		}
		c := h.Open(ms(100), ms(1099))
		first := read(c, ms(599))
		rest := read(c, ms(5000))
		if !slices.Equal(first, want[100:600]) {
			t.Errorf("up to +599 ms: %d entries from %v, want %d from %s", len(first), first[:min(3, len(first))], 500, want[100])
		}
		if !slices.Equal(rest, want[600:1100]) {
			t.Errorf("then: %d entries, want the %d to +1099 ms", len(rest), 500)
		}
		if again := read(c, ms(5000)); len(again) != 0 {
			t.Errorf("handed out again: %d", len(again))
		}
	})
}
