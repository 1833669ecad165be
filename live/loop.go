package live

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// A Fold is one piece of live state, folded from the events of the streams:
// heat and units, the board of alerts and dispatches, and the next ones. The
// loop calls its methods on the loop's goroutine only, so a fold needs no
// lock; everyone else reaches it through Loop.Do.
type Fold interface {
	// Advance moves the fold's clock to now, which never goes back: a fold
	// drops here what left its windows. It is called before every batch,
	// question and tick.
	Advance(now time.Time)
	// Apply folds one event. Folds see each event in the order they were
	// given to the loop, and each event after the folds before them.
	Apply(env *Env, e *geo.Event)
	// Tick runs once per tick: the fold does its periodic work and adds to t
	// what changed since the previous tick (its part, its layers).
	Tick(env *Env, t *Tick)
}

// Config configures a Loop. The zero value of each field means its default.
type Config struct {
	// Tick is how often the folds tick and changes are published. Zero means
	// 250 ms.
	Tick time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// ErrBusy is returned by Do when the loop did not answer before the caller's
// context ended.
var ErrBusy = errors.New("live: the live state did not answer in time")

// A Loop owns the folds on one goroutine (Run): events from the tailer and
// questions from everyone else arrive on channels, so no lock is ever held
// while doing I/O, and readers only ever see copies.
type Loop struct {
	cfg   Config
	folds []Fold
	in    chan batch
	reqs  chan func(*Env)
	done  chan struct{} // closed when Run returns
	ended sync.Once

	ready  atomic.Bool
	readyc chan struct{} // closed once ready

	mu        sync.Mutex
	listeners []func(Tick) // OnTick
}

// A batch is what Add and SetReady hand to the loop, in order: events, or the
// mark that the rebuild is over.
type batch struct {
	events []geo.Event
	ready  bool
}

// NewLoop returns a loop over the folds, in the order they see events and
// tick; Run starts it.
func NewLoop(cfg Config, folds ...Fold) *Loop {
	if cfg.Tick == 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Loop{
		cfg: cfg, folds: folds,
		in: make(chan batch, 64), reqs: make(chan func(*Env)),
		done: make(chan struct{}), readyc: make(chan struct{}),
	}
}

// OnTick makes the loop publish every Tick to f, on the loop's goroutine: f
// must not block (the hub queues the tick and returns).
func (l *Loop) OnTick(f func(Tick)) {
	l.mu.Lock()
	l.listeners = append(l.listeners, f)
	l.mu.Unlock()
}

func (l *Loop) publish(t Tick) {
	l.mu.Lock()
	listeners := l.listeners
	l.mu.Unlock()
	for _, f := range listeners {
		f(t)
	}
}

// Add hands events to the folds, waiting while they are behind. With
// SetReady it makes the loop a stream.Sink.
func (l *Loop) Add(ctx context.Context, events []geo.Event) error {
	select {
	case l.in <- batch{events: events}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-l.done:
		return ErrBusy
	}
}

// SetReady says the rebuild from the streams is over: once the events added
// before it are folded, the loop is ready (Ready, WhenReady), and folds that
// act on what they have seen (proposing alerts) may start.
func (l *Loop) SetReady() {
	select {
	case l.in <- batch{ready: true}:
	case <-l.done:
	}
}

// Ready reports whether the loop has folded the whole rebuild.
func (l *Loop) Ready() bool { return l.ready.Load() }

// WhenReady is closed once the loop is ready.
func (l *Loop) WhenReady() <-chan struct{} { return l.readyc }

// Do runs f on the loop's goroutine, and waits for it. f must not keep
// references into the folds, nor block. Events added before Do was called are
// folded before f runs (as many as the queue holds: a busy tailer must not
// keep the question waiting). It returns ErrBusy, wrapping the context's
// error, when ctx ends first.
func (l *Loop) Do(ctx context.Context, f func(*Env)) error {
	done := make(chan struct{})
	select {
	case l.reqs <- func(env *Env) { f(env); close(done) }:
	case <-ctx.Done():
		return errors.Join(ErrBusy, ctx.Err())
	case <-l.done:
		return ErrBusy
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.Join(ErrBusy, ctx.Err())
	}
}

// Run folds until ctx is done and returns ctx's error.
func (l *Loop) Run(ctx context.Context) error {
	defer l.ended.Do(func() { close(l.done) })
	env := &Env{folds: l.folds}
	tick := time.NewTicker(l.cfg.Tick)
	defer tick.Stop()
	for {
		select {
		case b := <-l.in:
			l.advance(env)
			l.take(env, b)
		case f := <-l.reqs:
			l.advance(env)
			// What was added before the question is folded first, so the
			// question sees it.
			for n := cap(l.in); n > 0; n-- {
				select {
				case b := <-l.in:
					l.take(env, b)
					continue
				default:
				}
				break
			}
			f(env)
		case <-tick.C:
			l.advance(env)
			env.seq++
			t := Tick{Seq: env.seq, AsOf: env.now, Every: l.cfg.Tick}
			for _, f := range l.folds {
				f.Tick(env, &t)
			}
			l.publish(t)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// advance moves the loop's clock, and every fold's with it.
func (l *Loop) advance(env *Env) {
	if now := l.cfg.Now(); now.After(env.now) {
		env.now = now
	}
	for _, f := range l.folds {
		f.Advance(env.now)
	}
}

// take folds one batch into every fold, event by event.
func (l *Loop) take(env *Env, b batch) {
	if b.ready {
		env.ready = true
		if !l.ready.Swap(true) {
			close(l.readyc)
		}
		return
	}
	for i := range b.events {
		for _, f := range l.folds {
			f.Apply(env, &b.events[i])
		}
	}
}

// Layers lists the whole-state layers the folds publish (see LayerSource),
// in the order of the folds.
func (l *Loop) Layers() []string { return layersOf(l.folds) }

func layersOf(folds []Fold) []string {
	var out []string
	for _, f := range folds {
		if s, ok := f.(LayerSource); ok {
			out = append(out, s.Layers()...)
		}
	}
	return out
}
