package stream

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/redis/go-redis/v9"
)

// RecentIncidents reads a shard's incidents stored since the given ingest time,
// newest first, keeping those keep accepts, until it has max of them or has
// read scan entries (so a query over a busy shard stays bounded; truncated then
// says more may exist). It reads the stream backwards, in pages.
func RecentIncidents(ctx context.Context, rdb redis.UniversalClient, l Layout, shard geo.Cell, since time.Time,
	keep func(*geo.Incident) bool, max, scan int) (out []geo.Incident, truncated bool, err error) {
	key := l.withDefaults().Stream(Incidents, shard)
	end := "+"
	start := strconv.FormatInt(since.UnixMilli(), 10)
	read := 0
	const page = 500
	for read < scan {
		msgs, err := rdb.XRevRangeN(ctx, key, end, start, page).Result()
		if err != nil {
			return nil, false, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		for _, m := range msgs {
			read++
			in, err := DecodeIncident(m.Values)
			if err != nil || !keep(&in) {
				continue
			}
			out = append(out, in)
			if len(out) == max {
				return out, true, nil
			}
		}
		if len(msgs) < page {
			return out, false, nil
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
	return out, true, nil
}
