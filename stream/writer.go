package stream

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
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
// time-based trimming (empty: no trimming in this call), the number of fields, the field names, then per event
// its 8-byte tag followed by its values (every event of a stream has the same
// fields, so the names travel once per call). It returns, per event, the entry
// id or false for a duplicate.
//
// One call carries many events of one shard: the script's fixed cost (about as
// much as the XADD itself) is paid once per call, not once per event, and every
// key shares the stream's hash tag, so the call touches one slot and is atomic:
// every event is either stored and marked seen, or neither. A writer trims a
// stream at most once a second (XTRIM MINID ~, approximate: about a third of
// the cost of exact trimming), in the call that finds it due; trimming in each
// XADD cost Redis about 5 µs an event.//
// Seen tags live in generations of the retention's length (a tag is looked
// up in its generation and the one before, so it is remembered at least one
// retention), each an extendible hash table: buckets are strings of tags
// (APPEND, found with a plain string search), split in two by the next bit
// of the tag when one reaches seenBucketCap tags, and a directory string
// holds, per value of the tag's low bits, the depth of its bucket. The
// table grows with the load, whatever it is, and a tag costs its 8 bytes
// and little more, where a key per event cost about 150.
var appendScript = newAppendScript(seenBucketCap, seenMaxDepth, seenCachedDepth)

// newAppendScript is appendScript with buckets of cap tags, directories of at
// most 2^maxDepth slots, read whole up to 2^cachedDepth.
func newAppendScript(cap, maxDepth, cachedDepth int) *redis.Script {
	return redis.NewScript(`
local call, byte, char, find, format, rep, sub = redis.call, string.byte, string.char, string.find, string.format, string.rep, string.sub
local floor, concat, unpack, pairs, tonumber = math.floor, table.concat, unpack, pairs, tonumber
local base, gen, ttl, minid, nf = KEYS[2], tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
-- the XADD's arguments: the id, then the field names (ARGV[5..]) each
-- followed by the event's value, filled in per event
local entry = {'*'}
for f = 1, nf do entry[2 * f] = ARGV[4 + f] end
local events = (#ARGV - 4 - nf) / (1 + nf)
local cap, maxdepth, cached = ` + strconv.Itoa(cap) + `, ` + strconv.Itoa(maxDepth) + `, ` + strconv.Itoa(cachedDepth) + `

-- h is a tag's last four bytes as a number: its low bits index the directory
-- and pick a bucket (the classic layout, so doubling a directory is
-- appending it to itself).
local function h32(tag)
  local a, b, c, d = byte(tag, 5, 8)
  return ((a * 256 + b) * 256 + c) * 256 + d
end
local function num(x) return format('%d', x) end

-- Each generation's directory, read once per call while small (up to
-- 2^cached slots) and the call has events enough to pay for it (a slot
-- read costs about as much as 64 bytes copied): cheaper than a GETRANGE per
-- event.
-- dirs[g] is the directory string, or false past that size; depths[g] its
-- depth. A generation holding tags has a directory (one byte at depth 0), so
-- one STRLEN tells an empty generation (sizes[g] 0) from the others.
local dirs, depths, sizes = {}, {}, {}
local function depthOf(g)
  local d = depths[g]
  if d == nil then
    local dk = base .. ':' .. num(g)
    local n = call('STRLEN', dk)
    sizes[g] = n
    d = 0
    while n > 1 do n = n / 2; d = d + 1 end
    depths[g] = d
    dirs[g] = d > 0 and d <= cached and 2 ^ d <= events * 64 and call('GET', dk)
  end
  return d
end

-- the bucket of tag in generation g: its key, depth and suffix (the low
-- bits of h)
local function bucketOf(g, tag)
  local h, d, ld = h32(tag), depthOf(g), 0
  if d > 0 then
    local slot = h % 2 ^ d
    if dirs[g] then
      ld = byte(dirs[g], slot + 1)
    else
      ld = byte(call('GETRANGE', base .. ':' .. num(g), num(slot), num(slot)))
    end
  end
  local p = h % 2 ^ ld
  return base .. ':' .. num(g) .. ':' .. ld .. ':' .. num(p), ld, p
end

local function holds(s, tag)
  local i = 1
  while true do
    local j = find(s, tag, i, true)
    if not j then return false end
    if (j - 1) % 8 == 0 then return true end
    i = j + 1
  end
end

local function isEmpty(g)
  depthOf(g)
  return sizes[g] == 0
end

local function seenIn(key, tag)
  local s = call('GET', key)
  return s and holds(s, tag)
end

-- split the full bucket key (depth ld, suffix p, tags s) of generation g in
-- two by the next bit of h, and again while a half is full (when all its tags
-- share that bit)
local function split(g, key, ld, p, s)
  local dk, d = base .. ':' .. num(g), depthOf(g)
  if ld == d then
    call('APPEND', dk, call('GET', dk))
    d = d + 1
  end
  -- every slot whose low ld bits are p now names a bucket one bit deeper
  local depth = char(ld + 1)
  for slot = p, 2 ^ d - 1, 2 ^ ld do
    call('SETRANGE', dk, num(slot), depth)
  end
  dirs[g] = nil
  depths[g] = nil -- read again at the next lookup
  local lo, hi = {}, {}
  local bit = 2 ^ ld
  for k = 1, #s, 8 do
    local t = sub(s, k, k + 7)
    if floor(h32(t) / bit) % 2 == 1 then hi[#hi + 1] = t else lo[#lo + 1] = t end
  end
  call('DEL', key)
  local prefix = dk .. ':' .. (ld + 1) .. ':'
  for half, tags in pairs({[p] = lo, [p + bit] = hi}) do
    if #tags > 0 then
      local child, all = prefix .. num(half), concat(tags)
      call('SET', child, all, 'EX', ttl)
      if #tags >= cap and ld + 1 < maxdepth then split(g, child, ld + 1, half, all) end
    end
  end
end

local out = {}
local a = 5 + nf
local i = 1
while a <= #ARGV do
  local tag = ARGV[a]
  local key, ld, p = bucketOf(gen, tag)
  if not isEmpty(gen) and seenIn(key, tag) or not isEmpty(gen - 1) and seenIn((bucketOf(gen - 1, tag)), tag) then
    out[i] = false
  else
    if sizes[gen] == 0 then
      call('SET', base .. ':' .. num(gen), char(0), 'EX', ttl)
      sizes[gen] = 1
    end
    local n = call('APPEND', key, tag)
    if n == 8 then call('EXPIRE', key, ttl) end
    if n >= cap * 8 and ld < maxdepth then split(gen, key, ld, p, call('GET', key)) end
    for f = 1, nf do entry[2 * f + 1] = ARGV[a + f] end
    out[i] = call('XADD', KEYS[1], unpack(entry))
  end
  a = a + 1 + nf
  i = i + 1
end
if minid ~= '' then call('XTRIM', KEYS[1], 'MINID', '~', minid) end
return out
`)
}

// seenBucketCap is how many tags a bucket holds before it splits: a bucket
// is read whole at every lookup (about 1 KiB at most), and its key's own cost
// (about 90 bytes) is shared by its tags.
const seenBucketCap = 128

// seenMaxDepth bounds a directory at 2^24 slots (16 MiB); past it buckets
// grow instead of splitting (past two billion events in a generation).
const seenMaxDepth = 24

// seenCachedDepth: a directory of up to 2^12 slots (4 KiB) is read whole once
// per call, cheaper than a GETRANGE per event; a larger one a byte at a time.
const seenCachedDepth = 12

// A Writer appends events to the streams, many per round trip.
// It is safe for concurrent use.
type Writer struct {
	rdb    redis.UniversalClient
	layout Layout
	now    func() time.Time
	script *redis.Script

	mu       sync.Mutex
	trimmed  map[string]time.Time // when each stream was last trimmed
	inFlight int                  // rounds being written
	waiting  []*waiter            // the Adds for the next round
}

// trimEvery is how often a writer trims a stream: the retention is days, so
// a second late costs nothing, and a trim per call cost as much as the
// dedupe.
const trimEvery = time.Second

// NewWriter returns a writer for the given layout. now may be nil (time.Now);
// it sets the trimming horizon, not the entry ids, which Redis assigns.
func NewWriter(rdb redis.UniversalClient, layout Layout, now func() time.Time) *Writer {
	if now == nil {
		now = time.Now
	}
	return &Writer{rdb: rdb, layout: layout.withDefaults(), now: now, script: appendScript, trimmed: map[string]time.Time{}}
}

// Result says what became of one event of a batch: Stored with its entry id, or
// a duplicate of an event stored before.
type Result struct {
	ID        string // the stream entry id; empty for a duplicate
	Duplicate bool
}

// Add appends events (incidents and positions), each deduplicated by its
// source's key: an incident by its source and id, a position by its unit and
// event time.
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
		return Incidents, e.Incident.Cell, incidentKey(&e.Incident), IncidentFields(&e.Incident), nil
	case geo.KindPosition:
		p := &e.Position
		return Positions, p.Cell, p.Unit + "\x00" + strconv.FormatInt(p.Time.UnixMilli(), 10), PositionFields(p), nil
	}
	return "", 0, "", nil, fmt.Errorf("stream: a %s is not stored by Writer.Add", e.Kind)
}

// incidentKey is what an incident is deduplicated by: its source and its id,
// so one source's ids cannot suppress another's. An incident without a
// source is known by its id alone, as every incident was before sources
// were bound to keys (a retry that spans the upgrade is still a duplicate).
func incidentKey(in *geo.Incident) string {
	if in.Source == "" {
		return in.ID
	}
	return in.Source + "\x00" + in.ID
}

type pending struct {
	tag          string // seenTag of the dedupe id
	seen, stream string
	fields       []string
}

// seenTag is what the streams remember of a dedupe id: the first 8 bytes of
// its SHA-256. Two ids share a tag once in about 2^64 pairs; within a bucket
// the tags share their low bits, so the odds that a new event is taken for
// one of its bucket's (at most 128, at depth 14) are about 2^7 × 2^-50 =
// 2^-43: once in ten trillion events, a century at 3,000 a second.
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

// Concurrent Adds are written together (group commit): while maxInFlight
// round trips are in flight, the Adds that arrive wait, and the first of them
// then writes them all in the next one as soon as one of those ends. An Add
// finding fewer in flight goes straight to Redis; under load, a crowd of
// feeds posting one event each costs a few round trips, not one each. Each
// Add is answered once its round is written, or fails with its round.

// A waiter is one Add's events, waiting for their round.
type waiter struct {
	items   []pending
	results []Result
	err     error
	done    chan struct{}  // closed once its round is written or failed
	lead    chan []*waiter // gets the round this Add's caller is to write
}

// maxInFlight is how many rounds may be in flight at once: as many as a
// handful of busy feeds keep going, so they do not wait for each other (one
// round at a time left Redis and citygrid waiting for each other: batched
// ingest fell by a fifth, and four in flight doubled the POST latency of the
// end-to-end load); past it, the crowd of small posts (every patrol car
// posting its own positions) shares rounds.
const maxInFlight = 8

// maxRound bounds the events of one round, so an Add behind a flood waits
// for at most a few round trips.
const maxRound = 2 * maxPipeline

func (w *Writer) add(ctx context.Context, items []pending) ([]Result, error) {
	me := &waiter{items: items, results: make([]Result, len(items)), done: make(chan struct{}), lead: make(chan []*waiter, 1)}
	w.mu.Lock()
	if w.inFlight < maxInFlight {
		w.inFlight++
		w.mu.Unlock()
		w.writeRound(ctx, []*waiter{me})
	} else {
		w.waiting = append(w.waiting, me)
		w.mu.Unlock()
		// Not abandoned when ctx ends: this Add may have to write the next
		// round, and a round ends within Redis's timeouts.
		select {
		case round := <-me.lead:
			w.writeRound(ctx, round)
		case <-me.done:
		}
	}
	if me.err != nil {
		return nil, me.err
	}
	return me.results, nil
}

// writeRound writes a round's events, answers its waiters and hands the next
// round, if any waits, to its first waiter. The round is written whatever
// becomes of the context of the Add that writes it: it is everyone's.
func (w *Writer) writeRound(ctx context.Context, round []*waiter) {
	ctx = context.WithoutCancel(ctx)
	var items []pending
	if len(round) == 1 {
		items = round[0].items
	} else {
		for _, a := range round {
			items = append(items, a.items...)
		}
	}
	results := make([]Result, len(items))
	var err error
	for start := 0; start < len(items) && err == nil; start += maxPipeline {
		end := min(start+maxPipeline, len(items))
		err = w.addChunk(ctx, items[start:end], results[start:end])
	}
	off := 0
	for _, a := range round {
		a.err = err
		copy(a.results, results[off:])
		off += len(a.items)
	}

	w.mu.Lock()
	n, events := 0, 0
	for n < len(w.waiting) && (n == 0 || events+len(w.waiting[n].items) <= maxRound) {
		events += len(w.waiting[n].items)
		n++
	}
	next := w.waiting[:n:n]
	w.waiting = w.waiting[n:]
	if n == 0 {
		w.inFlight--
	}
	w.mu.Unlock()
	if n > 0 {
		next[0].lead <- next
	}
	for _, a := range round {
		close(a.done)
	}
}

// dueForTrim says which calls trim their stream: the first call of each
// stream not trimmed in the last trimEvery.
func (w *Writer) dueForTrim(calls []*call, now time.Time) []bool {
	due := make([]bool, len(calls))
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, c := range calls {
		if last, ok := w.trimmed[c.stream]; !ok || now.Sub(last) >= trimEvery || now.Before(last) {
			w.trimmed[c.stream] = now
			due[i] = true
		}
	}
	return due
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
	trims := w.dueForTrim(calls, now)
	run := func() ([]*redis.Cmd, error) {
		pipe := w.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(calls))
		for ci, c := range calls {
			first := items[c.index[0]]
			nf := len(first.fields) / 2
			args := make([]any, 0, 4+nf+(1+nf)*len(c.index))
			trim := ""
			if trims[ci] {
				trim = minID
			}
			args = append(args, genArg, ttlArg, trim, nf)
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
			cmds[ci] = w.script.EvalSha(ctx, pipe, keys, args...)
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := run()
	if err != nil && isNoScript(err) {
		// A restarted or fresh Redis lost the script cache. Loading it and running
		// the chunk again is safe: the seen tags make the retry idempotent.
		if lerr := w.script.Load(ctx, w.rdb).Err(); lerr != nil {
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
