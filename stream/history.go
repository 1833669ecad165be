package stream

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/redis/go-redis/v9"
)

// History reads a past span of the streams in the order they arrived, for a
// replay: every shard's incidents and positions and the commands stream (the
// alerts, dispatches and cases) merged by entry id, which is the time Redis
// stored the entry (its arrival). It never touches a consumer group or the
// live tailer's position.
type History struct {
	rdb    redis.UniversalClient
	layout Layout
	shards []geo.Cell
	count  int64
}

// NewHistory returns a reader of the given shards' streams (layout.Shards).
func NewHistory(rdb redis.UniversalClient, layout Layout, shards []geo.Cell) *History {
	return &History{rdb: rdb, layout: layout.withDefaults(), shards: shards, count: historyCount}
}

// historyCount is how many entries one XRANGE brings from one stream: a
// cursor holds at most this many per stream, which bounds its memory.
const historyCount = 256

// Open returns a cursor over the entries that arrived in [from, to], to the
// millisecond.
func (h *History) Open(from, to time.Time) *Cursor {
	c := &Cursor{rdb: h.rdb, count: h.count, end: strconv.FormatInt(to.UnixMilli(), 10) + "-" + strconv.FormatUint(^uint64(0), 10)}
	start := strconv.FormatInt(max(from.UnixMilli(), 0), 10) + "-0"
	for _, k := range Kinds {
		for _, s := range h.shards {
			c.streams = append(c.streams, &histStream{key: h.layout.Stream(k, s), kind: k, start: start})
		}
	}
	c.streams = append(c.streams, &histStream{key: h.layout.CommandStream(), kind: Commands, start: start})
	return c
}

// A Cursor walks a span of history in arrival order. It is not safe for
// concurrent use.
type Cursor struct {
	rdb     redis.UniversalClient
	count   int64
	end     string
	streams []*histStream
}

type histStream struct {
	key   string
	kind  Kind
	start string      // the next XRANGE's first id (inclusive)
	buf   []geo.Event // read, not yet handed out
	ids   [][2]uint64 // buf's ids, parsed
	done  bool        // the stream has nothing more up to end
}

// Next calls fn with every entry that arrived at or before upTo and was not
// handed out yet, in arrival order (entry id; two streams' equal ids in
// stream order), and returns the first read error. Entries that do not
// decode are skipped. fn must not keep the event.
func (c *Cursor) Next(ctx context.Context, upTo time.Time, fn func(*geo.Event)) error {
	limit := [2]uint64{uint64(max(upTo.UnixMilli(), 0)), ^uint64(0)}
	for {
		var head *histStream
		for _, s := range c.streams {
			for len(s.buf) == 0 && !s.done {
				if err := c.fill(ctx, s); err != nil {
					return err
				}
			}
			if len(s.buf) > 0 && (head == nil || less(s.ids[0], head.ids[0])) {
				head = s
			}
		}
		if head == nil || less(limit, head.ids[0]) {
			return nil
		}
		fn(&head.buf[0])
		head.buf[0] = geo.Event{}
		head.buf, head.ids = head.buf[1:], head.ids[1:]
	}
}

func less(a, b [2]uint64) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

// fill reads the stream's next entries up to the cursor's end.
func (c *Cursor) fill(ctx context.Context, s *histStream) error {
	msgs, err := c.rdb.XRangeN(ctx, s.key, s.start, c.end, c.count).Result()
	if err != nil {
		return err
	}
	if int64(len(msgs)) < c.count {
		s.done = true
	}
	s.buf, s.ids = s.buf[:0], s.ids[:0]
	for _, m := range msgs {
		id := parseID(m.ID)
		s.start = strconv.FormatUint(id[0], 10) + "-" + strconv.FormatUint(id[1]+1, 10)
		e, err := decodeEntry(s.kind, m)
		if err != nil {
			continue
		}
		s.buf = append(s.buf, e)
		s.ids = append(s.ids, id)
	}
	return nil
}

func parseID(id string) [2]uint64 {
	ms, seq, _ := strings.Cut(id, "-")
	a, _ := strconv.ParseUint(ms, 10, 64)
	b, _ := strconv.ParseUint(seq, 10, 64)
	return [2]uint64{a, b}
}
