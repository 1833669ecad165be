package ops

import (
	"context"
	"os"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"golang.org/x/sync/errgroup"
)

// A Store appends commands under their claims: the commands stream and its
// sets of claims. stream.Commander is one. Of several proposals of one change
// (nodes evaluating the same rules, dispatchers sending the same unit), the
// store appends exactly one.
type Store interface {
	// Append appends c if its claim allows it, returning the entry id; or ok
	// false and the owner holding the field when the claim refused.
	Append(ctx context.Context, claim geo.Claim, c *geo.Command) (entryID string, ok bool, holder string, err error)
	// ReleaseOrphans frees the claims of a set whose commands the stream no
	// longer holds (it is trimmed by length), returning how many.
	ReleaseOrphans(ctx context.Context, set string) (int, error)
}

// ServiceConfig configures a Service. The zero value of each optional field
// means its default.
type ServiceConfig struct {
	// Loop runs the Board (one of its folds). Required.
	Loop *live.Loop
	// Board is the fold of alerts and dispatches in Loop. Required.
	Board *Board
	// Store appends the commands. Required.
	Store Store
	// RulesFile, when set, is re-read when it changes (checked every
	// RulesEvery); a bad file is logged and the rules in force stay.
	RulesFile string
	// RulesEvery is how often RulesFile is checked. Zero means 2 s.
	RulesEvery time.Duration
	// Wait bounds how long a change made through the service waits to be
	// folded before it answers. Zero means 2 s.
	Wait time.Duration
	// OrphansEvery is how often, once the loop is ready, claims whose commands
	// were trimmed are freed. Zero means an hour.
	OrphansEvery time.Duration
	// Logf reports what goes wrong in the background. Nil means no logging.
	Logf func(format string, args ...any)
}

// A Service is the alerts and dispatches of one node: it appends the board's
// proposals to the commands stream, frees orphaned claims, reloads the rules
// when their file changes, and carries out the changes people ask for
// (acknowledge, resolve, dispatch, clear, cancel), answering once the change
// is folded. It is safe for concurrent use; every read goes through the loop.
type Service struct {
	cfg   ServiceConfig
	loop  *live.Loop
	board *Board
}

// NewService returns the service of a board; Run starts its background work.
func NewService(cfg ServiceConfig) *Service {
	if cfg.RulesEvery == 0 {
		cfg.RulesEvery = 2 * time.Second
	}
	if cfg.Wait == 0 {
		cfg.Wait = 2 * time.Second
	}
	if cfg.OrphansEvery == 0 {
		cfg.OrphansEvery = time.Hour
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return &Service{cfg: cfg, loop: cfg.Loop, board: cfg.Board}
}

// Run appends proposals, frees orphaned claims and watches the rules file
// until ctx is done; it returns ctx's error.
func (s *Service) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.appendProposals(ctx) })
	g.Go(func() error { return s.releaseOrphans(ctx) })
	if s.cfg.RulesFile != "" {
		g.Go(func() error { return s.watchRules(ctx) })
	}
	return g.Wait()
}

// appendProposals appends the board's proposals. Refused claims are the
// normal outcome of several nodes proposing the same change and are not
// logged; a failure is, and the board proposes again later.
func (s *Service) appendProposals(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ps := <-s.board.Proposals():
			for i := range ps {
				p := &ps[i]
				if _, _, _, err := s.cfg.Store.Append(ctx, p.Claim, &p.Cmd); err != nil && ctx.Err() == nil {
					s.cfg.Logf("ops: %s %s: %v (proposed again later)", p.Cmd.Type, p.Claim.Field, err)
				}
			}
		}
	}
}

// releaseOrphans frees, once the loop is ready and then every OrphansEvery,
// the claims whose commands the length-trimmed stream no longer holds.
func (s *Service) releaseOrphans(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.loop.WhenReady():
	}
	t := time.NewTicker(s.cfg.OrphansEvery)
	defer t.Stop()
	for {
		for _, set := range ClaimSets {
			if n, err := s.cfg.Store.ReleaseOrphans(ctx, set); err != nil && ctx.Err() == nil {
				s.cfg.Logf("ops: releasing orphaned claims: %v", err)
			} else if n > 0 {
				s.cfg.Logf("ops: released %d %s claims whose commands were trimmed from the stream", n, set)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// watchRules re-reads RulesFile when its modification time or size changes.
func (s *Service) watchRules(ctx context.Context) error {
	stamp := func() string {
		st, err := os.Stat(s.cfg.RulesFile)
		if err != nil {
			return ""
		}
		return st.ModTime().String() + "/" + strconv.FormatInt(st.Size(), 10)
	}
	last := stamp()
	t := time.NewTicker(s.cfg.RulesEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		cur := stamp()
		if cur == last || cur == "" {
			continue
		}
		last = cur
		r, err := LoadRules(s.cfg.RulesFile, nil)
		if err != nil {
			s.cfg.Logf("rules: keeping the rules in force: %v", err)
			continue
		}
		if err := s.loop.Do(ctx, func(*live.Env) { s.board.SetRules(r) }); err != nil {
			continue // ctx is done, or the loop stopped
		}
		s.cfg.Logf("rules: reloaded %s", s.cfg.RulesFile)
	}
}

// execute appends a change made by a person and waits (up to Wait) until the
// board has folded it, so the answer, and the next read, show its effect. ok
// is false, with the owner holding the claim, when the claim refused.
func (s *Service) execute(ctx context.Context, p Proposal) (ok bool, holder string, err error) {
	id, ok, holder, err := s.cfg.Store.Append(ctx, p.Claim, &p.Cmd)
	if err != nil || !ok {
		return ok, holder, err
	}
	var folded <-chan struct{}
	if err := s.loop.Do(ctx, func(*live.Env) { folded = s.board.WhenApplied(id) }); err != nil {
		return true, "", nil // stored: it will be folded; the answer may show it late
	}
	t := time.NewTimer(s.cfg.Wait)
	defer t.Stop()
	select {
	case <-folded:
	case <-t.C:
	case <-ctx.Done():
	}
	return true, "", nil
}

// read runs f on the board, with the units, on the loop's goroutine.
func (s *Service) read(ctx context.Context, f func(b *Board, units Units)) error {
	return s.loop.Do(ctx, func(env *live.Env) { f(s.board, unitsOf(env)) })
}
