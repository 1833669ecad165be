package stream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrHistoryLost is returned by Epoch.Run when Redis was found to have lost
// its data: the live state was folded from events that are no longer there,
// and must be rebuilt from what is.
var ErrHistoryLost = errors.New("stream: Redis has lost its data")

// An Epoch notices a Redis that lost its data: one without persistence that
// was restarted, or flushed. Every node keeps the value of one key written
// when the data began; a node that finds the key gone (or changed) knows the
// streams, the dedupe tags and the commands it folded are gone or partly gone,
// though Redis answers as if nothing happened. It cannot bring them back: it
// records when the loss was noticed (<prefix>:epoch:lost, kept for the
// streams' retention, so every node, and every node started later, says so
// until the gap has left the history) and ends Run with ErrHistoryLost, for
// the node to rebuild its live state from what Redis holds.
type Epoch struct {
	rdb       redis.UniversalClient
	key, lost string
	keepLost  time.Duration

	mu    sync.Mutex
	mine  string    // the epoch this node's state was read from
	since time.Time // when the loss was noticed; zero if never
}

// NewEpoch returns the epoch of a layout (<prefix>:epoch).
func NewEpoch(rdb redis.UniversalClient, l Layout) *Epoch {
	l = l.withDefaults()
	return &Epoch{rdb: rdb, key: l.Prefix + ":epoch", lost: l.Prefix + ":epoch:lost", keepLost: l.Retention}
}

// Lost reports when the loss of data was noticed, if it was and the gap is
// still within the streams' retention.
func (e *Epoch) Lost() (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.since, !e.since.IsZero()
}

// Check compares Redis's epoch with this node's, marking the data lost when
// they differ; the first successful call learns it (writing a new epoch in an
// empty Redis) and whether a loss was recorded before. A Redis that cannot be
// reached proves nothing: the error is returned, nothing is marked.
func (e *Epoch) Check(ctx context.Context, now time.Time) (lost bool, err error) {
	fresh := make([]byte, 8)
	_, _ = rand.Read(fresh)
	var prev, recorded *redis.StringCmd
	// The epoch there is, or ours if there was none.
	_, err = e.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SetNX(ctx, e.key, hex.EncodeToString(fresh), 0)
		prev = p.Get(ctx, e.key)
		recorded = p.Get(ctx, e.lost)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, err
	}
	if prev.Err() != nil {
		return false, prev.Err()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.since = time.Time{}
	if ms, err := strconv.ParseInt(recorded.Val(), 10, 64); err == nil {
		e.since = time.UnixMilli(ms) // until it has left the retention
	}
	switch {
	case e.mine == "":
		e.mine = prev.Val()
	case prev.Val() != e.mine:
		e.mine = prev.Val() // from now on, the data there is what there is
		e.since = now
		// Every node that notices records it; their times differ by a check.
		if err := e.rdb.Set(ctx, e.lost, strconv.FormatInt(now.UnixMilli(), 10), e.keepLost).Err(); err != nil {
			return true, err
		}
		return true, nil
	}
	return false, nil
}

// Run checks every interval until ctx ends, or until it finds the data lost:
// then it raises the alarm through logf and returns ErrHistoryLost.
func (e *Epoch) Run(ctx context.Context, every time.Duration, now func() time.Time, logf func(string, ...any)) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if lost, _ := e.Check(ctx, now()); lost { // unreachable: the tailer and writers say so
			logf("ALARM: Redis has lost its data (its epoch key %s changed): events, dedupe tags and commands before now may be gone, and ids sent again may be taken as new. Rebuilding the live state from what Redis holds; give Redis persistence (docs/OPERATIONS.md)", e.key)
			return ErrHistoryLost
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
