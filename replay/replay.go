package replay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
)

// A Cursor walks the streams' history in arrival order (stream.Cursor is
// one).
type Cursor interface {
	// Next calls fn with every entry that arrived at or before upTo and was
	// not handed out yet, in arrival order; fn must not keep the event.
	Next(ctx context.Context, upTo time.Time, fn func(*geo.Event)) error
}

// Config configures a Player. The zero value of each field means its default.
type Config struct {
	// Open returns a cursor over the entries that arrived in [from, to].
	// Required.
	Open func(from, to time.Time) Cursor
	// Folds returns new folds for a session to keep beside its heat (the
	// alerts and dispatches board, the cases book), each session its own,
	// holding what they need of the state at start, where the session begins
	// to read the streams (the cases that stood then). Layers names their
	// whole-state layers: what a replay can show besides the heat and units.
	// Nil means none.
	Folds  func(ctx context.Context, start time.Time) ([]live.Fold, error)
	Layers []string
	// Max is how many sessions may run at once on the node. Zero means 4.
	Max int
	// Tick is how often a playing session sends a frame. Zero means 250 ms.
	Tick time.Duration
	// Slack is how far ahead of its arrival an event's time may be (the
	// feeds' bound), so how much more than the longest window a seek reads.
	// Zero means 10 minutes, the live rebuild's margin.
	Slack time.Duration
	// Now is the server's clock: a replay may not end after it. Nil means
	// time.Now.
	Now func() time.Time
	// Wall paces the sessions: a session at speed S moves S seconds of the
	// streams each second of it. Nil means time.Now.
	Wall func() time.Time
}

// Speeds a session may play at: 1 is real time, 3600 an hour a second.
const (
	MinSpeed = 1
	MaxSpeed = 3600
)

// A BusyError is Start's answer when Max sessions are running.
type BusyError struct{ Max int }

func (e *BusyError) Error() string {
	return fmt.Sprintf("replay: %d replays are running on this server, the most it allows; try again when one ends", e.Max)
}

// A Player starts sessions and counts them. It is safe for concurrent use.
type Player struct {
	cfg Config

	mu      sync.Mutex
	running int
}

// New returns a player.
func New(cfg Config) *Player {
	if cfg.Max == 0 {
		cfg.Max = 4
	}
	if cfg.Tick == 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	if cfg.Slack == 0 {
		cfg.Slack = 10 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Wall == nil {
		cfg.Wall = time.Now
	}
	return &Player{cfg: cfg}
}

func (p *Player) folds(ctx context.Context, start time.Time) ([]live.Fold, error) {
	if p.cfg.Folds == nil {
		return nil, nil
	}
	return p.cfg.Folds(ctx, start)
}

// Layers lists the whole-state layers a replay can show besides the heat
// and units.
func (p *Player) Layers() []string { return p.cfg.Layers }

// Running is how many sessions are running.
func (p *Player) Running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// A Request is what a client asks to replay: a span, a speed, a heat view,
// and the whole-state layers to show (of Player.Layers).
type Request struct {
	From, To time.Time
	Speed    float64
	View     heat.ViewKey
	Layers   []string
}

// check validates the request against the wall clock now. Errors name the
// field at fault.
func (r Request) check(now time.Time) error {
	switch {
	case r.From.IsZero() || r.To.IsZero():
		return &geo.FieldError{Field: "from", Reason: "from and to are required (RFC 3339)"}
	case !r.From.Before(r.To):
		return &geo.FieldError{Field: "to", Reason: "must be after from"}
	case r.To.After(now):
		return &geo.FieldError{Field: "to", Reason: "is in the future: a replay plays the past (use live)"}
	case r.Speed < MinSpeed || r.Speed > MaxSpeed:
		return &geo.FieldError{Field: "speed", Reason: fmt.Sprintf("must be from %d to %d", MinSpeed, MaxSpeed)}
	}
	return nil
}

// Check reports what is wrong with a request, naming the field, as Start
// would.
func (p *Player) Check(req Request) error {
	for _, name := range req.Layers {
		if slices.Contains(p.cfg.Layers, name) {
			continue
		}
		shows := "the heat and units layers only"
		if len(p.cfg.Layers) > 0 {
			shows = "the heat, units and " + strings.Join(p.cfg.Layers, ", ") + " layers"
		}
		return &geo.FieldError{Field: "layers", Reason: fmt.Sprintf("a replay shows %s; not %q", shows, name)}
	}
	return req.check(p.cfg.Now())
}

// Start checks the request, takes one of the node's Max slots and starts a
// session, which builds the state at req.From and sends it as the first
// frame. out receives every frame, on the session's goroutine; it must not
// block, and returns false when it dropped the frame (the next frame is
// then a snapshot). The session runs until it reaches req.To, Stop is
// called, or ctx ends; then it gives its slot back.
func (p *Player) Start(ctx context.Context, req Request, out func(Frame) bool) (*Session, error) {
	if err := p.Check(req); err != nil {
		return nil, err
	}
	req.View = req.View.Normal()
	p.mu.Lock()
	if p.running >= p.cfg.Max {
		p.mu.Unlock()
		return nil, &BusyError{Max: p.cfg.Max}
	}
	p.running++
	p.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	s := &Session{p: p, req: req, out: out, ctx: ctx, cancel: cancel,
		ctl: make(chan control, 4), done: make(chan struct{})}
	go s.run()
	return s, nil
}

func (p *Player) release() {
	p.mu.Lock()
	p.running--
	p.mu.Unlock()
}

// ErrEnded is what a control of a session that has ended returns.
var ErrEnded = errors.New("replay: the replay has ended (start another)")
