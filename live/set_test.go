package live_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/live"
)

// layered is a counter that publishes how many events it saw as a layer.
type layered struct{ counter }

func (l *layered) Layers() []string { return []string{"seen"} }
func (l *layered) Layer(env *live.Env, _ string) []byte {
	if env.Ready() {
		return []byte(`"seen":"ready?"`) // a set is never ready
	}
	return []byte(`"seen":` + strconv.Itoa(l.events))
}

// A Set folds as the loop does, on the caller's goroutine: every fold in
// order, a clock that never goes back, the layers on asking, never ready and
// never ticked.
func TestSetFoldsWithoutALoop(t *testing.T) {
	var order []string
	a := &counter{name: "a", readyAt: -1, order: &order}
	b := &layered{counter{name: "b", readyAt: -1, order: &order}}
	s := live.NewSet(a, b)
	t0 := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	s.Advance(t0)
	for _, e := range incidents(3) {
		s.Apply(&e)
	}
	s.Advance(t0.Add(-time.Minute))
	if !a.now.Equal(t0) || !b.now.Equal(t0) {
		t.Errorf("the clock went back: %s, %s", a.now, b.now)
	}
	if got := s.Layers(); len(got) != 1 || got[0] != "seen" {
		t.Errorf("layers: %q", got)
	}
	if got, ok := s.Layer("seen"); !ok || string(got) != `"seen":3` {
		t.Errorf("layer: %s %v", got, ok)
	}
	if _, ok := s.Layer("nobody's"); ok {
		t.Error("a layer no fold publishes was found")
	}
	if want := "ababab"; strings.Join(order, "") != want || a.readyAt != -1 || a.ticks != 0 {
		t.Errorf("order %q (want %q), ready at %d, %d ticks", strings.Join(order, ""), want, a.readyAt, a.ticks)
	}
}
