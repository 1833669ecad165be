package stream

import (
	"context"
	"fmt"

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

// An Entry names one stored incident: its entry id in the stream of the shard
// its fine cell lies in.
type Entry struct {
	Fine geo.Cell // the incident's cell at geo.FineRes
	ID   string   // "<ms>-<seq>"
}

// Incidents reads the incidents at entries, in one round trip, in the order
// given; an entry the stream no longer holds (trimmed since) is left out.
// Errors wrap ErrUnavailable.
func (r *Reader) Incidents(ctx context.Context, entries []Entry) ([]geo.Incident, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.XMessageSliceCmd, len(entries))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, e := range entries {
			key := r.layout.Stream(Incidents, r.layout.Shard(e.Fine))
			cmds[i] = p.XRangeN(ctx, key, e.ID, e.ID, 1)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	out := make([]geo.Incident, 0, len(entries))
	for _, c := range cmds {
		for _, m := range c.Val() {
			if in, err := DecodeIncident(m.Values); err == nil {
				out = append(out, in)
			}
		}
	}
	return out, nil
}
