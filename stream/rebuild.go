package stream

import (
	"context"
	"io"
	"strings"
	"sync"
	"unsafe"

	"github.com/citygrid/citygrid/geo"
	"github.com/redis/go-redis/v9"
)

// rebuildReaders is how many reads the rebuild keeps in flight: Redis answers
// one while the tailer decodes the others.
const rebuildReaders = 4

// rebuild reads every stream until it is caught up, before Run's loop checks
// that with one read of them all: first the commands stream, on Run's
// goroutine, so every command is folded before the events after it; then the
// shards' streams, split among rebuildReaders goroutines. Each stream is read
// by one of them, in order, and every batch goes to sink on Run's goroutine.
// Reads that fail are retried from the stream's last id. It returns when every
// stream has been read to its end, or ctx is done; last then holds the last id
// delivered of each stream.
func (t *Tailer) rebuild(ctx context.Context, keys []string, kinds map[string]Kind, last map[string]string, sink Sink) {
	if t.cfg.Commands {
		deliver := func(b batch) bool { t.deliver(ctx, &b, last, sink); return true }
		t.drain(ctx, keys[:1], kinds, copyIDs(last, keys[:1]), deliver)
		keys = keys[1:]
	}
	n := min(rebuildReaders, len(keys))
	if n == 0 || ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan batch, 2*n)
	var wg sync.WaitGroup
	for i := range n {
		var mine []string
		for j := i; j < len(keys); j += n {
			mine = append(mine, keys[j])
		}
		ids := copyIDs(last, mine)
		wg.Go(func() {
			t.drain(ctx, mine, kinds, ids, func(b batch) bool {
				select {
				case out <- b:
					return true
				case <-ctx.Done():
					return false
				}
			})
		})
	}
	go func() { wg.Wait(); close(out) }()
	for b := range out {
		t.deliver(ctx, &b, last, sink)
	}
}

// rebuildCount is the COUNT of a rebuild's read of n streams: about
// rebuildEntries entries in all, at most most per stream. Small replies cost
// Redis less as well as the tailer: measured on BenchmarkRebuild, Redis's
// time in XREAD was about a third lower at 2,048 entries a reply than at
// 8,192, and the single read of every stream it replaces (5,000 entries each)
// cost more still.
func rebuildCount(most int64, n int) int64 {
	return min(most, max(rebuildEntries/int64(n), 100))
}

const rebuildEntries = 2048

func copyIDs(last map[string]string, keys []string) map[string]string {
	ids := make(map[string]string, len(keys))
	for _, k := range keys {
		ids[k] = last[k]
	}
	return ids
}

// drain reads keys from ids on until each has come back short of Count, and
// hands every batch to emit, in order; it stops early when emit returns false
// or ctx is done. Read errors go to emit as log lines, and the read is retried
// after a backoff.
func (t *Tailer) drain(ctx context.Context, keys []string, kinds map[string]Kind, ids map[string]string, emit func(batch) bool) {
	var dec decoder
	backoff := newBackoff()
	for len(keys) > 0 && ctx.Err() == nil {
		count := rebuildCount(t.cfg.Count, len(keys))
		batches, err := t.readRaw(ctx, keys, kinds, ids, count, &dec)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !emit(batch{skipped: []logLine{{"stream: read: %v (retrying)", []any{err}}}}) {
				return
			}
			backoff.wait(ctx)
			continue
		}
		backoff.reset()
		full := keys[:0:0]
		for _, b := range batches {
			if b.read > 0 {
				ids[b.stream] = b.last
			}
			if int64(b.read) >= count {
				full = append(full, b.stream)
			}
			if !emit(b) {
				return
			}
		}
		keys = full
	}
}

// readRaw is one XREAD without BLOCK of up to count entries per stream, its
// reply decoded by position (see eachXRead and fieldReader).
func (t *Tailer) readRaw(ctx context.Context, keys []string, kinds map[string]Kind, ids map[string]string, count int64, dec *decoder) ([]batch, error) {
	args := make([]any, 0, 4+2*len(keys))
	args = append(args, "XREAD", "COUNT", count, "STREAMS")
	for _, k := range keys {
		args = append(args, k)
	}
	for _, k := range keys {
		args = append(args, ids[k])
	}
	// go-redis writes the raw reply into the decoder's buffer, which grows to
	// the largest reply once instead of once per read.
	dec.buf.b = dec.buf.b[:0]
	cmd := redis.NewRawWriteToCmd(ctx, &dec.buf, args...)
	if err := t.rdb.Process(ctx, cmd); err != nil {
		return nil, err
	}
	// The entries are views of the buffer until the next read overwrites it;
	// what the decoded events keep is copied out (fieldReader.keep and
	// intern, the event's ID, batch.stream, fieldMap).
	reply := unsafe.String(unsafe.SliceData(dec.buf.b), len(dec.buf.b))
	var batches []batch
	var b *batch
	err := eachXRead(reply, func(stream string, n int) {
		batches = append(batches, batch{stream: strings.Clone(stream), entries: make([]geo.Event, 0, n)})
		b = &batches[len(batches)-1]
	}, func(id string, fields []string) {
		b.read++
		b.entries = b.entries[:len(b.entries)+1]
		e := &b.entries[len(b.entries)-1]
		err := dec.entry(e, kinds[b.stream], id, fields)
		b.last = e.ID
		if err != nil {
			b.skipped = append(b.skipped, logLine{"stream: skip %s %s: %v", []any{b.stream, e.ID, err}})
			b.entries = b.entries[:len(b.entries)-1]
		}
	})
	return batches, err
}

// A decoder decodes the entries of raw replies; it is not safe for
// concurrent use.
type decoder struct {
	buf     replyBuffer
	strings stringCache
}

// incidentNames and positionNames are the field names the codec writes, in
// order.
var (
	incidentNames = names(IncidentFields(&geo.Incident{}))
	positionNames = names(PositionFields(&geo.Position{}))
)

func names(fields []string) []string {
	var ns []string
	for i := 0; i < len(fields); i += 2 {
		ns = append(ns, fields[i])
	}
	return ns
}

// entry decodes one entry whose fields (names and values alternating) are
// views of a reply. An entry written in the codec's order is read by position;
// any other (an older codec's, or one written by hand) goes through the map
// DecodeIncident and the others read.
func (dec *decoder) entry(e *geo.Event, k Kind, id string, fields []string) error {
	id = strings.Clone(id)
	*e = geo.Event{ID: id, Ingested: idTime(id)}
	var err error
	switch k {
	case Incidents:
		e.Kind = geo.KindIncident
		if inOrder(fields, incidentNames) {
			d := fieldReader{pos: true, fields: fields, strings: &dec.strings}
			e.Incident, err = d.incident()
		} else {
			e.Incident, err = DecodeIncident(fieldMap(fields))
		}
	case Positions:
		e.Kind = geo.KindPosition
		if inOrder(fields, positionNames) {
			d := fieldReader{pos: true, fields: fields, strings: &dec.strings}
			e.Position, err = d.position()
		} else {
			e.Position, err = DecodePosition(fieldMap(fields))
		}
	default:
		// Commands are few: their map is no cost worth a second decoder.
		*e, err = decodeEntry(k, redis.XMessage{ID: id, Values: fieldMap(fields)})
	}
	return err
}

// inOrder reports whether fields has exactly the names, in order.
func inOrder(fields, names []string) bool {
	if len(fields) != 2*len(names) {
		return false
	}
	for i, n := range names {
		if fields[2*i] != n {
			return false
		}
	}
	return true
}

// fieldMap is fields as go-redis would have given them: copies, the last of a
// repeated name winning.
func fieldMap(fields []string) map[string]any {
	m := make(map[string]any, len(fields)/2)
	for i := 0; i+1 < len(fields); i += 2 {
		m[strings.Clone(fields[i])] = strings.Clone(fields[i+1])
	}
	return m
}

// A replyBuffer takes go-redis's raw reply: go-redis copies each bulk string
// through an io.LimitedReader, which ReadFrom reads straight into the buffer.
// It doubles when it grows, and is reused from read to read.
type replyBuffer struct{ b []byte }

func (w *replyBuffer) reserve(n int) {
	if cap(w.b)-len(w.b) < n {
		b := make([]byte, len(w.b), max(2*cap(w.b), len(w.b)+n, 64<<10))
		copy(b, w.b)
		w.b = b
	}
}

func (w *replyBuffer) Write(p []byte) (int, error) {
	w.reserve(len(p))
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *replyBuffer) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		if lr, ok := r.(*io.LimitedReader); ok {
			if lr.N <= 0 {
				return total, nil
			}
			w.reserve(int(lr.N))
		} else {
			w.reserve(512)
		}
		n, err := r.Read(w.b[len(w.b):cap(w.b)])
		w.b = w.b[:len(w.b)+n]
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
