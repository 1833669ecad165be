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
	in.Regions = rc
	fs := stream.IncidentFields(&in)
	if fs[len(fs)-2] != "reg" {
		t.Fatalf("reg must be the last field (fixed order, appended): %v", fs)
	}
	got, err := stream.DecodeIncident(fieldMap(fs))
	if err != nil || got.Regions != rc {
		t.Fatalf("incident regions = %+v, %v; want %+v", got.Regions, err, rc)
	}
	p := geo.Position{Unit: "u", Lat: 31.3, Lng: 120.6, Time: in.Time, Cell: in.Cell, Regions: geo.RegionCodes{District: "320508"}}
	gp, err := stream.DecodePosition(fieldMap(stream.PositionFields(&p)))
	if err != nil || gp.Regions != p.Regions {
		t.Fatalf("position regions = %+v, %v; want %+v", gp.Regions, err, p.Regions)
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
