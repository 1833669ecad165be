package stream_test

import (
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/stream"
)

func fieldMap(fs []string) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(fs); i += 2 {
		m[fs[i]] = fs[i+1]
	}
	return m
}

func TestCodecCarriesRegions(t *testing.T) {
	rc := geo.RegionCodes{District: "320508", Street: "320508001", Community: "320508001001", Grid: "320508001001003"}
	in := incident("a", 31.3, 120.6, time.UnixMilli(1_700_000_000_000).UTC())
	in.Regions, in.By = rc, "feed-110"
	fs := stream.IncidentFields(&in)
	if n := len(fs); fs[n-8] != "reg" || fs[n-6] != "c8" || fs[n-4] != "c7" || fs[n-2] != "by" {
		t.Fatalf("reg, c8, c7 and by must be the last fields, in that order (fixed order, appended): %v", fs)
	}
	got, err := stream.DecodeIncident(fieldMap(fs))
	if err != nil || got.Regions != rc || got.By != "feed-110" {
		t.Fatalf("incident regions = %+v, by %q, %v; want %+v", got.Regions, got.By, err, rc)
	}
	p := geo.Position{Unit: "u", Lat: 31.3, Lng: 120.6, Time: in.Time, Cell: in.Cell, Regions: geo.RegionCodes{District: "320508"}, By: "car-7"}
	gp, err := stream.DecodePosition(fieldMap(stream.PositionFields(&p)))
	if err != nil || gp.Regions != p.Regions || gp.By != "car-7" {
		t.Fatalf("position regions = %+v, by %q, %v; want %+v", gp.Regions, gp.By, err, p.Regions)
	}
	// Entries from before "by" was kept decode, by nobody.
	m := fieldMap(fs)
	delete(m, "by")
	if got, err := stream.DecodeIncident(m); err != nil || got.By != "" || got.Regions != rc {
		t.Fatalf("an entry without by: %+v %v", got, err)
	}
}

// Entries written before the field existed decode, with no codes.
func TestCodecDecodesEntriesWithoutRegions(t *testing.T) {
	in := incident("a", 31.3, 120.6, time.UnixMilli(1_700_000_000_000).UTC())
	m := fieldMap(stream.IncidentFields(&in))
	delete(m, "reg")
	got, err := stream.DecodeIncident(m)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Regions.IsZero() || got.ID != "a" {
		t.Fatalf("got %+v", got)
	}
	m["reg"] = "320508,,,"
	if got, _ := stream.DecodeIncident(m); got.Regions != (geo.RegionCodes{District: "320508"}) {
		t.Fatalf("partial codes: got %+v", got.Regions)
	}
}

// Each heat resolution's cell is the one containing the point, and travels
// through the stream: written only where it is not the parent of the finer
// cell, read back exactly either way, for incidents and positions.
func TestCodecCarriesEveryResolutionsCell(t *testing.T) {
	var differs, parents int
	for i := 0; i < 2000 && (differs < 20 || parents < 20); i++ {
		lat, lng := 31.2+float64(i%50)*0.00137, 120.5+float64(i/50)*0.00191
		in := incident("a", lat, lng, time.UnixMilli(1_700_000_000_000).UTC())
		for _, res := range []int{7, 8, 9} {
			if in.Cells.At(res) != geo.CellOf([2]float64{lng, lat}, res) {
				t.Fatalf("(%v, %v): cell at res %d is %v, not the one containing the point", lat, lng, res, in.Cells.At(res))
			}
		}
		m := fieldMap(stream.IncidentFields(&in))
		if in.Cells.At(8) != in.Cell.Parent(8) {
			differs++
			if m["c8"] != in.Cells.At(8).String() {
				t.Fatalf("a res-8 cell that is not the parent is written as %q", m["c8"])
			}
		} else {
			parents++
			if m["c8"] != "" {
				t.Fatalf("a res-8 cell that is the parent is written (%q)", m["c8"])
			}
		}
		got, err := stream.DecodeIncident(m)
		if err != nil || got.Cells != in.Cells {
			t.Fatalf("(%v, %v): decoded %v (%v), want %v", lat, lng, got.Cells, err, in.Cells)
		}
		p := geo.Position{Unit: "u", Lat: lat, Lng: lng, Time: in.Time}
		p.Place()
		gp, err := stream.DecodePosition(fieldMap(stream.PositionFields(&p)))
		if err != nil || gp.Cells != p.Cells {
			t.Fatalf("position (%v, %v): decoded %v (%v), want %v", lat, lng, gp.Cells, err, p.Cells)
		}
	}
	if differs < 20 || parents < 20 {
		t.Fatalf("the sample holds %d points whose res-8 cell is not their res-9 cell's parent and %d whose is: too few of one", differs, parents)
	}
	bad := fieldMap(stream.IncidentFields(&geo.Incident{ID: "b", Cell: geo.CellOf([2]float64{120.6, 31.3}, 9)}))
	bad["c8"] = geo.CellOf([2]float64{120.6, 31.3}, 7).String()
	if _, err := stream.DecodeIncident(bad); err == nil {
		t.Fatal("a res-7 cell in c8 decoded")
	}
}

// Region chains in the national code layout travel in the short form (the
// level count and the deepest code, which Redis stores as an integer); any
// other chain in the long form; both, and entries written in the long form
// before the short one existed, read back exactly.
func TestCodecShortensPositionalRegionCodes(t *testing.T) {
	in := incident("a", 31.3, 120.6, time.UnixMilli(1_700_000_000_000).UTC())
	for _, c := range []struct {
		rc    geo.RegionCodes
		field string
	}{
		{geo.RegionCodes{District: "320508", Street: "320508001", Community: "320508001001", Grid: "320508001001003"}, "4320508001001003"},
		{geo.RegionCodes{District: "320508", Street: "320508012", Community: "320508012034"}, "3320508012034"},
		{geo.RegionCodes{District: "320508", Street: "320508001"}, "2320508001"},
		{geo.RegionCodes{District: "320508"}, "1320508"},
		// Not positional: the long form.
		{geo.RegionCodes{District: "320508", Grid: "320508001001003"}, "320508,,,320508001001003"},    // a gap
		{geo.RegionCodes{District: "320508", Street: "320509001"}, "320508,320509001,,"},              // not its parent's extension
		{geo.RegionCodes{District: "D1", Street: "D1S01"}, "D1,D1S01,,"},                              // not digits
		{geo.RegionCodes{District: "3205080", Street: "3205080001"}, "3205080,3205080001,,"},          // other lengths
		{geo.RegionCodes{Street: "320508001", Community: "320508001001"}, ",320508001,320508001001,"}, // no district
		{geo.RegionCodes{District: "320508", Street: "320508 01"}, "320508,320508 01,,"},              // a space
		{geo.RegionCodes{District: "320508", Street: "320508001", Grid: "320508001001003"}, "320508,320508001,,320508001001003"},
	} {
		in.Regions = c.rc
		fs := stream.IncidentFields(&in)
		m := fieldMap(fs)
		if m["reg"] != c.field {
			t.Errorf("%+v: reg %q, want %q", c.rc, m["reg"], c.field)
		}
		if got, err := stream.DecodeIncident(m); err != nil || got.Regions != c.rc {
			t.Errorf("%+v: read back %+v, %v", c.rc, got.Regions, err)
		}
		// The long form, as written before, still reads.
		m["reg"] = c.rc.District + "," + c.rc.Street + "," + c.rc.Community + "," + c.rc.Grid
		if got, err := stream.DecodeIncident(m); err != nil || got.Regions != c.rc {
			t.Errorf("%+v in the long form: read back %+v, %v", c.rc, got.Regions, err)
		}
	}
}
