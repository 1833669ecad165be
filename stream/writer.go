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

// appendScript marks an event seen and appends it, or does nothing if it was
// seen before. KEYS: marker, stream. ARGV: marker TTL in seconds, MINID for
// time-based trimming, then the entry's fields. It returns the entry id, or
// false for a duplicate. Approximate trimming (MINID ~) costs about a third of
// exact trimming.
var appendScript = redis.NewScript(`
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return false
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

// AddIncidents appends incidents, deduplicated by their id. It returns one Result
// per incident, in order, or an error wrapping ErrUnavailable if Redis could not
// be reached; then some incidents may be stored, none are acknowledged, and a
// retry of the same batch stores the rest and counts the others as duplicates.
func (w *Writer) AddIncidents(ctx context.Context, ins []geo.Incident) ([]Result, error) {
	items := make([]pending, len(ins))
	for i := range ins {
		in := &ins[i]
		shard := w.layout.Shard(in.Cell)
		items[i] = pending{
			seen:   w.layout.Seen(Incidents, shard, in.ID),
			stream: w.layout.Stream(Incidents, shard),
			fields: IncidentFields(in),
		}
	}
	return w.add(ctx, items)
}

// AddPositions appends positions, deduplicated by unit and event time.
func (w *Writer) AddPositions(ctx context.Context, ps []geo.Position) ([]Result, error) {
	items := make([]pending, len(ps))
	for i := range ps {
		p := &ps[i]
		shard := w.layout.Shard(p.Cell)
		items[i] = pending{
			seen:   w.layout.Seen(Positions, shard, p.Unit+"\x00"+strconv.FormatInt(p.Time.UnixMilli(), 10)),
			stream: w.layout.Stream(Positions, shard),
			fields: PositionFields(p),
		}
	}
	return w.add(ctx, items)
}

type pending struct {
	seen, stream string
	fields       []string
}

// maxPipeline bounds one round trip so a huge batch does not hold a connection
// for long or build a giant reply.
const maxPipeline = 1000

func (w *Writer) add(ctx context.Context, items []pending) ([]Result, error) {
	results := make([]Result, 0, len(items))
	for start := 0; start < len(items); start += maxPipeline {
		end := min(start+maxPipeline, len(items))
		rs, err := w.addChunk(ctx, items[start:end])
		if err != nil {
			return nil, err
		}
		results = append(results, rs...)
	}
	return results, nil
}

func (w *Writer) addChunk(ctx context.Context, items []pending) ([]Result, error) {
	now := w.now()
	ttl := strconv.Itoa(int(w.layout.Retention / time.Second))
	minID := strconv.FormatInt(now.Add(-w.layout.Retention).UnixMilli(), 10) + "-0"
	run := func() ([]*redis.Cmd, error) {
		pipe := w.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(items))
		for i, it := range items {
			args := make([]any, 0, 2+len(it.fields))
			args = append(args, ttl, minID)
			for _, f := range it.fields {
				args = append(args, f)
			}
			cmds[i] = appendScript.EvalSha(ctx, pipe, []string{it.seen, it.stream}, args...)
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := run()
	if err != nil && isNoScript(err) {
		// A restarted or fresh Redis lost the script cache. Loading it and running
		// the chunk again is safe: the markers make the retry idempotent.
		if lerr := appendScript.Load(ctx, w.rdb).Err(); lerr != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, lerr)
		}
		cmds, err = run()
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	results := make([]Result, len(items))
	for i, cmd := range cmds {
		id, err := cmd.Text()
		switch {
		case errors.Is(err, redis.Nil):
			results[i].Duplicate = true
		case err != nil:
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		default:
			results[i].ID = id
		}
	}
	return results, nil
}

func isNoScript(err error) bool { return strings.HasPrefix(err.Error(), "NOSCRIPT") }
