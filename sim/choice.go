package sim

import "math/rand/v2"

// A choice is one weighted option. Weights are relative, so tables read as the
// percentages they were written from.
type choice[T any] struct {
	v T
	w float64
}

// pick draws one option in proportion to its weight. Slices are iterated in
// order, so draws are deterministic for a seeded r (maps would not be).
func pick[T any](r *rand.Rand, opts []choice[T]) T {
	total := 0.0
	for _, o := range opts {
		total += o.w
	}
	x := r.Float64() * total
	for _, o := range opts {
		if x < o.w {
			return o.v
		}
		x -= o.w
	}
	return opts[len(opts)-1].v
}

// oneOf draws uniformly from s.
func oneOf[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }
