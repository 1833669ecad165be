// Package tiles serves region boundaries and H3 grid outlines as Mapbox Vector
// Tiles (gzip) for the wall's map: GET /tiles/{layer}/{z}/{x}/{y}.pbf.
//
// Layers:
//   - regions: the boundaries of the regions at the levels that suit the zoom
//     (see LevelsAt), each with properties level, code, name, parent and
//     generated.
//   - h3: the outlines of the H3 cells over the city at the resolution that
//     suits the zoom (see ResAt), each with properties cell (hex) and res.
//
// A Handler validates z/x/y before any work (400), draws tiles from the
// current geo.Regions, simplifies them by zoom (Douglas-Peucker at one tile
// pixel), keeps a bounded LRU of encoded tiles keyed by tile and regions
// version, and answers If-None-Match with 304. A tile of an empty area is an
// empty tile (200), not an error.
package tiles
