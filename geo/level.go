package geo

import "fmt"

// A Level is one rung of the grid-governance hierarchy: city → district →
// street (or town) → community (or village) → grid. Every figure on the wall
// belongs to a region at one level.
type Level int

// The levels, coarsest first.
const (
	LevelCity Level = iota
	LevelDistrict
	LevelStreet
	LevelCommunity
	LevelGrid
	numLevels
)

var levelNames = [numLevels]string{"city", "district", "street", "community", "grid"}

// Levels lists every level, coarsest first.
var Levels = []Level{LevelCity, LevelDistrict, LevelStreet, LevelCommunity, LevelGrid}

// String is the level's name as the API and the tiles spell it.
func (l Level) String() string {
	if l < 0 || l >= numLevels {
		return fmt.Sprintf("level(%d)", int(l))
	}
	return levelNames[l]
}

// ParseLevel returns the level called name ("district", "street", …).
func ParseLevel(name string) (Level, error) {
	for i, n := range levelNames {
		if n == name {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("geo: unknown level %q (use city, district, street, community or grid)", name)
}

// RegionCodes are the codes of the regions holding one point, one per level
// below the city; a code is empty where no region of that level holds it.
// They are stored with every event at ingest, so folds and queries need no
// geometry.
type RegionCodes struct {
	District  string `json:"district,omitempty"`
	Street    string `json:"street,omitempty"`
	Community string `json:"community,omitempty"`
	Grid      string `json:"grid,omitempty"`
}

// At returns the code at level l ("" for the city and unknown levels).
func (rc RegionCodes) At(l Level) string {
	switch l {
	case LevelDistrict:
		return rc.District
	case LevelStreet:
		return rc.Street
	case LevelCommunity:
		return rc.Community
	case LevelGrid:
		return rc.Grid
	}
	return ""
}

func (rc *RegionCodes) set(l Level, code string) {
	switch l {
	case LevelDistrict:
		rc.District = code
	case LevelStreet:
		rc.Street = code
	case LevelCommunity:
		rc.Community = code
	case LevelGrid:
		rc.Grid = code
	}
}

// IsZero reports whether no level has a code.
func (rc RegionCodes) IsZero() bool { return rc == RegionCodes{} }

// ParseRegionLevel returns the level of regions called name: district,
// street, community or grid (the city is not a level of regions). The error
// is the one every endpoint and the websocket give.
func ParseRegionLevel(name string) (Level, error) {
	l, err := ParseLevel(name)
	if err != nil || l == LevelCity {
		return 0, &FieldError{Field: "level", Reason: "must be district, street, community or grid"}
	}
	return l, nil
}
