// Package pmtilestest builds small PMTiles v3 archives for tests: one vector
// tile at zoom 0 holding the Protomaps basemap layers a test needs. It writes
// the format from its specification (a 127-byte header, a root directory of
// varints, JSON metadata, the tile), uncompressed, which readers accept.
package pmtilestest

import (
	"encoding/binary"
	"encoding/json"
	"io"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// Extent is the tile's grid: finer than MVT's usual 4,096, so a city's lakes
// keep their shape in the one world-sized tile.
const Extent = 1 << 20

// Suzhou is a base map of Suzhou's rough shape: land, Lake Tai and Jinji
// Lake, one road and one place name.
func Suzhou() map[string]*geojson.FeatureCollection {
	fc := func(fs ...*geojson.Feature) *geojson.FeatureCollection {
		c := geojson.NewFeatureCollection()
		c.Features = fs
		return c
	}
	box := func(x0, y0, x1, y1 float64) orb.Polygon {
		return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
	}
	taihu := geojson.NewFeature(orb.Polygon{{{119.95, 30.95}, {120.35, 30.95}, {120.45, 31.25}, {120.20, 31.50}, {119.95, 31.30}, {119.95, 30.95}}})
	taihu.Properties["kind"], taihu.Properties["name"] = "lake", "太湖"
	jinji := geojson.NewFeature(box(120.66, 31.30, 120.72, 31.34))
	jinji.Properties["kind"], jinji.Properties["name"] = "lake", "金鸡湖"
	road := geojson.NewFeature(orb.LineString{{120.40, 31.30}, {120.90, 31.30}})
	road.Properties["kind"], road.Properties["name"] = "major_road", "干将路"
	city := geojson.NewFeature(orb.Point{120.62, 31.30})
	city.Properties["kind"], city.Properties["name"] = "locality", "苏州"
	return map[string]*geojson.FeatureCollection{
		"earth":  fc(geojson.NewFeature(box(119.5, 30.5, 121.6, 32.2))),
		"water":  fc(taihu, jinji),
		"roads":  fc(road),
		"places": fc(city),
	}
}

// Write writes an archive of one tile at zoom 0 holding layers.
func Write(w io.Writer, layers map[string]*geojson.FeatureCollection) error {
	ls := mvt.NewLayers(layers)
	for _, l := range ls {
		l.Extent = Extent
	}
	ls.ProjectToTile(maptile.New(0, 0, 0))
	tile, err := mvt.Marshal(ls)
	if err != nil {
		return err
	}
	names := make([]map[string]any, 0, len(layers))
	for name := range layers {
		names = append(names, map[string]any{"id": name, "fields": map[string]string{}})
	}
	meta, err := json.Marshal(map[string]any{"name": "citygrid test basemap", "vector_layers": names})
	if err != nil {
		return err
	}
	// The root directory: one entry, tile 0, run 1, its length, at offset 0.
	var dir []byte
	for _, v := range []uint64{1, 0, 1, uint64(len(tile)), 0 + 1} {
		dir = binary.AppendUvarint(dir, v)
	}
	const headerLen = 127
	h := make([]byte, headerLen)
	copy(h, "PMTiles")
	h[7] = 3
	le := binary.LittleEndian
	rootOff := uint64(headerLen)
	metaOff := rootOff + uint64(len(dir))
	dataOff := metaOff + uint64(len(meta))
	le.PutUint64(h[8:], rootOff)
	le.PutUint64(h[16:], uint64(len(dir)))
	le.PutUint64(h[24:], metaOff)
	le.PutUint64(h[32:], uint64(len(meta)))
	le.PutUint64(h[40:], dataOff) // no leaf directories
	le.PutUint64(h[48:], 0)
	le.PutUint64(h[56:], dataOff)
	le.PutUint64(h[64:], uint64(len(tile)))
	le.PutUint64(h[72:], 1) // addressed tiles
	le.PutUint64(h[80:], 1) // tile entries
	le.PutUint64(h[88:], 1) // tile contents
	h[96] = 1               // clustered
	h[97] = 1               // internal compression: none
	h[98] = 1               // tile compression: none
	h[99] = 1               // tile type: MVT
	h[100], h[101] = 0, 0   // min and max zoom
	e7 := func(off int, deg float64) { le.PutUint32(h[off:], uint32(int32(deg*1e7))) }
	e7(102, 119.5)
	e7(106, 30.5)
	e7(110, 121.6)
	e7(114, 32.2)
	h[118] = 0
	e7(119, 120.62)
	e7(123, 31.30)
	for _, b := range [][]byte{h, dir, meta, tile} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}
