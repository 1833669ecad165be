package stream

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/redis/go-redis/v9"
)

// scanCount is the most entries one XRANGE of a Scan asks of one stream.
const scanCount = 2000

// Scan reads the entries of kind k that were stored (by entry id, Redis's
// clock) in [from, to) (to zero: up to the streams' ends), from the streams of the shards (ignored for
// Commands: there is one), and hands them to fn in batches, each batch in
// stream order, on the caller's goroutine. Every stream is read in pages of
// scanCount, one pipelined round trip a page for all the streams not done
// yet, so reading a day costs a few hundred round trips, not one per shard
// per page. Entries that do not decode are skipped. Errors wrap
// ErrUnavailable.
func (r *Reader) Scan(ctx context.Context, k Kind, shards []geo.Cell, from, to time.Time, fn func([]geo.Event)) error {
	var keys []string
	if k == Commands {
		keys = []string{r.layout.CommandStream()}
	} else {
		for _, s := range shards {
			keys = append(keys, r.layout.Stream(k, s))
		}
	}
	start := make(map[string]string, len(keys))
	for _, key := range keys {
		start[key] = strconv.FormatInt(max(from.UnixMilli(), 0), 10)
	}
	// The end is exclusive: the last id of the millisecond before to.
	end := "+"
	if !to.IsZero() {
		end = strconv.FormatInt(to.UnixMilli()-1, 10) + "-" + strconv.FormatUint(^uint64(0), 10)
	}
	for len(keys) > 0 {
		cmds := make([]*redis.XMessageSliceCmd, len(keys))
		_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, key := range keys {
				cmds[i] = p.XRangeN(ctx, key, start[key], end, scanCount)
			}
			return nil
		})
		if err != nil && err != redis.Nil {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		next := keys[:0]
		for i, key := range keys {
			msgs := cmds[i].Val()
			batch := make([]geo.Event, 0, len(msgs))
			for _, m := range msgs {
				if e, err := decodeEntry(k, m); err == nil {
					batch = append(batch, e)
				}
			}
			if len(batch) > 0 {
				fn(batch)
			}
			if len(msgs) == scanCount {
				start[key] = "(" + msgs[len(msgs)-1].ID
				next = append(next, key)
			}
		}
		keys = next
	}
	return nil
}
