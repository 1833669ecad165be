package wire

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/paulmach/orb"
)

// A Query is a heat-and-units topic as a client asks for it, over REST
// (GET /api/v1/heat?res=8&window=1h&category=…&minSeverity=…&bbox=…) and over
// the websocket (subscribe's res, window, category, minSeverity, bbox).
// Values are as the client spelled them; an empty one takes its default.
type Query struct {
	Res         string    // 7, 8 or 9; "" means 8
	Window      string    // 15m, 1h or 24h; "" means 1h
	Category    string    // at most 64 bytes; "" keeps every category
	MinSeverity string    // 1 to 4; "" keeps every severity
	BBox        []float64 // minLng, minLat, maxLng, maxLat; nil means the whole city
}

// A Topic is a parsed Query: the heat view, and the viewport (nil for the
// whole city).
type Topic struct {
	View heat.ViewKey
	BBox *orb.Bound
}

// DefaultRes is the resolution a query that names none gets.
const DefaultRes = 8

// MaxCategory is the longest category a query may name, in bytes.
const MaxCategory = 64

// Parse checks the query; an error is a *geo.FieldError naming the field.
func (q Query) Parse() (Topic, error) {
	t := Topic{View: heat.ViewKey{Res: DefaultRes}}
	if q.Res != "" {
		n, err := strconv.Atoi(q.Res)
		if err != nil || !slices.Contains(geo.HeatResolutions, n) {
			return t, &geo.FieldError{Field: "res", Reason: fmt.Sprintf("must be one of %v", geo.HeatResolutions)}
		}
		t.View.Res = n
	}
	w, err := geo.ParseWindow(q.Window)
	if err != nil {
		return t, err
	}
	t.View.Window = w.Name
	if len(q.Category) > MaxCategory {
		return t, &geo.FieldError{Field: "category", Reason: fmt.Sprintf("longer than %d bytes", MaxCategory)}
	}
	t.View.Filter.Category = q.Category
	if q.MinSeverity != "" {
		n, err := strconv.Atoi(q.MinSeverity)
		if err != nil || n < 1 || n > 4 {
			return t, &geo.FieldError{Field: "minSeverity", Reason: "must be between 1 and 4"}
		}
		t.View.Filter.MinSeverity = n
	}
	if q.BBox != nil {
		b, err := ParseBBox(q.BBox)
		if err != nil {
			return t, err
		}
		t.BBox = &b
	}
	t.View = t.View.Normal()
	return t, nil
}

// ParseBBox reads [minLng, minLat, maxLng, maxLat].
func ParseBBox(v []float64) (orb.Bound, error) {
	if len(v) != 4 {
		return orb.Bound{}, &geo.FieldError{Field: "bbox", Reason: "must be [minLng, minLat, maxLng, maxLat]"}
	}
	b := orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	switch {
	case slices.ContainsFunc(v, func(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }):
		return b, &geo.FieldError{Field: "bbox", Reason: "must be four finite numbers"}
	case v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90:
		return b, &geo.FieldError{Field: "bbox", Reason: "outside lng -180..180, lat -90..90"}
	case v[0] > v[2] || v[1] > v[3]:
		return b, &geo.FieldError{Field: "bbox", Reason: "min must not exceed max"}
	}
	return b, nil
}

// SplitBBox reads a bbox as a query string spells it: "minLng,minLat,maxLng,maxLat".
func SplitBBox(s string) ([]float64, error) {
	parts := strings.Split(s, ",")
	v := make([]float64, 0, len(parts))
	for _, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, &geo.FieldError{Field: "bbox", Reason: "must be minLng,minLat,maxLng,maxLat"}
		}
		v = append(v, f)
	}
	return v, nil
}
