package sim

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// A Simulator generates incidents and patrol positions for one city and, while
// Run is active, posts them to a citygrid server.
type Simulator struct {
	cfg   Config
	atlas *atlas
	runID string
	words *phrasebook // the profile's language
	roads []string    // the profile's roads, or the phrasebook's // makes incident ids unique across runs, so restarts are not deduped away

	// Backoff bounds for failed POSTs; fields rather than constants so tests need
	// not sleep for seconds.
	backoffMin, backoffMax time.Duration

	mu        sync.Mutex // guards the incident generator
	irng      *rand.Rand
	spots     []choice[*hotSpot]
	lastDrift time.Time
	seq       int64

	umu      sync.Mutex // guards the fleet, a separate stream so positions never perturb incidents
	urng     *rand.Rand
	units    []*unit
	byID     map[string]*unit
	finished map[string]bool // dispatches units have cleared that the server may still list

	// Bounds in seconds on a unit's time on scene; fields so tests need not wait minutes.
	sceneMin, sceneMax float64
	// caseEvery is how often due case steps are taken; a field so tests need
	// not wait.
	caseEvery time.Duration

	stats   counters
	running atomic.Bool
	lastLog atomic.Int64 // unix nanos of the last rate-limited log line
}

// Stats counts events and POSTs since the simulator was created. Sent counts
// events (incidents and positions) handed to the server, once per event however
// often its batch was retried; Accepted, Duplicates and Rejected are the
// server's verdicts; Retries counts re-sent POSTs and Errors failed POSTs
// (transport errors and error statuses, retried or not). Orders counts the
// server's dispatches units took on, Cleared those they finished on scene.
// Cases counts the cases opened, Moves the steps they were moved on.
type Stats struct {
	Sent, Accepted, Duplicates, Rejected, Retries, Errors int64
	Orders, Cleared                                       int64
	Cases, Moves                                          int64
}

type counters struct {
	sent, accepted, duplicates, rejected, retries, errors atomic.Int64
	orders, cleared                                       atomic.Int64
	cases, moves                                          atomic.Int64
}

// New validates cfg and builds a simulator: hot spots placed, units at their
// posts. Nothing is sent until Run.
func New(cfg Config) (*Simulator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	seed := uint64(cfg.Seed)
	start := cfg.Now()
	// Independent streams: the incident stream must not depend on how many
	// units there are or how often they report.
	irng := rand.New(rand.NewPCG(seed, 1))
	a, err := newAtlas(cfg.Profile, irng)
	if err != nil {
		return nil, err
	}
	// The run id mixes in the clock so two runs with the same seed (a scripted
	// demo) still get fresh ids instead of being taken as duplicates.
	idr := rand.New(rand.NewPCG(seed, uint64(start.UnixNano())))
	s := &Simulator{
		cfg:        cfg,
		atlas:      a,
		runID:      strconv.FormatUint(idr.Uint64()%(36*36*36*36*36*36), 36),
		backoffMin: 500 * time.Millisecond,
		backoffMax: 10 * time.Second,
		finished:   map[string]bool{},
		sceneMin:   30,
		sceneMax:   180,
		caseEvery:  time.Second,
		irng:       irng,
		lastDrift:  start,
		urng:       rand.New(rand.NewPCG(seed, 2)),
	}
	s.words = phrasebookFor(cfg.Profile)
	s.roads = cfg.Profile.Roads
	if len(s.roads) == 0 {
		s.roads = s.words.roads
	}
	s.spots = newHotSpots(a, irng)
	s.units = s.newFleet()
	s.byID = make(map[string]*unit, len(s.units))
	for _, u := range s.units {
		s.byID[u.id] = u
	}
	return s, nil
}

// Stats returns a snapshot of the counters.
func (s *Simulator) Stats() Stats {
	c := &s.stats
	return Stats{
		Sent:       c.sent.Load(),
		Accepted:   c.accepted.Load(),
		Duplicates: c.duplicates.Load(),
		Rejected:   c.rejected.Load(),
		Retries:    c.retries.Load(),
		Errors:     c.errors.Load(),
		Orders:     c.orders.Load(),
		Cleared:    c.cleared.Load(),
		Cases:      c.cases.Load(),
		Moves:      c.moves.Load(),
	}
}
