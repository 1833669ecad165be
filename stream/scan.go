package stream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/redis/go-redis/v9"
)

// Scan reads the entries of kind k that were stored (by entry id, Redis's
// clock) in [from, to) (to zero: up to the streams' ends), from the streams
// of the shards (ignored for Commands: there is one), and hands them to fn in
// batches, each batch in stream order, on the caller's goroutine. It reads as
// the rebuild does: one XREAD of every stream not yet done per round trip,
// about rebuildEntries entries in all, decoded from the raw reply. Entries
// that do not decode are skipped. Errors wrap ErrUnavailable; a failed read
// is not retried.
func (r *Reader) Scan(ctx context.Context, k Kind, shards []geo.Cell, from, to time.Time, fn func([]geo.Event)) error {
	var keys []string
	if k == Commands {
		keys = []string{r.layout.CommandStream()}
	} else {
		for _, s := range shards {
			keys = append(keys, r.layout.Stream(k, s))
		}
	}
	kinds := make(map[string]Kind, len(keys))
	ids := make(map[string]string, len(keys))
	for _, key := range keys {
		kinds[key], ids[key] = k, startID(from)
	}
	t := &Tailer{rdb: r.rdb} // for readRaw, which reads nothing of its config
	var dec decoder
	for len(keys) > 0 {
		count := rebuildCount(5000, len(keys))
		batches, err := t.readRaw(ctx, keys, kinds, ids, count, &dec)
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		full := keys[:0:0]
		for _, b := range batches {
			if b.read > 0 {
				ids[b.stream] = b.last
			}
			entries, past := b.entries, false
			if !to.IsZero() {
				for i := range entries {
					if !entries[i].Ingested.Before(to) {
						entries, past = entries[:i], true
						break
					}
				}
			}
			if len(entries) > 0 {
				fn(entries)
			}
			if int64(b.read) >= count && !past {
				full = append(full, b.stream)
			}
		}
		keys = full
	}
	return nil
}
