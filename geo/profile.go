package geo

import (
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// A Profile is one city: its outline, its districts and where the map opens.
// A city is configuration and data, not code: a profile is a directory holding
// outline.geojson (one Polygon or MultiPolygon feature) and districts.geojson
// (one feature per district, properties `name` and the division code as the
// feature id or property `code`); optionally mask.geojson, the water and
// no-go areas inside the outline (see MaskArea), and profile.json, the
// language the city reads and its road names (see Lang).
//
// A Profile is immutable once loaded and safe for concurrent use.
type Profile struct {
	Name      string
	Outline   orb.MultiPolygon
	Bound     orb.Bound
	Districts []District
	// Mask holds the areas inside the outline where nothing happens on the
	// ground (lakes, rivers, no-go land); empty when the profile has no
	// mask.geojson.
	Mask []MaskArea
	// Lang is the language the city's people read (a BCP 47 tag, "zh-CN"),
	// from profile.json: generated text (the simulator's incident titles and
	// addresses) is written in it. Empty when the profile does not say.
	Lang string
	// Roads are road names of the city, from profile.json, for generated
	// addresses; none when the profile lists none.
	Roads []string
	// Basemap is a vector tile URL ({z}/{x}/{y}, Protomaps basemap schema)
	// on the city's own tile server, from profile.json; empty for none.
	Basemap string
	outline *Region
}

// A District is one district or county-level city of a profile.
type District struct {
	Code    string
	Name    string
	Polygon orb.MultiPolygon
	Bound   orb.Bound
	region  *Region
}

// LoadProfile reads the profile called name from the directory name in fsys.
func LoadProfile(fsys fs.FS, name string) (*Profile, error) {
	outline, err := readFeatures(fsys, path.Join(name, "outline.geojson"))
	if err != nil {
		return nil, err
	}
	p := &Profile{Name: name}
	for _, f := range outline {
		p.Outline = append(p.Outline, multi(f.Geometry)...)
	}
	if len(p.Outline) == 0 {
		return nil, fmt.Errorf("geo: profile %s: outline has no polygon", name)
	}
	p.Bound = p.Outline.Bound()
	p.outline = NewRegion(p.Outline)

	districts, err := readFeatures(fsys, path.Join(name, "districts.geojson"))
	if err != nil {
		return nil, err
	}
	for _, f := range districts {
		d := District{Name: f.Properties.MustString("name", ""), Polygon: multi(f.Geometry)}
		d.Code = f.Properties.MustString("code", fmt.Sprint(f.ID))
		d.Bound = d.Polygon.Bound()
		d.region = NewRegion(d.Polygon)
		p.Districts = append(p.Districts, d)
	}
	sort.Slice(p.Districts, func(i, j int) bool { return p.Districts[i].Code < p.Districts[j].Code })
	if p.Mask, err = readMask(fsys, name); err != nil {
		return nil, err
	}
	if err := readSettings(fsys, name, p); err != nil {
		return nil, err
	}
	return p, nil
}

func readFeatures(fsys fs.FS, file string) ([]*geojson.Feature, error) {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("geo: profile: %w", err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		return nil, fmt.Errorf("geo: profile %s: %w", file, err)
	}
	return fc.Features, nil
}

func multi(g orb.Geometry) orb.MultiPolygon {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

// Contains reports whether p lies inside the city's outline.
func (p *Profile) Contains(pt orb.Point) bool {
	return p.outline.Contains(pt)
}

// Center is the middle of the city's bounding box, where maps open.
func (p *Profile) Center() orb.Point { return p.Bound.Center() }

// DistrictAt returns the district containing pt, or nil.
func (p *Profile) DistrictAt(pt orb.Point) *District {
	for i := range p.Districts {
		d := &p.Districts[i]
		if d.Contains(pt) {
			return d
		}
	}
	return nil
}

// Contains reports whether pt lies inside the district.
func (d *District) Contains(pt orb.Point) bool { return d.region.Contains(pt) }

// Shards returns the cells at res that can hold an event of this city, sorted.
// Every point inside the outline has its parent at res in this set: the outline is
// covered at a resolution finer than res, one ring of neighbours is added so cells
// whose centres fall just outside still count, and their parents are taken.
func (p *Profile) Shards(res int) []Cell {
	fine := res + 3
	if fine > FineRes {
		fine = FineRes
	}
	set := map[Cell]bool{}
	for _, poly := range p.Outline {
		cover := CoverPolygon(poly, fine)
		// A polygon thinner than a cell has no cell centre inside it.
		for _, pt := range poly[0] {
			cover = append(cover, CellOf(pt, fine))
		}
		for _, c := range cover {
			for _, n := range c.Disk(1) {
				set[n.Parent(res)] = true
			}
		}
	}
	out := make([]Cell, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
