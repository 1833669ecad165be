package feed_test

import (
	"strings"
	"testing"

	"github.com/citygrid/citygrid/feed"
	"github.com/citygrid/citygrid/geo"
)

// The fuzz targets check that no body crashes the decoders, that every item is
// either accepted or rejected exactly once, and that accepted items are valid.

func FuzzIncidents(f *testing.F) {
	f.Add(good, 0)
	f.Add("["+good+","+good+"]", 0)
	f.Add(good+"\n{bad\n", 1)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[120.6,31.3]},"properties":{"id":"g"}}]}`, 2)
	f.Add(`{"id":"x","lat":1e400,"lng":-0}`, 0)
	d := decoder(f)
	f.Fuzz(func(t *testing.T, body string, format int) {
		fm := feed.Format(uint(format) % 3)
		ok, idx, rej, err := d.Decode(geo.KindIncident, strings.NewReader(body), fm)
		if err != nil {
			return
		}
		seen := map[int]bool{}
		for _, i := range idx {
			seen[i] = true
		}
		for _, r := range rej {
			if seen[r.Index] {
				t.Fatalf("item %d both accepted and rejected", r.Index)
			}
			if r.Error == "" {
				t.Fatalf("rejection without a reason: %+v", r)
			}
		}
		for _, e := range ok {
			in := e.Incident
			if e.Kind != geo.KindIncident || in.ID == "" || in.Severity < 1 || in.Severity > 4 || !in.Cell.Valid() || !d.Profile.Contains(in.Point()) {
				t.Fatalf("invalid item accepted: %+v", in)
			}
		}
	})
}

func FuzzPositions(f *testing.F) {
	f.Add(`{"unit":"u","lat":31.3,"lng":120.6,"status":"busy","heading":12,"speed":3}`, 1)
	f.Add(`[{"unit":"u","lat":31.3,"lng":120.6}]`, 0)
	d := decoder(f)
	f.Fuzz(func(t *testing.T, body string, format int) {
		ok, _, _, err := d.Decode(geo.KindPosition, strings.NewReader(body), feed.Format(uint(format)%3))
		if err != nil {
			return
		}
		for _, e := range ok {
			p := e.Position
			if e.Kind != geo.KindPosition || p.Unit == "" || !p.Cell.Valid() || p.Status == "" {
				t.Fatalf("invalid position accepted: %+v", p)
			}
		}
	})
}
