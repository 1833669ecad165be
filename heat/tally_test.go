package heat

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// A tally's counts equal a plain count of what went in, however the keys
// arrive, and its counted part stays sorted, unique and no larger than the
// distinct keys.
func TestTallyCountsWhatWentIn(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, distinct := range []int{1, 50, 5_000, 300_000} {
		var tl tally
		want := map[key]int32{}
		for range 40 {
			batch := make([]key, rng.IntN(20_000))
			for i := range batch {
				// Skewed: a few keys are most of the incidents, as in a city.
				batch[i] = makeKey(uint32(rng.IntN(distinct)/(1+rng.IntN(4))), uint32(rng.IntN(3)), 1+rng.IntN(4))
				if distinct == 300_000 && i%2 == 0 { // far apart: wide deltas
					batch[i] = makeKey(rng.Uint32(), rng.Uint32(), rng.IntN(256))
				}
				want[batch[i]]++
			}
			if rng.IntN(2) == 0 {
				tl.addAll(batch)
			} else {
				for _, k := range batch {
					tl.add(k)
				}
			}
			if len(tl.pending) > max(minPending, tl.entries/4) {
				t.Fatalf("%d distinct: %d pending over %d counted", distinct, len(tl.pending), tl.entries)
			}
		}
		tl.merge()
		var keys []key
		tl.each(func(k key, _ int32) { keys = append(keys, k) })
		if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) || len(tl.pending) != 0 {
			t.Fatalf("%d distinct: counted keys not sorted and unique after a merge", distinct)
		}
		if len(keys) != len(want) || tl.entries != len(want) || cap(tl.counted) != len(tl.counted) {
			t.Fatalf("%d distinct: %d keys (%d entries, %d of %d bytes), want %d", distinct, len(keys), tl.entries, len(tl.counted), cap(tl.counted), len(want))
		}
		got := map[key]int32{}
		tl.each(func(k key, n int32) { got[k] += n })
		for k, n := range want {
			if got[k] != n {
				t.Fatalf("%d distinct: key %x counted %d, want %d", distinct, k, got[k], n)
			}
		}
	}
}

// A key keeps its place, category and severity, at their widest.
func TestKeyRoundTrip(t *testing.T) {
	for _, c := range []struct {
		place, cat uint32
		sev        int
	}{{0, 0, 0}, {1, 2, 3}, {1<<32 - 1, 1<<24 - 1, 255}, {123456, 65535, 4}} {
		k := makeKey(c.place, c.cat, c.sev)
		if k.place() != c.place || k.category() != c.cat || k.severity() != c.sev {
			t.Errorf("%+v came back as %d %d %d", c, k.place(), k.category(), k.severity())
		}
	}
}
