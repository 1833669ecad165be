package stream

import (
	"context"
	"fmt"
	"sort"
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

// RecentIncidents reads the incidents stored since the given ingest time in
// the shards that may hold incidents of cell (ShardsNear), newest first,
// keeping those keep accepts, until it has max of them or has read scan
// entries of a shard (so a query over a busy shard stays bounded; truncated
// then says more may exist). It reads each stream backwards, in pages. Errors
// wrap ErrUnavailable.
func (r *Reader) RecentIncidents(ctx context.Context, cell geo.Cell, since time.Time,
	keep func(*geo.Incident) bool, max, scan int) (out []geo.Incident, truncated bool, err error) {
	var found []readBack
	for _, shard := range r.layout.ShardsNear(cell) {
		got, more, err := r.recent(ctx, r.layout.Stream(Incidents, shard), since, keep, max, scan)
		if err != nil {
			return nil, false, err
		}
		found = append(found, got...)
		truncated = truncated || more
	}
	sort.Slice(found, func(i, j int) bool { return geo.CompareIDs(found[i].id, found[j].id) > 0 })
	if len(found) > max {
		found, truncated = found[:max], true
	}
	out = make([]geo.Incident, len(found))
	for i := range found {
		out[i] = found[i].in
	}
	return out, truncated, nil
}

// readBack is an incident read back, with its entry id.
type readBack struct {
	id string
	in geo.Incident
}

// recent reads one stream backwards from its end to since.
func (r *Reader) recent(ctx context.Context, key string, since time.Time,
	keep func(*geo.Incident) bool, max, scan int) (out []readBack, truncated bool, err error) {
	end := "+"
	start := strconv.FormatInt(since.UnixMilli(), 10)
	read := 0
	const page = 500
	for read < scan {
		msgs, err := r.rdb.XRevRangeN(ctx, key, end, start, page).Result()
		if err != nil {
			return nil, false, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		for _, m := range msgs {
			read++
			in, err := DecodeIncident(m.Values)
			if err != nil || !keep(&in) {
				continue
			}
			out = append(out, readBack{m.ID, in})
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
