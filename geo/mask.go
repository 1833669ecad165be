package geo

import (
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/paulmach/orb"
)

// Kinds of masked area a profile's mask.geojson may hold.
const (
	MaskWater = "water" // a lake, a river, the sea
	MaskNoGo  = "no-go" // land nobody patrols and no incident is reported from: an airfield, a closed base
)

// A MaskArea is one area of a profile's mask: inside the city's outline, but
// not a place where incidents happen or patrols go.
//
// The outline of a city is its administrative boundary, which takes in its
// lakes and its share of rivers (Suzhou's holds most of Lake Tai). Nothing in
// the outline says which part is water, so a simulator that draws points
// inside it puts incidents and patrol cars on the lake. The mask says so.
// Real feeds are not held to it: a boat's collision on the lake is a real
// incident, so ingest still takes any point inside the outline.
type MaskArea struct {
	Kind    string // MaskWater or MaskNoGo
	Name    string
	Polygon orb.MultiPolygon
	region  *Region
}

// Contains reports whether pt lies inside the area.
func (m *MaskArea) Contains(pt orb.Point) bool { return m.region.Contains(pt) }

// readMask reads the profile's optional mask.geojson: one feature per area,
// a Polygon or MultiPolygon with the property `kind` (water or no-go) and,
// for people, `name`. A profile without the file has no mask.
func readMask(fsys fs.FS, name string) ([]MaskArea, error) {
	file := path.Join(name, "mask.geojson")
	features, err := readFeatures(fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	areas := make([]MaskArea, 0, len(features))
	for i, f := range features {
		a := MaskArea{Kind: f.Properties.MustString("kind", ""), Name: f.Properties.MustString("name", ""), Polygon: multi(f.Geometry)}
		if a.Kind != MaskWater && a.Kind != MaskNoGo {
			return nil, fmt.Errorf("geo: profile %s: feature %d: kind %q: want %q or %q", file, i, a.Kind, MaskWater, MaskNoGo)
		}
		if len(a.Polygon) == 0 {
			return nil, fmt.Errorf("geo: profile %s: feature %d: not a Polygon or MultiPolygon", file, i)
		}
		a.region = NewRegion(a.Polygon)
		areas = append(areas, a)
	}
	return areas, nil
}

// MaskAt returns the area of the profile's mask holding pt, or nil when pt
// is open ground (or the profile has no mask).
func (p *Profile) MaskAt(pt orb.Point) *MaskArea {
	for i := range p.Mask {
		if a := &p.Mask[i]; a.Contains(pt) {
			return a
		}
	}
	return nil
}

// Open reports whether pt is inside the city's outline and outside its mask:
// a place where an incident can happen and a patrol can stand.
func (p *Profile) Open(pt orb.Point) bool { return p.Contains(pt) && p.MaskAt(pt) == nil }
