package geo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/btree"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// ErrLayerTooLarge is returned for a layer file over the size limit.
var ErrLayerTooLarge = errors.New("geo: layer file too large")

// MaxLayerBytes is the largest GeoJSON layer ParseLayer accepts (64 MB).
const MaxLayerBytes = 64 << 20

// A LayerError says what is wrong with an uploaded layer, and where: the index
// of the feature (-1 when the error is not about one feature) and the field.
type LayerError struct {
	Feature int
	Field   string // "geometry", "properties.code", …
	Reason  string
}

func (e *LayerError) Error() string {
	if e.Feature < 0 {
		return fmt.Sprintf("geo: layer: %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("geo: layer: feature %d: %s: %s", e.Feature, e.Field, e.Reason)
}

// ParseLayer reads a GeoJSON FeatureCollection as the layer of level and
// indexes it. Each feature is a Polygon or MultiPolygon with properties `code`
// (or the feature id), `name`, `parent` (the code at the level above; required
// below districts) and optionally `generated`. Rings must be closed, have at
// least four positions, valid coordinates and no self-intersection. Parents
// are checked against a hierarchy by Regions.With.
func ParseLayer(level Level, data []byte) (*Layer, error) {
	if len(data) > MaxLayerBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrLayerTooLarge, len(data), MaxLayerBytes)
	}
	if level <= LevelCity || level >= numLevels {
		return nil, &LayerError{Feature: -1, Field: "level", Reason: fmt.Sprintf("%s cannot be uploaded", level)}
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, &LayerError{Feature: -1, Field: "body", Reason: "not a GeoJSON FeatureCollection: " + err.Error()}
	}
	if len(fc.Features) == 0 {
		return nil, &LayerError{Feature: -1, Field: "features", Reason: "empty"}
	}
	divs := make([]Division, 0, len(fc.Features))
	seen := map[string]int{}
	for i, f := range fc.Features {
		d, err := divisionOf(i, f, level)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[d.Code]; dup {
			return nil, &LayerError{Feature: i, Field: "properties.code", Reason: fmt.Sprintf("%q is also the code of feature %d", d.Code, j)}
		}
		seen[d.Code] = i
		divs = append(divs, d)
	}
	return NewLayer(level, divs)
}

func divisionOf(i int, f *geojson.Feature, level Level) (Division, error) {
	bad := func(field, format string, args ...any) (Division, error) {
		return Division{}, &LayerError{Feature: i, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	var d Division
	switch code := f.Properties["code"].(type) {
	case string:
		d.Code = code
	case float64:
		d.Code = fmt.Sprint(int64(code))
	case nil:
		switch id := f.ID.(type) {
		case string:
			d.Code = id
		case float64:
			d.Code = fmt.Sprint(int64(id))
		}
	default:
		return bad("properties.code", "must be a string")
	}
	if d.Code == "" {
		return bad("properties.code", "missing (and no feature id)")
	}
	if len(d.Code) > 64 {
		return bad("properties.code", "longer than 64 bytes")
	}
	if !safeCode(d.Code) {
		return bad("properties.code", "%q: letters, digits, '.', '_' and '-' only (codes travel in URLs, keys and comma-joined with each event)", d.Code)
	}
	d.Name = f.Properties.MustString("name", d.Code)
	if len(d.Name) > 128 || !utf8.ValidString(d.Name) || strings.ContainsFunc(d.Name, HiddenRune) || strings.ContainsAny(d.Name, "<>") {
		return bad("properties.name", "at most 128 bytes of text, without control characters or markup")
	}
	switch p := f.Properties["parent"].(type) {
	case string:
		d.Parent = p
	case float64:
		d.Parent = fmt.Sprint(int64(p))
	}
	if d.Parent != "" && (len(d.Parent) > 64 || !safeCode(d.Parent)) {
		return bad("properties.parent", "%q is not a region code", clipText(d.Parent, 64))
	}
	if d.Parent == "" && level > LevelDistrict {
		return bad("properties.parent", "missing: a %s names its %s", level, level-1)
	}
	d.Generated = f.Properties.MustBool("generated", false)
	switch pop := f.Properties["population"].(type) {
	case nil:
	case float64:
		if pop < 0 || pop > 1e9 {
			return bad("properties.population", "must be a number of residents from 0 to 10^9")
		}
		d.Population = pop
	default:
		return bad("properties.population", "must be a number of residents")
	}
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		d.Shape = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		d.Shape = g
	case nil:
		return bad("geometry", "missing")
	default:
		return bad("geometry", "%s, want Polygon or MultiPolygon", g.GeoJSONType())
	}
	if len(d.Shape) == 0 {
		return bad("geometry", "no polygon")
	}
	for pi, p := range d.Shape {
		if len(p) == 0 {
			return bad("geometry", "polygon %d has no ring", pi)
		}
		for ri, ring := range p {
			if why := checkRing(ring); why != "" {
				return bad("geometry", "polygon %d ring %d: %s", pi, ri, why)
			}
		}
	}
	return d, nil
}

// safeCode reports whether a region code is one: ASCII letters, digits, '.',
// '_' and '-' (division codes are digits; generated ones too).
func safeCode(code string) bool {
	for _, r := range code {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// checkRing says what is wrong with a ring, or "".
func checkRing(r orb.Ring) string {
	if len(r) < 4 {
		return fmt.Sprintf("%d positions, a ring needs at least 4", len(r))
	}
	for i, p := range r {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
			return fmt.Sprintf("position %d: %v is not a longitude, latitude", i, p)
		}
	}
	if r[0] != r[len(r)-1] {
		return "not closed: the last position must equal the first"
	}
	if i, j, ok := selfIntersection(r); ok {
		return fmt.Sprintf("self-intersecting: edge %d crosses edge %d", i, j)
	}
	return ""
}

// selfIntersection finds two non-adjacent edges of a closed ring that cross.
// Repeated consecutive positions, common in real data, are not crossings.
//
// It sweeps a vertical line from west to east (Shamos and Hoey), keeping the
// edges the line cuts ordered from south to north: two edges that cross are
// neighbours in that order somewhere before their crossing, so each edge is
// compared only with its neighbours as it enters and leaves. That costs
// O(n log n) for any ring; comparing every edge with those whose longitudes
// overlap cost the square of the vertices for a zig-zag (an upload of a few
// megabytes held a core for hours).
func selfIntersection(ring orb.Ring) (int, int, bool) {
	r := make(orb.Ring, 0, len(ring))
	orig := make([]int, 0, len(ring)) // index in ring of each kept position
	for i, p := range ring {
		if len(r) == 0 || p != r[len(r)-1] {
			r = append(r, p)
			orig = append(orig, i)
		}
	}
	if len(r) < 4 {
		return 0, 0, false
	}
	n := len(r) - 1 // edges; r[n] == r[0]
	sw := sweep{edges: make([]sweepEdge, n)}
	events := make([]sweepEvent, 0, 2*n)
	for i := range n {
		a, b := r[i], r[i+1]
		if b[0] < a[0] || b[0] == a[0] && b[1] < a[1] {
			a, b = b, a
		}
		sw.edges[i] = sweepEdge{a: a, b: b, id: i}
		events = append(events, sweepEvent{p: a, enter: true, e: i}, sweepEvent{p: b, e: i})
	}
	// West to east, south to north; at one point, leaving edges go first.
	slices.SortFunc(events, func(x, y sweepEvent) int {
		switch {
		case x.p[0] != y.p[0]:
			return cmp.Compare(x.p[0], y.p[0])
		case x.p[1] != y.p[1]:
			return cmp.Compare(x.p[1], y.p[1])
		case x.enter != y.enter:
			if x.enter {
				return 1
			}
			return -1
		}
		return cmp.Compare(x.e, y.e)
	})
	cuts := btree.NewG(32, sw.less)
	crossing := func(i, j int) bool {
		if d := (i - j + n) % n; d == 1 || d == n-1 || i == j {
			return false // neighbours share a vertex
		}
		return segmentsCross(r[i], r[i+1], r[j], r[j+1])
	}
	for _, ev := range events {
		sw.at, sw.leaving = ev.p, !ev.enter
		e := &sw.edges[ev.e]
		below, above := sw.neighbours(cuts, e)
		if ev.enter {
			cuts.ReplaceOrInsert(e)
			for _, o := range []*sweepEdge{below, above} {
				if o != nil && crossing(e.id, o.id) {
					return orig[min(e.id, o.id)], orig[max(e.id, o.id)], true
				}
			}
			continue
		}
		cuts.Delete(e)
		if below != nil && above != nil && crossing(below.id, above.id) {
			return orig[min(below.id, above.id)], orig[max(below.id, above.id)], true
		}
	}
	return 0, 0, false
}

// sweep is the state of selfIntersection's sweep: the edges, and the event
// point the line stands at.
type sweep struct {
	edges   []sweepEdge
	at      orb.Point
	leaving bool // the event is an edge leaving: ties are ordered as just west of at
}

// A sweepEdge is an edge from its west end a to its east end b.
type sweepEdge struct {
	a, b orb.Point
	id   int
}

type sweepEvent struct {
	p     orb.Point
	enter bool
	e     int
}

// y is where the edge crosses the sweep line (a vertical edge: the event
// point, within the edge).
func (s *sweep) y(e *sweepEdge) float64 {
	if e.a[0] == e.b[0] {
		return min(max(s.at[1], e.a[1]), e.b[1])
	}
	return e.a[1] + (e.b[1]-e.a[1])*(s.at[0]-e.a[0])/(e.b[0]-e.a[0])
}

// slope is the edge's dy/dx (+Inf for a vertical edge).
func (e *sweepEdge) slope() float64 {
	if e.a[0] == e.b[0] {
		return math.Inf(1)
	}
	return (e.b[1] - e.a[1]) / (e.b[0] - e.a[0])
}

// less orders the edges the line cuts from south to north. Edges meeting at
// the line are ordered as they lie just east of it (the lower slope below),
// or, when an edge leaves there, just west of it (the higher slope below),
// which is the order they were kept in.
func (s *sweep) less(x, y *sweepEdge) bool {
	if x == y {
		return false
	}
	if yx, yy := s.y(x), s.y(y); yx != yy {
		return yx < yy
	}
	if sx, sy := x.slope(), y.slope(); sx != sy {
		return sx < sy != s.leaving
	}
	return x.id < y.id
}

// neighbours are the edges just below and just above e in the order.
func (s *sweep) neighbours(cuts *btree.BTreeG[*sweepEdge], e *sweepEdge) (below, above *sweepEdge) {
	cuts.DescendLessOrEqual(e, func(o *sweepEdge) bool {
		if o == e {
			return true
		}
		below = o
		return false
	})
	cuts.AscendGreaterOrEqual(e, func(o *sweepEdge) bool {
		if o == e {
			return true
		}
		above = o
		return false
	})
	return below, above
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// segmentsCross reports whether segments ab and cd cross: each has the other's
// ends strictly on opposite sides. Touching and collinear overlap (spikes and
// pinches, which published boundaries have) do not count.
func segmentsCross(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	return ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))
}
