package live

import (
	"context"
	"time"

	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/stream"
)

// Config configures an Aggregator. The zero value of each field means its default.
type Config struct {
	// Tick is how often changes are published. Zero means 250 ms.
	Tick time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Publish receives every Tick on the aggregator's goroutine; it must not block.
	Publish func(Tick)
	// Board, when set, is the board of alerts and dispatches the fold keeps.
	Board *ops.Board
	// Propose receives the board's proposals on the aggregator's goroutine; it
	// must not block (a proposal dropped is made again a few evaluations on).
	Propose func([]ops.Proposal)
}

// An Aggregator owns a State on one goroutine (Run): entries from the tailer and
// questions from handlers arrive on channels, so no lock is ever held while
// doing I/O and readers only ever see copies.
type Aggregator struct {
	cfg  Config
	in   chan []stream.Entry
	reqs chan func(*State)
}

// NewAggregator returns an aggregator; Run starts it.
func NewAggregator(cfg Config) *Aggregator {
	if cfg.Tick == 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Publish == nil {
		cfg.Publish = func(Tick) {}
	}
	if cfg.Propose == nil {
		cfg.Propose = func([]ops.Proposal) {}
	}
	return &Aggregator{cfg: cfg, in: make(chan []stream.Entry, 64), reqs: make(chan func(*State))}
}

// Add hands entries to the fold, waiting while the fold is behind. It is the
// tailer's sink.
func (a *Aggregator) Add(ctx context.Context, entries []stream.Entry) error {
	select {
	case a.in <- entries:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Do runs f on the aggregator's goroutine with the state, and waits for it.
// f must not keep references into the state or block.
func (a *Aggregator) Do(ctx context.Context, f func(*State)) error {
	done := make(chan struct{})
	select {
	case a.reqs <- func(s *State) { f(s); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func fold(s *State, entries []stream.Entry) {
	for i := range entries {
		e := &entries[i]
		switch e.Kind {
		case stream.Incidents:
			s.AddIncident(&e.Incident)
		case stream.Positions:
			s.AddPosition(&e.Position)
		case stream.Commands:
			s.board.Apply(e.ID, &e.Command)
		}
	}
}

// Run folds until ctx is done and returns ctx's error.
func (a *Aggregator) Run(ctx context.Context) error {
	s := NewState(a.cfg.Now())
	if a.cfg.Board != nil {
		s.SetBoard(a.cfg.Board)
	}
	tick := time.NewTicker(a.cfg.Tick)
	defer tick.Stop()
	var sinceEval time.Duration
	propose := func() {
		if ps := s.board.Drain(); len(ps) > 0 {
			a.cfg.Propose(ps)
		}
	}
	for {
		select {
		case entries := <-a.in:
			s.Advance(a.cfg.Now())
			fold(s, entries)
			propose() // a severe incident's alert goes out at once
		case f := <-a.reqs:
			s.Advance(a.cfg.Now())
			// Entries already handed over are folded first, so a question sees
			// everything added before it was asked (at most what the queue
			// holds: a busy tailer must not keep the question waiting).
			for n := cap(a.in); n > 0; n-- {
				select {
				case entries := <-a.in:
					fold(s, entries)
					continue
				default:
				}
				break
			}
			f(s)
		case <-tick.C:
			s.Advance(a.cfg.Now())
			// The rules run on the wall clock's ticks, not the injected clock, so
			// they keep running under a test's frozen clock.
			if sinceEval += a.cfg.Tick; sinceEval >= s.board.Rules().Every.Duration {
				sinceEval = 0
				s.board.Evaluate(s)
			}
			propose()
			a.cfg.Publish(s.Tick())
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
