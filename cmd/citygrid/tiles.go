package main

import (
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/tiles"
)

// newTiles returns the handler of GET /tiles/{layer}/{z}/{x}/{y}.pbf, drawing
// from whatever hierarchy the store holds at each request (a replaced level
// shows at once: the cache is keyed by the hierarchy's version).
func newTiles(store *geo.RegionStore, profile *geo.Profile) *tiles.Handler {
	return tiles.New(tiles.Config{Regions: store.Load, Bound: profile.Bound})
}
