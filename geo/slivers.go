package geo

import "github.com/uber/h3-go/v4"

// A Sliver says how far the shapes of one level fail to nest in the level
// above: the area of its divisions outside the parent they name, and the area
// of parents that none of their own children covers. Figures still add up
// (Regions.AssignAt counts by the child and takes the parent from the chain);
// slivers say how much of the map the two levels disagree on.
type Sliver struct {
	Level            string  `json:"level"`
	Parent           string  `json:"parent"`
	OutsideParentKm2 float64 `json:"outsideParentKm2"`
	UncoveredKm2     float64 `json:"uncoveredKm2"`
}

// sliverRes is the resolution slivers are measured at near boundaries: cells
// of about 0.015 km².
const sliverRes = indexRes + 1

// Slivers measures how level nests in the level above. It samples the centres
// of the sliverRes cells of every indexRes cell a boundary of either level
// crosses, and the centre of every other indexRes cell of either level: an
// estimate, to the area of a cell or so. It is zero when either level is
// missing.
func (r *Regions) Slivers(level Level) Sliver {
	s := Sliver{Level: level.String()}
	if level <= LevelDistrict || level >= numLevels {
		return s
	}
	l, up := r.layers[level], r.layers[level-1]
	s.Parent = up.levelName(level - 1)
	if l == nil || up == nil || l.inside == nil || up.inside == nil {
		return s
	}
	// A cell's own area: cells differ from the average by a third and more
	// from place to place.
	areaOf := func(c Cell) float64 { return h3.CellAreaKm2(h3.Cell(c)) }
	sample := func(pt Cell, cell Cell, area float64) {
		p := pt.Center()
		child, parent := l.locate(p, cell), up.locate(p, cell)
		if child != nil && (parent == nil || parent.Code != child.Parent) {
			s.OutsideParentKm2 += area
		}
		if parent != nil && (child == nil || child.Parent != parent.Code) && len(l.children[parent.Code]) > 0 {
			s.UncoveredKm2 += area
		}
	}
	edges := map[Cell]bool{}
	for c := range l.edge {
		edges[c] = true
	}
	for c := range up.edge {
		edges[c] = true
	}
	for c := range edges {
		kids := c.Children(sliverRes)
		each := areaOf(c) / float64(len(kids))
		for _, f := range kids {
			sample(f, c, each)
		}
	}
	seen := map[Cell]bool{}
	for _, inside := range []map[Cell]int32{l.inside, up.inside} {
		for c := range inside {
			if !edges[c] && !seen[c] {
				seen[c] = true
				sample(c, c, areaOf(c))
			}
		}
	}
	return s
}

// levelName is the layer's level's name, or the level's when it is missing.
func (l *Layer) levelName(lv Level) string {
	if l != nil {
		return l.Level.String()
	}
	return lv.String()
}
