package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// entriesRead counts the stream entries the server's range reads bring back.
type entriesRead struct{ n atomic.Int64 }

func (h *entriesRead) count(cmds ...redis.Cmder) {
	for _, c := range cmds {
		if m, ok := c.(*redis.XMessageSliceCmd); ok {
			h.n.Add(int64(len(m.Val())))
		}
	}
}

func (h *entriesRead) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *entriesRead) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.count(cmd)
		return err
	}
}

func (h *entriesRead) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.count(cmds...)
		return err
	}
}

// A cell's incidents cost Redis what the answer holds, however busy the
// cell's shard: a wall polling a quiet cell beside a busy one once made Redis
// read 20,000 entries a query, and every feed waited behind it.
func TestIncidentsOfAQuietCellInABusyShardReadOnlyTheirs(t *testing.T) {
	rs := redistest.Start(t)
	clock := newTestClock(testStart())
	reads := &entriesRead{}
	s := startServerWith(t, func(c *Config) { c.now = clock.Now; c.redisHook = reads }, rs.URL(), redistest.Prefix(t))
	p := place(31.30, 120.60)
	var busy []incidentIn
	for _, c := range p.cell.Disk(6)[1:] { // the cell's neighbours, in its shard or the next
		q := c.Center()
		busy = append(busy, burst(at{q.Lat(), q.Lon(), c}, 40, clock.Now().Add(-time.Minute), 1)...)
	}
	for i := 0; i < len(busy); i += 1000 {
		s.send("/api/v1/incidents", busy[i:min(i+1000, len(busy))])
	}
	mine := burst(p, 3, clock.Now().Add(-30*time.Second), 2)
	s.send("/api/v1/incidents", mine)
	var r struct{ Incidents []struct{ ID string } }
	query := "/api/v1/incidents?window=1h&cell=" + p.cell.String()
	eventually(t, "the cell's incidents folded", func() bool {
		return s.call("GET", query, nil, &r) == 200 && len(r.Incidents) == 3
	})
	reads.n.Store(0)
	if code := s.call("GET", query, nil, &r); code != 200 || len(r.Incidents) != 3 {
		t.Fatalf("incidents: %d, %d of them", code, len(r.Incidents))
	}
	attacked(t, "incidents of a quiet cell in a busy shard (5,043 entries)", "Redis reads what the answer holds",
		fmt.Sprintf("3 incidents answered, %d stream entries read", reads.n.Load()))
	if n := reads.n.Load(); n > 3 {
		t.Fatalf("answering 3 incidents read %d stream entries (the shard holds %d)", n, len(busy)+3)
	}
}
