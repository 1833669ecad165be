package live

import "time"

// A Tick is what changed since the previous tick, fold by fold. It is made on
// the loop's goroutine and immutable once published.
type Tick struct {
	Seq   uint64
	AsOf  time.Time
	Every time.Duration // the loop's tick interval
	// Layers are the whole-state layers that changed since the previous tick
	// (see LayerSource), by name, each encoded as the JSON object members a
	// frame carries (`"alerts":{…}`).
	Layers map[string][]byte
	// parts are the folds' own changes, typed by each fold (PartOf).
	parts []any
}

// AddPart adds a fold's own changes to the tick: a value of a type of the
// fold's, which its readers take with PartOf.
func (t *Tick) AddPart(p any) { t.parts = append(t.parts, p) }

// PartOf returns the tick's part of type T, and false if no fold added one.
func PartOf[T any](t *Tick) (T, bool) {
	for _, p := range t.parts {
		if v, ok := p.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

// SetLayer puts a whole-state layer's new state in the tick.
func (t *Tick) SetLayer(name string, members []byte) {
	if t.Layers == nil {
		t.Layers = map[string][]byte{}
	}
	t.Layers[name] = members
}

// A LayerSource is a fold that publishes whole-state layers: small layers
// sent whole on every change (alerts, dispatches), never as deltas. It puts
// a layer in the Tick when it changes and someone watches it (Env.Watched),
// and gives its current state for a snapshot.
type LayerSource interface {
	// Layers names the layers the fold publishes.
	Layers() []string
	// Layer is the named layer's current state, encoded as in Tick.Layers.
	Layer(env *Env, name string) []byte
}
