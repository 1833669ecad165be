package tiles

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// suzhouKeys returns up to n distinct tiles at z whose centres fall inside
// Suzhou, picked at random but reproducibly.
func suzhouKeys(r *geo.Regions, layer string, z uint32, n int) []Key {
	city := r.Layer(geo.LevelCity).Divisions[0]
	rng := rand.New(rand.NewPCG(uint64(z), 9))
	seen := map[Key]bool{}
	var out []Key
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		p := city.Bound.Min
		p[0] += rng.Float64() * (city.Bound.Max[0] - city.Bound.Min[0])
		p[1] += rng.Float64() * (city.Bound.Max[1] - city.Bound.Min[1])
		if !city.Contains(p) {
			continue
		}
		t := tileOf(p, z)
		k := Key{Layer: layer, Z: z, X: t.X, Y: t.Y}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// BenchmarkTiles measures tile latency over Suzhou at zooms 9, 12 and 15,
// cold (drawn and encoded) and warm (from the cache), and reports p50, p99 and
// the mean and largest gzipped size.
func BenchmarkTiles(b *testing.B) {
	r := suzhou(b)
	for _, layer := range []string{LayerRegions, LayerH3} {
		for _, z := range []uint32{9, 12, 15} {
			keys := suzhouKeys(r, layer, z, 60)
			for _, warm := range []bool{false, true} {
				name := fmt.Sprintf("%s/z%d/cold", layer, z)
				if warm {
					name = fmt.Sprintf("%s/z%d/warm", layer, z)
				}
				b.Run(name, func(b *testing.B) {
					var lat []time.Duration
					var size, largest int
					for b.Loop() {
						h := New(Config{Regions: func() *geo.Regions { return r }})
						if warm {
							for _, k := range keys {
								_, _, _ = h.Tile(k)
							}
						}
						for _, k := range keys {
							start := time.Now()
							body, _, err := h.Tile(k)
							lat = append(lat, time.Since(start))
							if err != nil {
								b.Fatal(err)
							}
							size += len(body)
							largest = max(largest, len(body))
						}
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
					b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
					b.ReportMetric(float64(size)/float64(len(lat)), "mean-B")
					b.ReportMetric(float64(largest), "max-B")
					b.ReportMetric(float64(len(keys)), "tiles")
				})
			}
		}
	}
}
