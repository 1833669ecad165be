package stream

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/redis/go-redis/v9"
)

// A Reader answers queries from the streams themselves, for what the live
// state does not keep (each incident's details). It is safe for concurrent use.
type Reader struct {
	rdb    redis.UniversalClient
	layout Layout
}

// NewReader returns a reader of the layout's streams.
func NewReader(rdb redis.UniversalClient, l Layout) *Reader {
	return &Reader{rdb: rdb, layout: l.withDefaults()}
}

// RecentIncidents reads the incidents of the shard holding cell stored since
// the given ingest time, newest first, keeping those keep accepts, until it
// has max of them or has read scan entries (so a query over a busy shard stays
// bounded; truncated then says more may exist). It reads the stream
// backwards, in pages. Errors wrap ErrUnavailable.
func (r *Reader) RecentIncidents(ctx context.Context, cell geo.Cell, since time.Time,
	keep func(*geo.Incident) bool, max, scan int) (out []geo.Incident, truncated bool, err error) {
	key := r.layout.Stream(Incidents, r.layout.Shard(cell))
	rdb := r.rdb
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
