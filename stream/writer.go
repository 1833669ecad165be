package stream

import (
	"context"
	"crypto/sha256"
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

// appendScript appends events to one stream, skipping the ones seen before.
// KEYS: the stream, then the shard's seen base (Layout.SeenBase). ARGV: the
// current generation, the seconds its keys are kept (from now), MINID for
// time-based trimming, the number of fields, the field names, then per event
// its 8-byte tag followed by its values (every event of a stream has the same
// fields, so the names travel once per call). It returns, per event, the entry
// id or false for a duplicate.
//
// One call carries many events of one shard: the script's fixed cost (about as
// much as the XADD itself) is paid once per call, not once per event, and every
// key shares the stream's hash tag, so the call touches one slot and is atomic:
// every event is either stored and marked seen, or neither. The stream is
// trimmed once per call (XTRIM MINID ~, approximate: about a third of the cost
// of exact trimming); trimming in each XADD cost Redis about 5 µs an event.//
// Seen tags live in generations of the retention's length (a tag is looked
// up in its generation and the one before, so it is remembered at least one
// retention), each an extendible hash table: buckets are strings of tags
// (APPEND, found with a plain string search), split in two by the next bit
// of the tag when one reaches seenBucketCap tags, and a directory string
// holds, per prefix of the tag's first bits, the depth of its bucket. The
// table grows with the load, whatever it is, and a tag costs its 8 bytes
// and little more, where a key per event cost about 150.
var appendScript = redis.NewScript(`
local base, gen, ttl, minid, nf = KEYS[2], tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
-- the XADD's arguments: the id, then the field names (ARGV[5..]) each
-- followed by the event's value, filled in per event
local entry = {'*'}
for f = 1, nf do entry[2 * f] = ARGV[4 + f] end
local cap, maxdepth = ` + strconv.Itoa(seenBucketCap) + `, ` + strconv.Itoa(seenMaxDepth) + `

local function top32(tag)
  local a, b, c, d = string.byte(tag, 1, 4)
  return ((a * 256 + b) * 256 + c) * 256 + d
end
local function num(x) return string.format('%d', x) end

-- Each generation's directory, read once per call while small (a whole
-- directory up to 4 KiB, depth 12, is cheaper than a GETRANGE per event):
-- dirs[g] is the directory string, or false past that size; depths[g] its
-- depth, 0 without one.
local dirs, depths, empty = {}, {}, {}
local function depthOf(g)
  local d = depths[g]
  if d == nil then
    local dk = base .. ':' .. num(g)
    local n = redis.call('STRLEN', dk)
    d = 0
    while n > 1 do n = n / 2; d = d + 1 end
    depths[g] = d
    dirs[g] = d > 0 and d <= 12 and redis.call('GET', dk)
  end
  return d
end

-- the bucket of tag in generation g: its key, depth and prefix
local function bucketOf(g, tag)
  local h, d, ld = top32(tag), depthOf(g), 0
  if d > 0 then
    local slot = math.floor(h / 2 ^ (32 - d))
    if dirs[g] then
      ld = string.byte(dirs[g], slot + 1)
    else
      ld = string.byte(redis.call('GETRANGE', base .. ':' .. num(g), num(slot), num(slot)))
    end
  end
  local p = math.floor(h / 2 ^ (32 - ld))
  return base .. ':' .. num(g) .. ':' .. ld .. ':' .. num(p), ld, p
end

local function holds(s, tag)
  local i = 1
  while true do
    local j = string.find(s, tag, i, true)
    if not j then return false end
    if (j - 1) % 8 == 0 then return true end
    i = j + 1
  end
end

-- A generation with no directory and no first bucket holds nothing: the one
-- before the current is looked up only if it holds something.
local function isEmpty(g)
  if empty[g] == nil then
    empty[g] = depthOf(g) == 0 and redis.call('EXISTS', base .. ':' .. num(g) .. ':0:0') == 0
  end
  return empty[g]
end

local function seenIn(key, tag)
  local s = redis.call('GET', key)
  return s and holds(s, tag)
end

-- split the full bucket key (depth ld, prefix p, tags s) of generation g
local function split(g, key, ld, p, s)
  local dk, d = base .. ':' .. num(g), depthOf(g)
  if ld == d then
    local dir = redis.call('GET', dk) or string.char(0)
    dir = string.gsub(dir, '.', '%0%0')
    redis.call('SET', dk, dir, 'EX', ttl)
    d = d + 1
    depths[g] = d
  end
  dirs[g] = nil
  depths[g] = nil -- read again at the next lookup
  local lo, hi = {}, {}
  local byte, bit = math.floor(ld / 8) + 1, 2 ^ (7 - ld % 8)
  for k = 1, #s, 8 do
    local t = string.sub(s, k, k + 7)
    if math.floor(string.byte(t, byte) / bit) % 2 == 1 then hi[#hi + 1] = t else lo[#lo + 1] = t end
  end
  redis.call('DEL', key)
  local prefix = dk .. ':' .. (ld + 1) .. ':'
  if #lo > 0 then redis.call('SET', prefix .. num(2 * p), table.concat(lo), 'EX', ttl) end
  if #hi > 0 then redis.call('SET', prefix .. num(2 * p + 1), table.concat(hi), 'EX', ttl) end
  local span = 2 ^ (d - ld)
  redis.call('SETRANGE', dk, num(p * span), string.rep(string.char(ld + 1), span))
end

local out = {}
local a = 5 + nf
local i = 1
while a <= #ARGV do
  local tag = ARGV[a]
  local key, ld, p = bucketOf(gen, tag)
  if seenIn(key, tag) or not isEmpty(gen - 1) and seenIn((bucketOf(gen - 1, tag)), tag) then
    out[i] = false
  else
    empty[gen] = false
    local n = redis.call('APPEND', key, tag)
    if n == 8 then redis.call('EXPIRE', key, ttl) end
    if n >= cap * 8 and ld < maxdepth then split(gen, key, ld, p, redis.call('GET', key)) end
    for f = 1, nf do entry[2 * f + 1] = ARGV[a + f] end
    out[i] = redis.call('XADD', KEYS[1], unpack(entry))
  end
  a = a + 1 + nf
  i = i + 1
end
redis.call('XTRIM', KEYS[1], 'MINID', '~', minid)
return out
`)

// seenBucketCap is how many tags a bucket holds before it splits: a bucket
// is read whole at every lookup (about 1 KiB at most), and its key's own cost
// (about 90 bytes) is shared by its tags.
const seenBucketCap = 128

// seenMaxDepth bounds a directory at 2^24 slots (16 MiB); past it buckets
// grow instead of splitting (past two billion events in a generation).
const seenMaxDepth = 24

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
			tag:    seenTag(dedupe),
			seen:   w.layout.SeenBase(kind, shard),
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
	tag          string // seenTag of the dedupe id
	seen, stream string
	fields       []string
}

// seenTag is what the streams remember of a dedupe id: the first 8 bytes of
// its SHA-256. Two ids share a tag once in about 2^64 pairs; within a bucket
// the tags share their first bits, so the odds that a new event is taken for
// one of its bucket's hundred is about 2^-57 at depth 14: never, in practice.
func seenTag(id string) string {
	sum := sha256.Sum256([]byte(id))
	return string(sum[:8])
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
	gen, expireAt := w.layout.seenGeneration(now)
	genArg, ttlArg := strconv.FormatInt(gen, 10), strconv.FormatInt(expireAt-now.Unix(), 10)
	minID := strconv.FormatInt(now.Add(-w.layout.Retention).UnixMilli(), 10) + "-0"
	run := func() ([]*redis.Cmd, error) {
		pipe := w.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(calls))
		for ci, c := range calls {
			first := items[c.index[0]]
			nf := len(first.fields) / 2
			args := make([]any, 0, 4+nf+(1+nf)*len(c.index))
			args = append(args, genArg, ttlArg, minID, nf)
			for f := 0; f < nf; f++ {
				args = append(args, first.fields[2*f])
			}
			for _, i := range c.index {
				args = append(args, items[i].tag)
				for f := 0; f < nf; f++ {
					args = append(args, items[i].fields[2*f+1])
				}
			}
			keys := []string{first.stream, first.seen}
			cmds[ci] = appendScript.EvalSha(ctx, pipe, keys, args...)
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := run()
	if err != nil && isNoScript(err) {
		// A restarted or fresh Redis lost the script cache. Loading it and running
		// the chunk again is safe: the seen tags make the retry idempotent.
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
