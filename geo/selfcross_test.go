package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// bruteCrossing compares every pair of non-adjacent edges: the reference.
func bruteCrossing(ring orb.Ring) bool {
	var r orb.Ring
	for _, p := range ring {
		if len(r) == 0 || p != r[len(r)-1] {
			r = append(r, p)
		}
	}
	n := len(r) - 1
	for i := range n {
		for j := i + 1; j < n; j++ {
			if d := j - i; d == 1 || d == n-1 {
				continue
			}
			if segmentsCross(r[i], r[i+1], r[j], r[j+1]) {
				return true
			}
		}
	}
	return false
}

// The sweep finds a crossing exactly when comparing every pair does: random
// rings, many on a coarse grid so that vertical and horizontal edges,
// shared vertices, touches and collinear overlaps are common.
func TestSelfIntersectionAgreesWithEveryPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	crossed := 0
	for k := range 20000 {
		n := 3 + rng.IntN(12)
		grid := []float64{3, 5, 1000}[k%3]
		ring := make(orb.Ring, 0, n+1)
		for range n {
			ring = append(ring, orb.Point{math.Floor(rng.Float64() * grid), math.Floor(rng.Float64() * grid)})
		}
		ring = append(ring, ring[0])
		_, _, got := selfIntersection(ring)
		if want := bruteCrossing(ring); got != want {
			t.Fatalf("ring %v: sweep says %v, every pair %v", ring, got, want)
		}
		if got {
			crossed++
		}
	}
	if crossed < 1000 || crossed > 19000 {
		t.Fatalf("%d of 20000 rings crossed: the sample tests little", crossed)
	}
}

// zigzag is a ring of n vertices whose every edge spans the whole width: the
// shape that made the check quadratic. With cross, two of its edges cross.
func zigzag(n int, cross bool) orb.Ring {
	var r orb.Ring
	for i := range n / 2 {
		y := float64(i) / float64(n)
		r = append(r, orb.Point{0, y}, orb.Point{1, y + 0.5/float64(n)})
	}
	r = append(r, orb.Point{1, 1.1}, orb.Point{-0.1, 1.1})
	if cross {
		r[len(r)/2] = orb.Point{0.5, -1} // a spike down through the lower edges
	}
	return append(r, r[0])
}

// Twice the vertices cost about twice the time, not four times.
func TestSelfIntersectionIsNotQuadratic(t *testing.T) {
	for _, cross := range []bool{false, true} {
		if _, _, got := selfIntersection(zigzag(2000, cross)); got != cross || bruteCrossing(zigzag(2000, cross)) != cross {
			t.Fatalf("zigzag crossing %v: sweep %v", cross, got)
		}
	}
	cost := func(n int) time.Duration {
		best := time.Duration(math.MaxInt64)
		for range 3 {
			start := time.Now()
			selfIntersection(zigzag(n, false))
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := cost(40_000), cost(160_000)
	// Quadratic would be 16×; n log n about 4.5×. Machines are noisy: the
	// bound is loose, and measured in one run.
	if ratio := float64(large) / float64(small); ratio > 8 {
		t.Errorf("4× the vertices cost %.1f× the time (%v, %v)", ratio, small, large)
	}
	t.Logf("40k vertices %v, 160k %v", small, large)
}

func BenchmarkSelfIntersectionZigzag(b *testing.B) {
	for _, n := range []int{20_000, 40_000} {
		r := zigzag(n, false)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				selfIntersection(r)
			}
		})
	}
}
