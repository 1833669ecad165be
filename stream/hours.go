package stream

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// HourStore keeps the briefing's archive of hours (briefing.Hours): one
// string an hour, the briefing package's encoding, kept HourTTL. Every node
// folds the same streams, so every write is one any node may make, and
// making it twice changes nothing.
//
// Key (see docs/ARCHITECTURE.md, "Redis key layout"):
//
//	<prefix>:{briefing}:hour:<hours since 1970 UTC>   string, expires after HourTTL
type HourStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// HourTTL is how long an hour is kept: a year and a month, so a briefing
// may compare with the same period a year before.
const HourTTL = 400 * 24 * time.Hour

// NewHourStore returns the store of layout l.
func NewHourStore(rdb redis.UniversalClient, l Layout) *HourStore {
	return &HourStore{rdb: rdb, prefix: l.withDefaults().Prefix}
}

// HourKey is the key of hour n.
func (s *HourStore) HourKey(n int64) string {
	return s.prefix + ":{briefing}:hour:" + strconv.FormatInt(n, 10)
}

// SaveHours stores hours, by number. Errors wrap ErrUnavailable.
func (s *HourStore) SaveHours(ctx context.Context, hours map[int64][]byte) error {
	if len(hours) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for n, b := range hours {
			p.Set(ctx, s.HourKey(n), b, HourTTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// Hours reads hours by number; an hour not stored is absent. Errors wrap
// ErrUnavailable.
func (s *HourStore) Hours(ctx context.Context, hours []int64) (map[int64][]byte, error) {
	out := map[int64][]byte{}
	if len(hours) == 0 {
		return out, nil
	}
	keys := make([]string, len(hours))
	for i, n := range hours {
		keys[i] = s.HourKey(n)
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[hours[i]] = []byte(str)
		}
	}
	return out, nil
}
