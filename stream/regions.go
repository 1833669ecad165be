package stream

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// RegionLayers keeps the region levels people uploaded (PUT
// /api/v1/regions/{level}), as they sent them, so every node applies the same
// ones and a restart keeps them: <prefix>:regions:layers (level → GeoJSON) and
// <prefix>:regions:version (bumped by every upload), written together.
type RegionLayers struct {
	rdb          redis.UniversalClient
	layers, vers string
}

// NewRegionLayers returns the uploaded layers of a layout.
func NewRegionLayers(rdb redis.UniversalClient, l Layout) *RegionLayers {
	p := l.withDefaults().Prefix
	return &RegionLayers{rdb: rdb, layers: p + ":regions:layers", vers: p + ":regions:version"}
}

// Put stores a level's upload and returns the new version. Errors wrap
// ErrUnavailable.
func (s *RegionLayers) Put(ctx context.Context, level string, geojson []byte) (int64, error) {
	var ver *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.layers, level, geojson)
		ver = p.Incr(ctx, s.vers)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("%w: regions: %v", ErrUnavailable, err)
	}
	return ver.Val(), nil
}

// Version is the version of the uploads (0: none ever).
func (s *RegionLayers) Version(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, s.vers).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("%w: regions: %v", ErrUnavailable, err)
	}
	return v, nil
}

// All returns every uploaded level and the version they make up.
func (s *RegionLayers) All(ctx context.Context) (map[string][]byte, int64, error) {
	var all *redis.MapStringStringCmd
	var ver *redis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		all = p.HGetAll(ctx, s.layers)
		ver = p.Get(ctx, s.vers)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("%w: regions: %v", ErrUnavailable, err)
	}
	out := map[string][]byte{}
	for k, v := range all.Val() {
		out[k] = []byte(v)
	}
	v, _ := ver.Int64()
	return out, v, nil
}
