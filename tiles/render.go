package tiles

import (
	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
)

// LevelsAt returns the region levels drawn at zoom z: the city up to 7,
// districts up to 13, streets 10–14, communities 12–16, grids from 14.
func LevelsAt(z uint32) []geo.Level {
	var out []geo.Level
	for _, r := range levelZooms {
		if z >= r.min && z <= r.max {
			out = append(out, r.level)
		}
	}
	return out
}

var levelZooms = []struct {
	level    geo.Level
	min, max uint32
}{
	{geo.LevelCity, 0, 7},
	{geo.LevelDistrict, 0, 13},
	{geo.LevelStreet, 10, 14},
	{geo.LevelCommunity, 12, 16},
	{geo.LevelGrid, 14, MaxZoom},
}

// ResAt returns the H3 resolution drawn at zoom z, or -1 below MinH3Zoom: 7 at
// 8–9, 8 at 10–11, 9 at 12–13, 10 at 14–15, 11 from 16 (cells of 10 to 40
// pixels across).
func ResAt(z uint32) int {
	if z < MinH3Zoom {
		return -1
	}
	return min(7+int(z-MinH3Zoom)/2, 11)
}

// MinH3Zoom is the lowest zoom with H3 outlines; coarser tiles are empty.
const MinH3Zoom = 8

// pad is how far past a tile features are kept, as a fraction of the tile:
// a little over the 64-pixel buffer of MapboxGLDefaultExtentBound.
const pad = 0.02

// render draws one tile of k's layer.
func render(k Key, regions *geo.Regions, city orb.Bound) ([]byte, error) {
	t := k.Tile()
	fc := geojson.NewFeatureCollection()
	b := t.Bound(pad)
	switch k.Layer {
	case LayerRegions:
		for _, lv := range LevelsAt(k.Z) {
			l := regions.Layer(lv)
			if l == nil {
				continue
			}
			for i := range l.Divisions {
				d := &l.Divisions[i]
				if !d.Bound.Intersects(b) {
					continue
				}
				f := geojson.NewFeature(d.Shape.Clone())
				f.Properties = geojson.Properties{
					"level": lv.String(), "code": d.Code, "name": d.Name,
					"parent": d.Parent, "generated": d.Generated,
				}
				fc.Append(f)
			}
		}
	case LayerH3:
		res := ResAt(k.Z)
		if res < 0 || !city.Intersects(b) {
			break
		}
		// Cells whose centres lie up to a cell outside the tile still reach in.
		edge := cellEdgeDeg(res)
		area := orb.Bound{
			Min: orb.Point{max(b.Min[0], city.Min[0]) - edge, max(b.Min[1], city.Min[1]) - edge},
			Max: orb.Point{min(b.Max[0], city.Max[0]) + edge, min(b.Max[1], city.Max[1]) + edge},
		}
		for _, c := range geo.CellsInBound(area, res) {
			f := geojson.NewFeature(orb.Polygon{c.Boundary()})
			f.Properties = geojson.Properties{"cell": c.String(), "res": res}
			fc.Append(f)
		}
	}
	layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{k.Layer: fc})
	layers.ProjectToTile(t)
	layers.Clip(mvt.MapboxGLDefaultExtentBound)
	layers.Simplify(simplify.DouglasPeucker(1))
	layers.RemoveEmpty(1, 1)
	for _, l := range layers {
		l.Version = 2 // orb writes 1 by default; the geometry follows spec v2 (orient)
		for _, f := range l.Features {
			f.Geometry = orient(f.Geometry)
		}
	}
	return mvt.MarshalGzipped(layers)
}

// cellEdgeDeg is a generous edge length of a cell at res, in degrees.
func cellEdgeDeg(res int) float64 {
	// H3's average edge is 1.28 km at res 7 and shrinks by √7 a resolution.
	km := 1.3
	for r := 7; r < res; r++ {
		km /= 2.6457
	}
	return 2 * km / 100
}

// orient turns rings the way the MVT spec wants them in tile coordinates
// (exterior rings clockwise on screen, holes the other way), which orb's
// encoder does not do and its decoder relies on to split polygons.
func orient(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Polygon:
		orientPolygon(g)
	case orb.MultiPolygon:
		for _, p := range g {
			orientPolygon(p)
		}
	}
	return g
}

func orientPolygon(p orb.Polygon) {
	for i, r := range p {
		want := orb.CW
		if i == 0 {
			want = orb.CCW
		}
		if o := r.Orientation(); o != 0 && o != want {
			r.Reverse()
		}
	}
}

// tileOf is the tile holding p at zoom z (for tests and benchmarks).
func tileOf(p orb.Point, z uint32) maptile.Tile { return maptile.At(p, maptile.Zoom(z)) }
