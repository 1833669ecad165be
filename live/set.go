package live

import (
	"time"

	"github.com/citygrid/citygrid/geo"
)

// A Set is folds without a loop: the caller's goroutine moves their clock,
// hands them events and asks for their layers, as the loop would on its own.
// A replay folds a past span into a Set of its own this way, beside the live
// loop and never touching it.
//
// A Set is never ready, so its folds propose nothing (they have not seen
// every command, and a replay must not act), and it never ticks: what a
// replay shows moves with the clock and the events alone, and a fold's
// periodic work (the rules' evaluation) is the live loop's.
type Set struct {
	env Env
}

// NewSet returns a set of the folds, in the order they see events.
func NewSet(folds ...Fold) *Set {
	return &Set{env: Env{folds: folds}}
}

// Advance moves the set's clock to now, and every fold's with it; the clock
// never goes back.
func (s *Set) Advance(now time.Time) {
	if now.After(s.env.now) {
		s.env.now = now
	}
	for _, f := range s.env.folds {
		f.Advance(s.env.now)
	}
}

// Apply folds one event into every fold, in order.
func (s *Set) Apply(e *geo.Event) {
	for _, f := range s.env.folds {
		f.Apply(&s.env, e)
	}
}

// Layers lists the whole-state layers the folds publish, in the order of
// the folds.
func (s *Set) Layers() []string { return layersOf(s.env.folds) }

// Layer is the named whole-state layer's current state, as a snapshot has
// it, and false if no fold publishes it.
func (s *Set) Layer(name string) ([]byte, bool) { return Layer(&s.env, name) }
