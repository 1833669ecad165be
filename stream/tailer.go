package stream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/redis/go-redis/v9"
)

// A Sink takes what a Tailer reads; live.Loop is one.
type Sink interface {
	// Add takes one batch of events, in stream order per stream. It may wait
	// while the sink is behind; it fails only when ctx is done.
	Add(ctx context.Context, events []geo.Event) error
	// SetReady is called once, after every batch of the rebuild was added.
	SetReady()
}

// SinkFuncs is a Sink made of two functions; either may be nil.
type SinkFuncs struct {
	Events func([]geo.Event)
	Ready  func()
}

// Add calls Events.
func (f SinkFuncs) Add(_ context.Context, events []geo.Event) error {
	if f.Events != nil {
		f.Events(events)
	}
	return nil
}

// SetReady calls Ready.
func (f SinkFuncs) SetReady() {
	if f.Ready != nil {
		f.Ready()
	}
}

// TailerConfig configures a Tailer. The zero value of each field means its default.
type TailerConfig struct {
	Layout Layout
	// Shards are the shard cells to read; every shard a writer can write to must
	// be here (see geo.Profile.Shards).
	Shards []geo.Cell
	// Since is how far back the rebuild starts, by ingest time. An event counts in
	// a window by its event time, and feeds may not send event times more than a
	// few minutes ahead, so the longest window plus that margin is enough.
	Since time.Time
	// IncidentsSince, when earlier than Since, is where the incidents' rebuild
	// starts instead: the alert rules' baselines need more history than the
	// windows.
	IncidentsSince time.Time
	// Commands adds the commands stream, read from its start: commands are few,
	// and an alert or dispatch opened long ago may still be open.
	Commands bool
	// Count is the most entries read per stream per call. Zero means 5,000.
	Count int64
	// Block is how long a live read waits for new entries. Zero means 500 ms.
	Block time.Duration
	// Logf reports read errors while the tailer retries. Nil means no logging.
	Logf func(format string, args ...any)
}

// A Tailer reads every shard's streams, first everything since Since (the
// rebuild: the commands stream, then the shards, several reads in flight; see
// rebuild), then live. After an error it backs off and resumes from the last
// id it saw on each stream, so no entry is missed or read twice.
type Tailer struct {
	rdb   redis.UniversalClient
	cfg   TailerConfig
	ready atomic.Bool
}

// NewTailer returns a tailer; Run starts it.
func NewTailer(rdb redis.UniversalClient, cfg TailerConfig) *Tailer {
	cfg.Layout = cfg.Layout.withDefaults()
	if cfg.Count == 0 {
		cfg.Count = 5000
	}
	if cfg.Block == 0 {
		cfg.Block = 500 * time.Millisecond
	}
	return &Tailer{rdb: rdb, cfg: cfg}
}

// Ready reports whether the rebuild has caught up with the streams.
func (t *Tailer) Ready() bool { return t.ready.Load() }

// Run reads until ctx is done, handing each batch of events to sink, in stream
// order per stream, on Run's goroutine; once the rebuild's batches have all
// gone to sink, it calls sink.SetReady. Run returns ctx's error.
func (t *Tailer) Run(ctx context.Context, sink Sink) error {
	keys := make([]string, 0, 1+len(t.cfg.Shards)*len(Kinds))
	kinds := map[string]Kind{}
	last := map[string]string{}
	if t.cfg.Commands {
		// First, so that within one read a command is folded before the
		// positions that follow it (a dispatch before its unit's arrival).
		key := t.cfg.Layout.CommandStream()
		keys = append(keys, key)
		kinds[key] = Commands
		last[key] = "0-0"
	}
	for _, k := range Kinds {
		since := t.cfg.Since
		if k == Incidents && !t.cfg.IncidentsSince.IsZero() && (since.IsZero() || t.cfg.IncidentsSince.Before(since)) {
			since = t.cfg.IncidentsSince
		}
		for _, s := range t.cfg.Shards {
			key := t.cfg.Layout.Stream(k, s)
			keys = append(keys, key)
			kinds[key] = k
			last[key] = startID(since)
		}
	}
	t.rebuild(ctx, keys, kinds, last, sink)
	var dec decoder
	backoff := newBackoff()
	for ctx.Err() == nil {
		var batches []batch
		var err error
		if t.ready.Load() {
			batches, err = t.readLive(ctx, keys, kinds, last)
		} else {
			// No BLOCK while rebuilding: an empty answer means caught up.
			batches, err = t.readRaw(ctx, keys, kinds, last, t.cfg.Count, &dec)
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			if ctx.Err() != nil {
				break
			}
			t.logf("stream: read: %v (retrying)", err)
			backoff.wait(ctx)
			continue
		}
		backoff.reset()
		got := 0
		for i := range batches {
			got += batches[i].read
			t.deliver(ctx, &batches[i], last, sink)
		}
		if t.ready.Load() && got > 0 && got < coalesceBelow {
			// Live and trickling: wait a moment so the next read brings several
			// entries, not one. Under single-event posts, a blocking XREAD over
			// every shard per entry cost more Redis time than the entries did.
			select {
			case <-ctx.Done():
			case <-time.After(coalesceWait):
			}
		}
		if got == 0 && !t.ready.Load() {
			t.ready.Store(true)
			sink.SetReady()
		}
	}
	return ctx.Err()
}

// A batch is what one read brought of one stream.
type batch struct {
	stream  string
	read    int    // entries read, decoded or not
	last    string // the id of the last of them
	entries []geo.Event
	skipped []logLine // entries that did not decode
}

type logLine struct {
	format string
	args   []any
}

// deliver hands b to sink and logs its skipped entries, on Run's goroutine.
func (t *Tailer) deliver(ctx context.Context, b *batch, last map[string]string, sink Sink) {
	if b.read > 0 {
		last[b.stream] = b.last
	}
	for _, l := range b.skipped {
		t.logf(l.format, l.args...)
	}
	if len(b.entries) > 0 {
		_ = sink.Add(ctx, b.entries) // fails only when ctx is done, and Run ends then
	}
}

func (t *Tailer) logf(format string, args ...any) {
	if t.cfg.Logf != nil {
		t.cfg.Logf(format, args...)
	}
}

// startID is the id just before since, or the stream's start.
func startID(since time.Time) string {
	if since.IsZero() {
		return "0-0"
	}
	return strconv.FormatInt(max(since.UnixMilli()-1, 0), 10) + "-" + strconv.FormatUint(^uint64(0), 10)
}

// readLive is a blocking read through go-redis, which knows to wait longer
// than its read timeout for a BLOCK.
func (t *Tailer) readLive(ctx context.Context, keys []string, kinds map[string]Kind, last map[string]string) ([]batch, error) {
	args := make([]string, 0, 2*len(keys))
	args = append(args, keys...)
	for _, k := range keys {
		args = append(args, last[k])
	}
	streams, err := t.rdb.XRead(ctx, &redis.XReadArgs{Streams: args, Count: t.cfg.Count, Block: t.cfg.Block}).Result()
	batches := make([]batch, 0, len(streams))
	for _, s := range streams {
		b := batch{stream: s.Stream, read: len(s.Messages), entries: make([]geo.Event, 0, len(s.Messages))}
		for _, m := range s.Messages {
			b.last = m.ID
			e, err := decodeEntry(kinds[s.Stream], m)
			if err != nil {
				b.skipped = append(b.skipped, logLine{"stream: skip %s %s: %v", []any{s.Stream, m.ID, err}})
				continue
			}
			b.entries = append(b.entries, e)
		}
		batches = append(batches, b)
	}
	return batches, err
}

// decodeEntry decodes an entry of a stream of kind k as an event.
func decodeEntry(k Kind, m redis.XMessage) (geo.Event, error) {
	e := geo.Event{ID: m.ID, Ingested: idTime(m.ID)}
	var err error
	switch k {
	case Incidents:
		e.Kind = geo.KindIncident
		e.Incident, err = DecodeIncident(m.Values)
	case Positions:
		e.Kind = geo.KindPosition
		e.Position, err = DecodePosition(m.Values)
	case Commands:
		e.Kind = geo.KindCommand
		e.Command, err = DecodeCommand(m.Values)
	default:
		err = fmt.Errorf("stream: unknown kind %q", k)
	}
	return e, err
}

// A live read that brought fewer than coalesceBelow entries is followed by a
// pause of coalesceWait before the next: a few milliseconds against a tick of
// hundreds.
const (
	coalesceBelow = 100
	coalesceWait  = 3 * time.Millisecond
)

// idTime is the millisecond time part of a stream entry id.
func idTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseInt(ms, 10, 64)
	return time.UnixMilli(n).UTC()
}

// backoff waits 100 ms, doubling up to 5 s, between failed reads so a Redis that
// is down is not hammered.
type backoff struct{ d time.Duration }

func newBackoff() *backoff { return &backoff{d: 100 * time.Millisecond} }

func (b *backoff) reset() { b.d = 100 * time.Millisecond }

func (b *backoff) wait(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(b.d):
	}
	b.d = min(2*b.d, 5*time.Second)
}
