package feed_test

import (
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/feed"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
	"github.com/paulmach/orb"
)

var now = time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)

func decoder(t testing.TB) *feed.Decoder {
	p, err := geo.LoadProfile(profiles.FS, "suzhou")
	if err != nil {
		t.Fatal(err)
	}
	return &feed.Decoder{Profile: p, Now: func() time.Time { return now }}
}

const good = `{"id":"a1","source":"110","category":"theft","severity":2,"lat":31.30,"lng":120.60,"time":"2026-11-25T07:59:00Z","title":"t","address":"a"}`

func TestIncidentsItemErrors(t *testing.T) {
	cases := []struct {
		name, item, want string
	}{
		{"lat 91", `{"id":"x","lat":91,"lng":120.6}`, "lat: must be between -90 and 90"},
		{"missing id", `{"lat":31.3,"lng":120.6}`, "id: required"},
		{"empty id", `{"id":"","lat":31.3,"lng":120.6}`, "id: required"},
		{"missing lat", `{"id":"x","lng":120.6}`, "lat: required"},
		{"lng as string", `{"id":"x","lat":31.3,"lng":"120.6"}`, "lng: must be a number"},
		{"severity 5", `{"id":"x","severity":5,"lat":31.3,"lng":120.6}`, "severity: must be between 1 and 4"},
		{"far future", `{"id":"x","lat":31.3,"lng":120.6,"time":"2026-11-25T09:00:00Z"}`, "time: more than 5m0s in the future"},
		{"not RFC 3339", `{"id":"x","lat":31.3,"lng":120.6,"time":"yesterday"}`, "time: must be RFC 3339"},
		{"outside Suzhou", `{"id":"x","lat":39.9,"lng":116.4}`, "outside the suzhou area"},
		{"long title", `{"id":"x","lat":31.3,"lng":120.6,"title":"` + strings.Repeat("x", 300) + `"}`, "title: longer than 256 bytes"},
		{"control char", `{"id":"x\u0001","lat":31.3,"lng":120.6}`, "id: contains control characters"},
		{"next line U+0085", `{"id":"x","lat":31.3,"lng":120.6,"title":"a\u0085b"}`, "title: contains control characters"},
		{"CSI U+009B", "{\"id\":\"x\",\"lat\":31.3,\"lng\":120.6,\"address\":\"a\u009b31m\"}", "address: contains control characters"},
		{"right-to-left override", "{\"id\":\"x\",\"lat\":31.3,\"lng\":120.6,\"title\":\"gpj.\u202eexe\"}", "title: contains control characters"},
		{"invalid UTF-8", "{\"id\":\"x\",\"lat\":31.3,\"lng\":120.6,\"title\":\"a\xffb\"}", "title: not valid UTF-8"},
		{"not an object", `[1,2]`, "must be a JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := "[" + good + "," + tc.item + "]"
			ok, idx, rej, err := decoder(t).Decode(geo.KindIncident, strings.NewReader(body), feed.JSON)
			if err != nil {
				t.Fatal(err)
			}
			if len(ok) != 1 || ok[0].Incident.ID != "a1" || idx[0] != 0 {
				t.Fatalf("good item lost: %+v", ok)
			}
			if len(rej) != 1 || rej[0].Index != 1 || !strings.Contains(rej[0].Error, tc.want) {
				t.Fatalf("rejected %+v, want index 1 with %q", rej, tc.want)
			}
		})
	}
}

func TestIncidentsFormats(t *testing.T) {
	geojson := `{"type":"FeatureCollection","features":[
	 {"type":"Feature","geometry":{"type":"Point","coordinates":[120.6,31.3]},"properties":{"id":"g1","severity":3}},
	 {"type":"Feature","geometry":{"type":"LineString","coordinates":[[120.6,31.3],[120.7,31.3]]},"properties":{"id":"g2"}}]}`
	cases := []struct {
		name   string
		f      feed.Format
		body   string
		ok     int
		reject []int
	}{
		{"object", feed.JSON, good, 1, nil},
		{"array", feed.JSON, "[" + good + "," + strings.Replace(good, "a1", "a2", 1) + "]", 2, nil},
		{"ndjson with a bad line", feed.NDJSON, good + "\n{not json\n\n" + strings.Replace(good, "a1", "a3", 1) + "\n", 2, []int{1}},
		{"geojson", feed.GeoJSON, geojson, 1, []int{1}},
		{"geojson sent as json", feed.JSON, geojson, 1, []int{1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, _, rej, err := decoder(t).Decode(geo.KindIncident, strings.NewReader(tc.body), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(ok) != tc.ok || len(rej) != len(tc.reject) {
				t.Fatalf("ok %d rejected %+v; want %d ok, rejected %v", len(ok), rej, tc.ok, tc.reject)
			}
			for i, r := range rej {
				if r.Index != tc.reject[i] {
					t.Errorf("rejected index %d, want %d", r.Index, tc.reject[i])
				}
			}
			for _, e := range ok {
				in := e.Incident
				if !in.Cell.Valid() || in.Cell.Res() != geo.FineRes {
					t.Errorf("%s: cell %v not set at res %d", in.ID, in.Cell, geo.FineRes)
				}
			}
		})
	}
}

func TestIncidentsDefaults(t *testing.T) {
	ok, _, _, err := decoder(t).Decode(geo.KindIncident, strings.NewReader(`{"id":"d","lat":31.3,"lng":120.6}`), feed.JSON)
	if err != nil || len(ok) != 1 {
		t.Fatal(err, ok)
	}
	if in := ok[0].Incident; in.Severity != 1 || in.Category != "other" || !in.Time.Equal(now) {
		t.Fatalf("defaults: %+v", in)
	}
	// GeoJSON puts [lng, lat]: check the point lands where it should.
	ok, _, _, _ = decoder(t).Decode(geo.KindIncident, strings.NewReader(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[120.6,31.3]},"properties":{"id":"g"}}]}`), feed.GeoJSON)
	if len(ok) != 1 || ok[0].Incident.Lat != 31.3 || ok[0].Incident.Lng != 120.6 {
		t.Fatalf("geojson coordinates: %+v", ok)
	}
}

func TestWholeBodyErrors(t *testing.T) {
	d := decoder(t)
	if _, err := feed.FormatOf("text/csv"); err == nil {
		t.Error("text/csv accepted")
	}
	for _, body := range []string{`{"id":`, `[{"id":"a"},`, ``, `42`} {
		if _, _, _, err := d.Decode(geo.KindIncident, strings.NewReader(body), feed.JSON); err == nil {
			t.Errorf("%q: no error", body)
		}
	}
	d.Limits.MaxItems = 2
	if _, _, _, err := d.Decode(geo.KindIncident, strings.NewReader(good+"\n"+good+"\n"+good), feed.NDJSON); err == nil {
		t.Error("3 items over a limit of 2 accepted")
	}
}

func TestPositions(t *testing.T) {
	body := `{"unit":"car-1","kind":"car","status":"busy","lat":31.3,"lng":120.6,"heading":90,"speed":8.5}
{"unit":"car-2","status":"asleep","lat":31.3,"lng":120.6}
{"unit":"car-3","lat":31.3,"lng":120.6,"heading":400}
{"kind":"car","lat":31.3,"lng":120.6}`
	ok, _, rej, err := decoder(t).Decode(geo.KindPosition, strings.NewReader(body), feed.NDJSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(ok) != 1 || ok[0].Position.Status != "busy" || *ok[0].Position.Heading != 90 || *ok[0].Position.Speed != 8.5 {
		t.Fatalf("ok: %+v", ok)
	}
	want := []string{"status: must be one of", "heading: must be between 0 and 360", "unit: required"}
	if len(rej) != len(want) {
		t.Fatalf("rejected %+v", rej)
	}
	for i, w := range want {
		if !strings.Contains(rej[i].Error, w) {
			t.Errorf("rejection %d = %q, want %q", i, rej[i].Error, w)
		}
	}
}

// Each valid item leaves the decoder placed: its res-9 cell, and the codes of
// the regions holding it, for incidents and positions alike.
func TestDecodePlacesEventsInTheRegions(t *testing.T) {
	square := orb.MultiPolygon{{{{120.55, 31.25}, {120.65, 31.25}, {120.65, 31.35}, {120.55, 31.35}, {120.55, 31.25}}}}
	layer, err := geo.NewLayer(geo.LevelDistrict, []geo.Division{{Code: "D1", Name: "一区", Shape: square}})
	if err != nil {
		t.Fatal(err)
	}
	regions, err := geo.NewRegions(layer)
	if err != nil {
		t.Fatal(err)
	}
	d := decoder(t)
	d.Regions = func() *geo.Regions { return regions }
	for _, kind := range []geo.EventKind{geo.KindIncident, geo.KindPosition} {
		body := `{"id":"in","unit":"in","lat":31.30,"lng":120.60}` + "\n" + `{"id":"out","unit":"out","lat":31.30,"lng":120.70}`
		ok, _, rej, err := d.Decode(kind, strings.NewReader(body), feed.NDJSON)
		if err != nil || len(ok) != 2 || len(rej) != 0 {
			t.Fatalf("%s: %d ok, %v, %v", kind, len(ok), rej, err)
		}
		for i, wantDistrict := range []string{"D1", ""} {
			e := ok[i]
			cell, codes, pt := e.Incident.Cell, e.Incident.Regions, e.Incident.Point()
			if kind == geo.KindPosition {
				cell, codes, pt = e.Position.Cell, e.Position.Regions, e.Position.Point()
			}
			if e.Kind != kind || cell != geo.CellOf(pt, geo.FineRes) || codes.District != wantDistrict {
				t.Errorf("%s %d: kind %s, cell %v, codes %+v; want district %q", kind, i, e.Kind, cell, codes, wantDistrict)
			}
		}
	}
	if _, _, _, err := d.Decode(geo.KindCommand, strings.NewReader(`{}`), feed.JSON); err == nil {
		t.Error("commands are not fed: want an error")
	}
}
