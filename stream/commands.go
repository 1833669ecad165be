package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/redis/go-redis/v9"
)

// Commands is the kind of the one stream of operators' and rules' commands:
// alerts opened, acknowledged and resolved, dispatches assigned, cleared and
// cancelled. It is not sharded: commands are few, and one stream gives every
// node the same order.
const Commands Kind = "commands"

// CommandFields encodes a command as stream fields.
func CommandFields(c *geo.Command) []string {
	return []string{
		"v", codecVersion,
		"type", c.Type,
		"t", strconv.FormatInt(c.At.UnixMilli(), 10),
		"by", c.By,
		"d", string(c.Data),
	}
}

// DecodeCommand reads a command back from stream fields.
func DecodeCommand(f map[string]any) (geo.Command, error) {
	d := fieldReader{f: f}
	d.version()
	c := geo.Command{Type: d.str("type"), By: d.str("by"), Data: json.RawMessage(d.str("d"))}
	c.At = time.UnixMilli(d.int("t")).UTC()
	if c.Type == "" {
		d.fail("type", "empty")
	}
	return c, d.err
}

// CommandStream is the key of the commands stream.
func (l Layout) CommandStream() string { return l.withDefaults().Prefix + ":{ops}:commands" }

// Claims is the key of one set of claims (geo.Claim.Set), a hash: "open" maps
// each condition-and-place key to its open alert, "busy" each unit to its
// active dispatch. The hashes and the commands stream share a hash tag, so one
// script updates both atomically.
func (l Layout) Claims(set string) string { return l.withDefaults().Prefix + ":{ops}:" + set }

// commandScript appends a command if its claim allows it, and updates the claim,
// in one atomic step: so of two nodes proposing the same alert, or two
// dispatchers sending the same unit, exactly one succeeds. KEYS: the stream,
// the claims hash. ARGV: mode, field, id, MAXLEN, then the field/value pairs.
// It returns {1, entry id} or {0, the id holding the field or ""}.
var commandScript = redis.NewScript(`
local mode, field, id = ARGV[1], ARGV[2], ARGV[3]
local cur = redis.call('HGET', KEYS[2], field)
if mode == 'claim' then
  if cur then return {0, cur} end
  redis.call('HSET', KEYS[2], field, id)
else
  if cur ~= id then return {0, cur or ''} end
  if mode == 'release' then redis.call('HDEL', KEYS[2], field) end
end
return {1, redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', unpack(ARGV, 5))}
`)

// maxCommands bounds the commands stream. It is trimmed by length, never by
// age: an alert or a dispatch may stay open for days, and a node rebuilding must
// still see it opened. Half a million commands are years of a city's alerts.
const maxCommands = 500_000

// A Commander appends commands under their claims.
type Commander struct {
	rdb    redis.UniversalClient
	layout Layout
}

// NewCommander returns a commander for the layout.
func NewCommander(rdb redis.UniversalClient, l Layout) *Commander {
	return &Commander{rdb: rdb, layout: l.withDefaults()}
}

// Append appends c if its claim allows it (see geo.ClaimMode). It returns the
// entry id, or ok false and the owner holding the field (empty if none) when
// the claim refused. Errors wrap ErrUnavailable.
func (cm *Commander) Append(ctx context.Context, claim geo.Claim, c *geo.Command) (entryID string, ok bool, holder string, err error) {
	args := []any{string(claim.Mode), claim.Field, claim.Owner, maxCommands}
	for _, f := range CommandFields(c) {
		args = append(args, f)
	}
	keys := []string{cm.layout.CommandStream(), cm.layout.Claims(claim.Set)}
	res, err := commandScript.Run(ctx, cm.rdb, keys, args...).Slice()
	if err != nil {
		return "", false, "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if len(res) != 2 {
		return "", false, "", fmt.Errorf("%w: unexpected script reply %v", ErrUnavailable, res)
	}
	s, _ := res[1].(string)
	if n, _ := res[0].(int64); n == 1 {
		return s, true, "", nil
	}
	return "", false, s, nil
}

// orphansScript frees the claims whose command is gone from the stream: the
// stream is trimmed by length, so after half a million commands an alert or
// dispatch still open would keep its claim with nothing left to say so. Ids
// carry their creation time by the proposing node's clock ("a-<ms>-<hex>"), so
// a claim made a day before the stream's first entry is one whose command was
// trimmed (the day is a margin for clocks that disagree with Redis's); newer
// claims are never touched, whatever a node has folded. KEYS: the stream, the
// claims hash. Returns the number freed.
var orphansScript = redis.NewScript(`
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
local since = 0
if #first > 0 then since = tonumber(string.match(first[1][1], '^(%d+)')) - 86400000 end
local claims = redis.call('HGETALL', KEYS[2])
local n = 0
for i = 1, #claims, 2 do
  local ms = tonumber(string.match(claims[i + 1], '^%a+%-(%d+)%-'))
  if ms == nil or ms < since or #first == 0 then
    redis.call('HDEL', KEYS[2], claims[i])
    n = n + 1
  end
end
return n
`)

// ReleaseOrphans frees the claims of the named set whose commands the stream
// no longer holds (see orphansScript), and returns how many.
func (cm *Commander) ReleaseOrphans(ctx context.Context, set string) (int, error) {
	n, err := orphansScript.Run(ctx, cm.rdb, []string{cm.layout.CommandStream(), cm.layout.Claims(set)}).Int()
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return n, nil
}
