package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

// counter is a fold that counts what it is given.
type counter struct {
	name    string
	events  int
	readyAt int // events seen when the loop first said it was ready
	ticks   int
	now     time.Time
	order   *[]string // shared by the folds of one test: who saw an event first
}

func (c *counter) Advance(now time.Time) { c.now = now }
func (c *counter) Apply(env *live.Env, e *geo.Event) {
	c.events++
	if env.Ready() && c.readyAt < 0 {
		c.readyAt = c.events - 1
	}
	if c.order != nil {
		*c.order = append(*c.order, c.name)
	}
}
func (c *counter) Tick(env *live.Env, t *live.Tick) {
	c.ticks++
	t.AddPart(c.name)
}

// seen is what another fold reads of a counter, through the loop.
type seen interface{ Seen() int }

func (c *counter) Seen() int { return c.events }

func start(t *testing.T, cfg live.Config, folds ...live.Fold) *live.Loop {
	l := live.NewLoop(cfg, folds...)
	run(t, l)
	return l
}

// run runs the loop until the test ends.
func run(t *testing.T, l *live.Loop) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = l.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func incidents(n int) []geo.Event {
	es := make([]geo.Event, n)
	for i := range es {
		es[i] = geo.IncidentEvent(geo.Incident{ID: "x", Time: time.Now()})
	}
	return es
}

// A question asked after Add returns sees what was added, however the loop's
// select happens to order the two.
func TestDoSeesWhatWasAdded(t *testing.T) {
	c := &counter{}
	l := start(t, live.Config{Tick: time.Hour}, c)
	for i := range 200 {
		if err := l.Add(t.Context(), incidents(1)); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := l.Do(t.Context(), func(env *live.Env) { n = c.events }); err != nil {
			t.Fatal(err)
		}
		if n != i+1 {
			t.Fatalf("after %d adds the fold counts %d", i+1, n)
		}
	}
}

// Ready comes after every event added before SetReady, in every fold, in order.
func TestReadyAfterTheRebuildIsFolded(t *testing.T) {
	var order []string
	a := &counter{name: "a", readyAt: -1, order: &order}
	b := &counter{name: "b", readyAt: -1, order: &order}
	l := start(t, live.Config{Tick: time.Hour}, a, b)
	for range 100 {
		if err := l.Add(t.Context(), incidents(3)); err != nil {
			t.Fatal(err)
		}
	}
	if l.Ready() {
		t.Fatal("ready before SetReady")
	}
	l.SetReady()
	if err := l.Add(t.Context(), incidents(1)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.WhenReady():
	case <-time.After(5 * time.Second):
		t.Fatal("not ready 5 s after SetReady")
	}
	var ra, rb int
	_ = l.Do(t.Context(), func(*live.Env) { ra, rb = a.readyAt, b.readyAt })
	if ra != 300 || rb != 300 || !l.Ready() {
		t.Fatalf("ready seen after %d and %d events, want 300 (every event added before SetReady)", ra, rb)
	}
	for i := 0; i+1 < len(order); i += 2 {
		if order[i] != "a" || order[i+1] != "b" {
			t.Fatalf("event %d went to %s before %s: each event goes to the folds in their order", i/2, order[i], order[i+1])
		}
	}
}

// Folds find one another through the Env, by the interface they read.
func TestFindAndTickParts(t *testing.T) {
	c := &counter{name: "counter"}
	ticks := make(chan live.Tick, 4)
	l := live.NewLoop(live.Config{Tick: 5 * time.Millisecond}, c)
	l.OnTick(func(t live.Tick) {
		select {
		case ticks <- t:
		default:
		}
	})
	run(t, l)
	_ = l.Add(t.Context(), incidents(7))
	var n int
	var found bool
	err := l.Do(t.Context(), func(env *live.Env) {
		var s seen
		if s, found = live.Find[seen](env); found {
			n = s.Seen()
		}
		if _, ok := live.Find[interface{ Nothing() }](env); ok {
			t.Error("found a fold that has no such method")
		}
	})
	if err != nil || !found || n != 7 {
		t.Fatalf("Find: %v %v %d", err, found, n)
	}
	tk := <-ticks
	if name, ok := live.PartOf[string](&tk); !ok || name != "counter" || tk.Seq == 0 || tk.Every != 5*time.Millisecond {
		t.Fatalf("tick %+v: part %q %v", tk, name, ok)
	}
	if _, ok := live.PartOf[int](&tk); ok {
		t.Fatal("a part of a type no fold added")
	}
}

// Do gives up with ErrBusy when its context ends before the loop answers, and
// once the loop has stopped.
func TestDoWhenTheLoopDoesNotAnswer(t *testing.T) {
	l := live.NewLoop(live.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := l.Do(ctx, func(*live.Env) {}); err == nil {
		t.Fatal("a loop not running answered")
	}
	stopped, stop := context.WithCancel(t.Context())
	stop()
	_ = l.Run(stopped)
	if err := l.Do(t.Context(), func(*live.Env) {}); err != live.ErrBusy {
		t.Fatalf("after the loop stopped: %v, want ErrBusy", err)
	}
	if err := l.Add(t.Context(), incidents(1)); err != nil && err != live.ErrBusy {
		t.Fatalf("Add after the loop stopped: %v", err)
	}
}
