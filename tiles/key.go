package tiles

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb/maptile"
)

// MaxZoom is the deepest zoom served.
const MaxZoom = 22

// The layers a Handler serves.
const (
	LayerRegions = "regions"
	LayerH3      = "h3"
)

// ErrBadTile is returned for a path that is not a valid {layer}/{z}/{x}/{y}.pbf.
var ErrBadTile = errors.New("tiles: bad tile")

// ErrNoLayer is returned for a layer the handler does not serve.
var ErrNoLayer = errors.New("tiles: no such layer")

// A Key names one tile of one layer.
type Key struct {
	Layer   string
	Z, X, Y uint32
}

// String is the key as a path: "regions/12/3425/1664".
func (k Key) String() string { return fmt.Sprintf("%s/%d/%d/%d", k.Layer, k.Z, k.X, k.Y) }

// Tile is the key's map tile.
func (k Key) Tile() maptile.Tile { return maptile.New(k.X, k.Y, maptile.Zoom(k.Z)) }

// ParseKey parses the end of a request path, ".../{layer}/{z}/{x}/{y}.pbf".
// Errors wrap ErrBadTile (a malformed or out-of-range z/x/y) or ErrNoLayer.
func ParseKey(path string) (Key, error) {
	parts := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(parts) < 4 {
		return Key{}, fmt.Errorf("%w: want /tiles/{layer}/{z}/{x}/{y}.pbf", ErrBadTile)
	}
	parts = parts[len(parts)-4:]
	ys, ok := strings.CutSuffix(parts[3], ".pbf")
	if !ok {
		return Key{}, fmt.Errorf("%w: %q: want a .pbf file", ErrBadTile, parts[3])
	}
	num := func(name, s string, limit uint64) (uint32, error) {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || len(s) > 10 {
			return 0, fmt.Errorf("%w: %s %q is not a whole number", ErrBadTile, name, s)
		}
		if n >= limit {
			return 0, fmt.Errorf("%w: %s %d out of range [0, %d)", ErrBadTile, name, n, limit)
		}
		return uint32(n), nil
	}
	var k Key
	var err error
	if k.Z, err = num("z", parts[1], MaxZoom+1); err != nil {
		return Key{}, err
	}
	if k.X, err = num("x", parts[2], 1<<k.Z); err != nil {
		return Key{}, err
	}
	if k.Y, err = num("y", ys, 1<<k.Z); err != nil {
		return Key{}, err
	}
	k.Layer = parts[0]
	if k.Layer != LayerRegions && k.Layer != LayerH3 {
		return Key{}, fmt.Errorf("%w: %q (use %s or %s)", ErrNoLayer, k.Layer, LayerRegions, LayerH3)
	}
	return k, nil
}
