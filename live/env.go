package live

import "time"

// An Env is the loop as a fold, or a question asked through Do, sees it: the
// loop's one clock, whether the rebuild is over, and the other folds. It is
// valid only during the call it is passed to, on the loop's goroutine.
//
// Folds do not hold one another: a fold that needs another's figures (the
// board reading the heat and the units) asks for them through the Env each
// time, as an interface of its own (Find), so the wiring decides which fold
// provides what and no fold knows another's type.
type Env struct {
	now      time.Time
	ready    bool
	seq      uint64
	folds    []Fold
	watchers map[string]int // by whole-state layer: how many watch it
}

// Now is the loop's clock.
func (e *Env) Now() time.Time { return e.now }

// Ready reports whether the rebuild from the streams is folded: before, a
// fold has not seen every command and must not act on what it lacks.
func (e *Env) Ready() bool { return e.ready }

// TickSeq is the number of the last tick published: a snapshot taken now
// holds every change up to that tick.
func (e *Env) TickSeq() uint64 { return e.seq }

// WatchLayer adds delta watchers (a websocket client subscribing: +1, leaving:
// -1) to a whole-state layer.
func (e *Env) WatchLayer(name string, delta int) {
	if e.watchers == nil {
		e.watchers = map[string]int{}
	}
	if e.watchers[name] += delta; e.watchers[name] <= 0 {
		delete(e.watchers, name)
	}
}

// Watched reports whether anyone watches a whole-state layer: a fold need not
// encode a layer nobody would be sent (its snapshot is encoded when asked).
func (e *Env) Watched(name string) bool { return e.watchers[name] > 0 }

// Find returns the first fold of the loop that is a T (an interface a reader
// declares, or a fold's own type), and false if none is.
func Find[T any](e *Env) (T, bool) {
	for _, f := range e.folds {
		if t, ok := f.(T); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}

// Layer returns the current state of the named whole-state layer, from the
// fold that publishes it, for a snapshot.
func Layer(e *Env, name string) ([]byte, bool) {
	for _, f := range e.folds {
		if s, ok := f.(LayerSource); ok {
			for _, n := range s.Layers() {
				if n == name {
					return s.Layer(e, name), true
				}
			}
		}
	}
	return nil, false
}
