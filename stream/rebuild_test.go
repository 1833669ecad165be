package stream

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
)

func TestEachXReadRESP2AndRESP3(t *testing.T) {
	bulk := func(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }
	entry := func(id string, fields ...string) string {
		s := "*2\r\n" + bulk(id) + fmt.Sprintf("*%d\r\n", len(fields))
		for _, f := range fields {
			s += bulk(f)
		}
		return s
	}
	a := entry("1-0", "v", "1", "x", "a\r\nb") + entry("2-0", "v", "1")
	b := entry("3-0")
	want := "s1 1-0 [v 1 x a\r\nb]|s1 2-0 [v 1]|s2 3-0 []|"
	cases := []struct{ name, reply, want string }{
		{"resp2", "*2\r\n*2\r\n" + bulk("s1") + "*2\r\n" + a + "*2\r\n" + bulk("s2") + "*1\r\n" + b, want},
		{"resp3", "%2\r\n" + bulk("s1") + "*2\r\n" + a + bulk("s2") + "*1\r\n" + b, want},
		{"resp2 nil", "*-1\r\n", ""},
		{"resp3 null", "_\r\n", ""},
		{"fields as a map", "%1\r\n" + bulk("s1") + "*1\r\n*2\r\n" + bulk("1-0") + "%1\r\n" + bulk("v") + bulk("1"), "s1 1-0 [v 1]|"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got strings.Builder
			stream := ""
			err := eachXRead(c.reply, func(name string, n int) { stream = name }, func(id string, fields []string) {
				fmt.Fprintf(&got, "%s %s %v|", stream, id, fields)
			})
			if err != nil || got.String() != c.want {
				t.Fatalf("got %q, %v; want %q", got.String(), err, c.want)
			}
		})
	}
	for _, bad := range []string{"-ERR wrong\r\n", "*1\r\n*2\r\n$2\r\ns1\r\n*1\r\n*2\r\n$3\r\n1-0", "*1\r\n*2\r\n$9\r\ns1\r\n", ":1\r\n", ""} {
		if err := eachXRead(bad, func(string, int) {}, func(string, []string) {}); err == nil && bad != "" {
			t.Errorf("%q: no error", bad)
		}
	}
}

// Reading an entry by position must decode exactly what the map does, for
// entries in the codec's order and for any other (an older codec's).
func TestDecodeByPositionAgreesWithMap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	var dec decoder
	check := func(t *testing.T, k Kind, fields []string) {
		t.Helper()
		var got geo.Event
		gotErr := dec.entry(&got, k, "1700000000000-3", fields)
		m := map[string]any{}
		for i := 0; i+1 < len(fields); i += 2 {
			m[fields[i]] = fields[i+1]
		}
		var want geo.Event
		var wantErr error
		if k == Incidents {
			want.Incident, wantErr = DecodeIncident(m)
		} else {
			want.Position, wantErr = DecodePosition(m)
		}
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || fmt.Sprintf("%+v", got.Incident) != fmt.Sprintf("%+v", want.Incident) ||
			position(got.Position) != position(want.Position) {
			t.Fatalf("fields %q:\n got %+v, %v\nwant %+v, %v", fields, got, gotErr, want, wantErr)
		}
		wantKind := map[Kind]geo.EventKind{Incidents: geo.KindIncident, Positions: geo.KindPosition}[k]
		if got.ID != "1700000000000-3" || !got.Ingested.Equal(time.UnixMilli(1700000000000)) || got.Kind != wantKind {
			t.Fatalf("entry %q %v %v", got.ID, got.Ingested, got.Kind)
		}
	}
	for i := range 200 {
		lat, lng := 31+r.Float64(), 120+r.Float64()
		in := geo.Incident{ID: fmt.Sprint("in-", i), Source: "110", Category: "theft", Severity: r.IntN(5), Lat: lat, Lng: lng,
			Time: time.UnixMilli(r.Int64N(1e13)).UTC(), Title: "电动车被盗", Address: "a,b"}
		in.Place()
		hdg := r.Float64() * 360
		p := geo.Position{Unit: fmt.Sprint("u-", i), Kind: "car", Status: "free", Lat: lat, Lng: lng, Time: in.Time}
		p.Place()
		if i%2 == 0 {
			in.Regions = geo.RegionCodes{District: "d", Street: "s", Community: "c,x", Grid: fmt.Sprint(i)}
			p.Regions = in.Regions
			p.Heading = &hdg
		}
		check(t, Incidents, IncidentFields(&in))
		check(t, Positions, PositionFields(&p))
		// An older entry: no regions field.
		check(t, Incidents, IncidentFields(&in)[:22])
		// Another order, and a repeated field (the last wins, as in a map).
		fs := IncidentFields(&in)
		fs[2], fs[3], fs[4], fs[5] = fs[4], fs[5], fs[2], fs[3]
		check(t, Incidents, fs)
		check(t, Incidents, append(IncidentFields(&in), "sev", "4"))
	}
	// Entries that do not decode fail the same way.
	in := geo.Incident{ID: "x", Cell: geo.CellOf([2]float64{120.6, 31.3}, geo.FineRes)}
	for _, f := range []struct{ name, value string }{{"v", "2"}, {"sev", "high"}, {"lat", ""}, {"cell", "zz"}, {"t", "1.5"}} {
		fs := IncidentFields(&in)
		for i := 0; i < len(fs); i += 2 {
			if fs[i] == f.name {
				fs[i+1] = f.value
			}
		}
		check(t, Incidents, fs)
	}
}

// position prints p with its optional fields' values, not their addresses.
func position(p geo.Position) string {
	deref := func(f *float64) any {
		if f == nil {
			return nil
		}
		return *f
	}
	h, s := deref(p.Heading), deref(p.Speed)
	p.Heading, p.Speed = nil, nil
	return fmt.Sprintf("%+v %v %v", p, h, s)
}

// What a decoded entry keeps must not share the reply's memory, which the next
// read overwrites.
func TestDecodeByPositionCopies(t *testing.T) {
	in := geo.Incident{ID: "abc", Source: "110", Category: "theft", Title: "t", Address: "a", Lat: 31.3, Lng: 120.6,
		Regions: geo.RegionCodes{District: "d", Street: "s", Community: "c", Grid: "g"}}
	in.Place()
	fields := IncidentFields(&in)
	buf := []byte(strings.Join(fields, "\x00"))
	views := strings.Split(string(buf), "\x00") // stand-ins for views of a reply
	var dec decoder
	var e geo.Event
	if err := dec.entry(&e, Incidents, "1-1", views); err != nil {
		t.Fatal(err)
	}
	for i := range views {
		views[i] = strings.Repeat("#", len(views[i]))
	}
	if fmt.Sprint(e.Incident) != fmt.Sprint(in) {
		t.Fatalf("decoded %+v, want %+v", e.Incident, in)
	}
}
