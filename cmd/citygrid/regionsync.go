package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/stream"
)

// regionSync keeps the uploaded region levels the same on every node and
// across restarts: an upload is kept in Redis before the node that took it
// applies it (api.LayerKeeper), and every node applies what Redis keeps, at
// start and whenever its version moves.
type regionSync struct {
	layers  *stream.RegionLayers
	regions *geo.RegionStore
	applied atomic.Int64 // the version of the uploads this node has applied
}

// Keep stores an upload.
func (r *regionSync) Keep(ctx context.Context, level geo.Level, geojson []byte) (int64, error) {
	return r.layers.Put(ctx, level.String(), geojson)
}

// Applied records that this node applied version v itself: only when it
// follows the version it had, or an upload of another node in between would
// be skipped.
func (r *regionSync) Applied(v int64) { r.applied.CompareAndSwap(v-1, v) }

// Run applies the kept uploads once the generated levels are ready, then
// every interval when they changed, until ctx ends.
func (r *regionSync) Run(ctx context.Context, every time.Duration, logf func(string, ...any)) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if r.regions.Loaded() {
			r.sync(ctx, logf)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// sync applies every kept level, coarsest first, when their version is not
// the one applied. A Redis that cannot be reached is tried again next time.
func (r *regionSync) sync(ctx context.Context, logf func(string, ...any)) {
	v, err := r.layers.Version(ctx)
	if err != nil || v <= r.applied.Load() {
		return
	}
	all, v, err := r.layers.All(ctx)
	if err != nil {
		return
	}
	for _, lv := range geo.Levels[1:] {
		body, ok := all[lv.String()]
		if !ok {
			continue
		}
		layer, err := geo.ParseLayer(lv, body)
		if err == nil {
			_, err = r.regions.Replace(layer)
		}
		if err != nil {
			logf("regions: the uploaded %s level no longer applies: %v", lv, err)
		}
	}
	r.applied.Store(v)
	logf("regions: applied the uploaded levels (version %d)", v)
}
