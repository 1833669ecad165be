package stream

import (
	"context"
	"fmt"

	"github.com/citygrid/citygrid/geo"
	"github.com/redis/go-redis/v9"
)

// Cases is the key of the hash of case records (cases.Case as JSON, by id),
// and CaseVersions that of their versions. They share the commands stream's
// hash tag, so one script checks a version, stores the record and appends
// its command atomically.
func (l Layout) Cases() string { return l.withDefaults().Prefix + ":{ops}:cases" }

// CaseVersions is the key of the hash of case versions (see Cases).
func (l Layout) CaseVersions() string { return l.withDefaults().Prefix + ":{ops}:case-versions" }

// caseScript stores a case record over the version it was made from, and
// appends its command. KEYS: the commands stream, the versions, the records.
// ARGV: id, the version the change was made from (0: a new case), the new
// version, the record, MAXLEN, then the command's field/value pairs. It
// returns {1, entry id} or {0, the stored version}.
var caseScript = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if cur ~= tonumber(ARGV[2]) then return {0, tostring(cur)} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
return {1, redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', unpack(ARGV, 6))}
`)

// A CaseStore keeps case records (cases.Store): the latest record of each
// case in a hash, so a node starting again has every case whatever the
// length-trimmed commands stream still holds, and every change as a command
// on the stream, so every node folds it.
type CaseStore struct {
	rdb    redis.UniversalClient
	layout Layout
}

// NewCaseStore returns the case store of a layout.
func NewCaseStore(rdb redis.UniversalClient, l Layout) *CaseStore {
	return &CaseStore{rdb: rdb, layout: l.withDefaults()}
}

// Put stores record as version next of case id if the stored version is
// prev, and appends cmd. Errors wrap ErrUnavailable.
func (s *CaseStore) Put(ctx context.Context, id string, prev, next int, record []byte, cmd *geo.Command) (string, bool, int, error) {
	args := []any{id, prev, next, record, maxCommands}
	for _, f := range CommandFields(cmd) {
		args = append(args, f)
	}
	keys := []string{s.layout.CommandStream(), s.layout.CaseVersions(), s.layout.Cases()}
	res, err := caseScript.Run(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return "", false, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if len(res) != 2 {
		return "", false, 0, fmt.Errorf("%w: unexpected script reply %v", ErrUnavailable, res)
	}
	s1, _ := res[1].(string)
	if n, _ := res[0].(int64); n == 1 {
		return s1, true, next, nil
	}
	var cur int
	_, _ = fmt.Sscan(s1, &cur)
	return "", false, cur, nil
}

// Records returns every stored case record, read in pages.
func (s *CaseStore) Records(ctx context.Context) ([][]byte, error) {
	var out [][]byte
	var cursor uint64
	for {
		kv, next, err := s.rdb.HScan(ctx, s.layout.Cases(), cursor, "", 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		for i := 1; i < len(kv); i += 2 {
			out = append(out, []byte(kv[i]))
		}
		if cursor = next; cursor == 0 {
			return out, nil
		}
	}
}
