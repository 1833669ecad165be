package stream

import (
	"context"
	"errors"
	"fmt"
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

// historyCount is how many entries one read brings from one stream: a
// cursor holds at most this many per stream, which bounds its memory.
const historyCount = 256

// Open returns a cursor over the entries that arrived in [from, to], to the
// millisecond.
func (h *History) Open(from, to time.Time) *Cursor {
	c := &Cursor{rdb: h.rdb, count: h.count, end: [2]uint64{uint64(max(to.UnixMilli(), 0)), ^uint64(0)}}
	start := startID(from)
	for _, k := range Kinds {
		for _, s := range h.shards {
			c.streams = append(c.streams, &histStream{key: h.layout.Stream(k, s), kind: k, after: start})
		}
	}
	c.streams = append(c.streams, &histStream{key: h.layout.CommandStream(), kind: Commands, after: start})
	return c
}

// A Cursor walks a span of history in arrival order. It is not safe for
// concurrent use.
type Cursor struct {
	rdb     redis.UniversalClient
	count   int64
	end     [2]uint64 // the last id of the span
	streams []*histStream
	dec     decoder
}

type histStream struct {
	key   string
	kind  Kind
	after string      // the next read's entries come after this id
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
		if err := c.fill(ctx); err != nil {
			return err
		}
		var head *histStream
		for _, s := range c.streams {
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

// fill reads the next entries of every stream whose buffer is empty and
// that is not done, in one XREAD (decoded from the raw reply, as the rebuild
// reads), until each has entries or is done: a stream is done once a read
// brings fewer than count entries or one past the span's end.
func (c *Cursor) fill(ctx context.Context) error {
	for {
		var keys []string
		kinds := map[string]Kind{}
		after := map[string]string{}
		byKey := map[string]*histStream{}
		for _, s := range c.streams {
			if len(s.buf) == 0 && !s.done {
				keys = append(keys, s.key)
				kinds[s.key], after[s.key], byKey[s.key] = s.kind, s.after, s
			}
		}
		if len(keys) == 0 {
			return nil
		}
		t := &Tailer{rdb: c.rdb} // for readRaw, which reads nothing of its config
		batches, err := t.readRaw(ctx, keys, kinds, after, c.count, &c.dec)
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		for _, key := range keys {
			byKey[key].done = true // unless a full read below says more may come
		}
		for _, b := range batches {
			s := byKey[b.stream]
			if s == nil {
				continue
			}
			if b.read > 0 {
				s.after = b.last
			}
			// A stream whose every entry read failed to decode stays empty
			// and not done: the next round reads on.
			s.done = int64(b.read) < c.count
			s.buf, s.ids = b.entries, s.ids[:0]
			for i := range s.buf {
				id := parseID(s.buf[i].ID)
				if less(c.end, id) {
					s.buf, s.done = s.buf[:i], true
					break
				}
				s.ids = append(s.ids, id)
			}
		}
	}
}

func parseID(id string) [2]uint64 {
	ms, seq, _ := strings.Cut(id, "-")
	a, _ := strconv.ParseUint(ms, 10, 64)
	b, _ := strconv.ParseUint(seq, 10, 64)
	return [2]uint64{a, b}
}
