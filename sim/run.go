package sim

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"
)

const (
	incidentsPath = "/api/v1/incidents"
	positionsPath = "/api/v1/positions"

	// tick is how often due events are generated and posted: often enough to
	// look continuous on a live map, rarely enough that a high rate goes out in
	// large, efficient batches.
	tick = 200 * time.Millisecond
	// maxGap caps how much time one tick may catch up on, so a stall (a blocked
	// queue while the server is down, a suspended laptop) does not end in a burst.
	maxGap = time.Second
)

// Run generates and posts incidents and positions until ctx is done, then
// returns nil. Alongside, it polls the server's active dispatches and has the
// units they name obey them (see obey). A server that is down or overloaded,
// or one without dispatches, is waited out, never a reason to stop. Run may be
// active only once at a time.
//
// Pacing follows the wall clock (the injected Now only stamps events and sets
// the time of day), so a fixed test clock still produces a steady flow.
func (s *Simulator) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("sim: Run is already active")
	}
	defer s.running.Store(false)

	// A bounded queue: when every worker is busy (a slow or absent server),
	// generation blocks instead of piling up memory.
	queue := make(chan batch, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range queue {
				s.deliver(ctx, b)
			}
		})
	}
	defer wg.Wait()
	defer close(queue)

	if len(s.units) > 0 {
		pctx, stop := context.WithCancel(ctx)
		polled := make(chan struct{})
		go func() {
			defer close(polled)
			s.pollDispatches(pctx)
		}()
		defer func() { stop(); <-polled }()
	}

	var toCases chan Incident
	if len(s.cfg.CaseKinds) > 0 {
		toCases = make(chan Incident, 64)
		cctx, stop := context.WithCancel(ctx)
		casesDone := make(chan struct{})
		go func() {
			defer close(casesDone)
			s.runCases(cctx, toCases)
		}()
		defer func() { stop(); <-casesDone }()
	}
	// Which incidents become cases is drawn apart from the incident stream,
	// which must not depend on it.
	crng := rand.New(rand.NewPCG(uint64(s.cfg.Seed), 4))

	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	due := 0.0 // fractional incidents carried between ticks, so low rates still add up
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := time.Now()
		dt := min(now.Sub(last), maxGap)
		last = now

		due += s.cfg.Rate * rhythm(s.cfg.Now()) * dt.Seconds()
		n := int(due)
		due -= float64(n)
		for n > 0 {
			k := min(n, s.cfg.Batch)
			n -= k
			ins := s.NextIncidents(k)
			if !enqueue(ctx, s, queue, incidentsPath, ins) {
				return nil
			}
			for _, in := range ins {
				if toCases != nil && crng.Float64() < s.cfg.CaseShare {
					select {
					case toCases <- in:
					default: // the cases are behind: this one stays an incident
					}
				}
			}
		}
		ps := s.NextPositions(dt)
		for len(ps) > 0 {
			k := min(len(ps), s.cfg.Batch)
			if !enqueue(ctx, s, queue, positionsPath, ps[:k]) {
				return nil
			}
			ps = ps[k:]
		}
	}
}

// enqueue encodes events and hands them to a worker; false means ctx ended.
func enqueue[T any](ctx context.Context, s *Simulator, queue chan<- batch, path string, events []T) bool {
	b, err := encode(path, events)
	if err != nil {
		// Only NaN or Inf could get here, which the generators never produce.
		s.logLimited("sim: encoding %s: %v", path, err)
		return true
	}
	select {
	case queue <- b:
		return true
	case <-ctx.Done():
		return false
	}
}
