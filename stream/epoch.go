package stream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// An Epoch notices a Redis that lost its data: one without persistence that
// was restarted, or flushed. Every node keeps the value of one key written
// when the data began; a node that finds the key gone (or changed) knows the
// streams, the dedupe tags and the commands it folded are gone or partly gone,
// though Redis answers as if nothing happened. It cannot bring them back; it
// says so, loudly and in /readyz, so nobody trusts a history that is not there.
type Epoch struct {
	rdb redis.UniversalClient
	key string

	mu    sync.Mutex
	mine  string    // the epoch this node's state was read from
	since time.Time // when the loss was noticed; zero if never
}

// NewEpoch returns the epoch of a layout (<prefix>:epoch).
func NewEpoch(rdb redis.UniversalClient, l Layout) *Epoch {
	return &Epoch{rdb: rdb, key: l.withDefaults().Prefix + ":epoch"}
}

// Lost reports when the loss of data was noticed, if it was.
func (e *Epoch) Lost() (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.since, !e.since.IsZero()
}

// Check compares Redis's epoch with this node's, marking the data lost when
// they differ; the first successful call learns it (writing a new epoch in an
// empty Redis). A Redis that cannot be reached proves nothing: the error is
// returned, nothing is marked.
func (e *Epoch) Check(ctx context.Context, now time.Time) (lost bool, err error) {
	fresh := make([]byte, 8)
	_, _ = rand.Read(fresh)
	// The epoch there is, or ours if there was none.
	if err := e.rdb.SetNX(ctx, e.key, hex.EncodeToString(fresh), 0).Err(); err != nil {
		return false, err
	}
	prev, err := e.rdb.Get(ctx, e.key).Result()
	if err != nil {
		return false, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.mine == "":
		e.mine = prev
	case prev != e.mine:
		e.mine = prev // from now on, the data there is what there is
		if e.since.IsZero() {
			e.since = now
		}
		return true, nil
	}
	return false, nil
}

// Run checks every interval until ctx ends, reporting a loss (and, once, a
// failure to check) through logf.
func (e *Epoch) Run(ctx context.Context, every time.Duration, now func() time.Time, logf func(string, ...any)) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if lost, _ := e.Check(ctx, now()); lost { // unreachable: the tailer and writers say so
			logf("ALARM: Redis has lost its data (its epoch key %s changed): events, dedupe tags and commands before now may be gone, and ids sent again may be taken as new; the live state still counts what it folded before. Restart citygrid to rebuild from what Redis holds, and give Redis persistence (docs/OPERATIONS.md)", e.key)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
