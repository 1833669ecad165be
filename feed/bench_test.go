package feed_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/citygrid/citygrid/feed"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
	"github.com/paulmach/orb"
)

// ndjsonBatch is n incidents inside Suzhou as one NDJSON body, shaped like a
// feed's (the load harness sends the same shape).
func ndjsonBatch(b *testing.B, n int) (*geo.Profile, []byte) {
	b.Helper()
	p, err := geo.LoadProfile(profiles.FS, "suzhou")
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(2, 2))
	var buf bytes.Buffer
	for i := 0; i < n; {
		pt := orb.Point{
			p.Bound.Min.Lon() + r.Float64()*(p.Bound.Max.Lon()-p.Bound.Min.Lon()),
			p.Bound.Min.Lat() + r.Float64()*(p.Bound.Max.Lat()-p.Bound.Min.Lat()),
		}
		if !p.Contains(pt) {
			continue
		}
		fmt.Fprintf(&buf, `{"id":"bench-%d","source":"110","category":"theft","severity":2,"lat":%s,"lng":%s,"title":"电动车被盗","address":"姑苏区人民路%d号"}`+"\n",
			i, strconv.FormatFloat(pt.Lat(), 'f', -1, 64), strconv.FormatFloat(pt.Lon(), 'f', -1, 64), i%999+1)
		i++
	}
	return p, buf.Bytes()
}

// Decoding and validating a batch of 1,000: JSON, outline, H3 cell.
func BenchmarkDecodeNDJSON1000(b *testing.B) {
	p, body := ndjsonBatch(b, 1000)
	d := &feed.Decoder{Profile: p}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		ok, _, rej, err := d.Decode(geo.KindIncident, bytes.NewReader(body), feed.NDJSON)
		if err != nil || len(ok) != 1000 || len(rej) != 0 {
			b.Fatalf("ok %d, rejected %v, err %v", len(ok), rej, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/event")
}

// A single-event POST's decode.
func BenchmarkDecodeNDJSON1(b *testing.B) {
	p, body := ndjsonBatch(b, 1)
	d := &feed.Decoder{Profile: p}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, _, err := d.Decode(geo.KindIncident, bytes.NewReader(body), feed.NDJSON); err != nil || len(ok) != 1 {
			b.Fatal(err)
		}
	}
}
