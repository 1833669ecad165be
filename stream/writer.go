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

// ErrUnavailable wraps every failure to reach Redis while writing: the caller
// must treat the whole batch as not acknowledged (and may retry it: retries are
// deduplicated).
var ErrUnavailable = errors.New("stream: redis unavailable")

// appendScript marks events seen and appends them to one stream, skipping the
// ones seen before. KEYS: the stream, then one marker per event. ARGV: marker
// TTL in seconds, MINID for time-based trimming, the number of ARGV items per
// event, then each event's field/value pairs. It returns, per event, the entry
// id or false for a duplicate.
//
// One call carries many events of one shard: the script's fixed cost (about as
// much as the XADD itself) is paid once per call, not once per event, and the
// stream and its markers share a hash tag, so the call touches one slot and is
// atomic: every event is either stored and marked, or neither. Approximate
// trimming (MINID ~) costs about a third of exact trimming.
var appendScript = redis.NewScript(`
local ttl, minid, per = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
local a = 4
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ttl) then
    out[i - 1] = redis.call('XADD', KEYS[1], 'MINID', '~', minid, '*', unpack(ARGV, a, a + per - 1))
  else
    out[i - 1] = false
  end
  a = a + per
end
return out
`)

// A Writer appends events to the streams, many per round trip.
// It is safe for concurrent use.
type Writer struct {
	rdb    redis.UniversalClient
	layout Layout
	now    func() time.Time
}

// NewWriter returns a writer for the given layout. now may be nil (time.Now);
// it sets the trimming horizon, not the entry ids, which Redis assigns.
func NewWriter(rdb redis.UniversalClient, layout Layout, now func() time.Time) *Writer {
	if now == nil {
		now = time.Now
	}
	return &Writer{rdb: rdb, layout: layout.withDefaults(), now: now}
}

// Result says what became of one event of a batch: Stored with its entry id, or
// a duplicate of an event stored before.
type Result struct {
	ID        string // the stream entry id; empty for a duplicate
	Duplicate bool
}

// Add appends events (incidents and positions), each deduplicated by its
// source's key: an incident by its id, a position by its unit and event time.
// It returns one Result per event, in order, or an error wrapping
// ErrUnavailable if Redis could not be reached; then some events may be
// stored, none are acknowledged, and a retry of the same batch stores the rest
// and counts the others as duplicates.
func (w *Writer) Add(ctx context.Context, events []geo.Event) ([]Result, error) {
	items := make([]pending, len(events))
	for i := range events {
		kind, cell, dedupe, fields, err := stored(&events[i])
		if err != nil {
			return nil, err
		}
		shard := w.layout.Shard(cell)
		items[i] = pending{
			seen:   w.layout.Seen(kind, shard, dedupe),
			stream: w.layout.Stream(kind, shard),
			fields: fields,
		}
	}
	return w.add(ctx, items)
}

// stored is how an event is kept: its stream's kind, the cell that picks its
// shard, its dedupe key and its fields.
func stored(e *geo.Event) (k Kind, cell geo.Cell, dedupe string, fields []string, err error) {
	switch e.Kind {
	case geo.KindIncident:
		return Incidents, e.Incident.Cell, e.Incident.ID, IncidentFields(&e.Incident), nil
	case geo.KindPosition:
		p := &e.Position
		return Positions, p.Cell, p.Unit + "\x00" + strconv.FormatInt(p.Time.UnixMilli(), 10), PositionFields(p), nil
	}
	return "", 0, "", nil, fmt.Errorf("stream: a %s is not stored by Writer.Add", e.Kind)
}

type pending struct {
	seen, stream string
	fields       []string
}

// maxPerCall bounds the events of one script call, so no call holds Redis
// (which runs a script to the end before anything else) for long.
const maxPerCall = 200

// maxPipeline bounds the events of one round trip, so a huge batch does not
// hold a connection for long or build a giant reply.
const maxPipeline = 2000

func (w *Writer) add(ctx context.Context, items []pending) ([]Result, error) {
	results := make([]Result, len(items))
	for start := 0; start < len(items); start += maxPipeline {
		end := min(start+maxPipeline, len(items))
		if err := w.addChunk(ctx, items[start:end], results[start:end]); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// call is one script call: events of one stream, by their index in the chunk.
type call struct {
	stream string
	index  []int
}

// addChunk stores items in one round trip: the items are grouped by stream,
// each group in calls of at most maxPerCall, all pipelined.
func (w *Writer) addChunk(ctx context.Context, items []pending, results []Result) error {
	var calls []*call
	open := map[string]*call{}
	for i, it := range items {
		c := open[it.stream]
		if c == nil || len(c.index) == maxPerCall {
			c = &call{stream: it.stream}
			open[it.stream] = c
			calls = append(calls, c)
		}
		c.index = append(c.index, i)
	}
	now := w.now()
	ttl := strconv.Itoa(int(w.layout.Retention / time.Second))
	minID := strconv.FormatInt(now.Add(-w.layout.Retention).UnixMilli(), 10) + "-0"
	run := func() ([]*redis.Cmd, error) {
		pipe := w.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(calls))
		for ci, c := range calls {
			keys := make([]string, 0, 1+len(c.index))
			keys = append(keys, c.stream)
			per := len(items[c.index[0]].fields)
			args := make([]any, 0, 3+per*len(c.index))
			args = append(args, ttl, minID, per)
			for _, i := range c.index {
				keys = append(keys, items[i].seen)
				for _, f := range items[i].fields {
					args = append(args, f)
				}
			}
			cmds[ci] = appendScript.EvalSha(ctx, pipe, keys, args...)
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := run()
	if err != nil && isNoScript(err) {
		// A restarted or fresh Redis lost the script cache. Loading it and running
		// the chunk again is safe: the markers make the retry idempotent.
		if lerr := appendScript.Load(ctx, w.rdb).Err(); lerr != nil {
			return fmt.Errorf("%w: %v", ErrUnavailable, lerr)
		}
		cmds, err = run()
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	for ci, cmd := range cmds {
		ids, err := cmd.Slice()
		if err != nil || len(ids) != len(calls[ci].index) {
			return fmt.Errorf("%w: unexpected script reply %v (%v)", ErrUnavailable, ids, err)
		}
		for k, i := range calls[ci].index {
			if id, ok := ids[k].(string); ok {
				results[i].ID = id
			} else {
				results[i].Duplicate = true
			}
		}
	}
	return nil
}

func isNoScript(err error) bool { return strings.HasPrefix(err.Error(), "NOSCRIPT") }
