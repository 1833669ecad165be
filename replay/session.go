package replay

import (
	"bytes"
	"context"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
)

// A Session is one replay. Its state is its goroutine's: the controls
// (Pause, Resume, Seek, SetSpeed, Stop) reach it through a channel.
type Session struct {
	p      *Player
	req    Request
	out    func(Frame) bool
	ctx    context.Context
	cancel context.CancelFunc
	ctl    chan control
	done   chan struct{}

	// The goroutine's own.
	state  *heat.State
	folds  *live.Set         // the heat and the session's other folds
	sent   map[string][]byte // the layers as the last frame left them
	cur    Cursor
	pos    time.Time // the stream position: every entry up to it is folded
	paused bool
	seq    uint64
	resync bool // the previous frame was dropped: send a snapshot
}

type control struct {
	action string // "pause", "resume", "seek", "speed"
	at     time.Time
	speed  float64
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Stop ends the session and waits for its goroutine.
func (s *Session) Stop() {
	s.cancel()
	<-s.done
}

// Pause stops the replay's clock.
func (s *Session) Pause() error { return s.send(control{action: "pause"}) }

// Resume starts the replay's clock again.
func (s *Session) Resume() error { return s.send(control{action: "resume"}) }

// Seek moves the replay to at (within its span), and sends a snapshot.
func (s *Session) Seek(at time.Time) error {
	if at.Before(s.req.From) || at.After(s.req.To) {
		return &geo.FieldError{Field: "at", Reason: "outside the replay's from and to"}
	}
	return s.send(control{action: "seek", at: at})
}

// SetSpeed changes the replay's speed.
func (s *Session) SetSpeed(speed float64) error {
	if speed < MinSpeed || speed > MaxSpeed {
		return &geo.FieldError{Field: "speed", Reason: "must be from 1 to 3600"}
	}
	return s.send(control{action: "speed", speed: speed})
}

func (s *Session) send(c control) error {
	select {
	case <-s.done: // first: the channel has room after the end too
		return ErrEnded
	default:
	}
	select {
	case s.ctl <- c:
		return nil
	case <-s.done:
		return ErrEnded
	}
}

func (s *Session) run() {
	defer close(s.done)
	defer s.p.release()
	defer s.cancel()
	if err := s.build(s.req.From); err != nil {
		s.fail(err)
		return
	}
	s.emit(true, false)
	// The timer fires every Tick, and exactly when the replay reaches To, so
	// a span at speed S lasts span/S however it divides into ticks.
	timer := time.NewTimer(s.p.cfg.Tick)
	defer timer.Stop()
	anchorWall, anchorPos := s.p.cfg.Wall(), s.pos
	for {
		select {
		case <-s.ctx.Done():
			return
		case c := <-s.ctl:
			var err error
			snapshot := false
			switch c.action {
			case "pause":
				s.paused = true
			case "resume":
				s.paused = false
			case "speed":
				s.req.Speed = c.speed
			case "seek":
				err, snapshot = s.seek(c.at), true
			}
			if err != nil {
				s.fail(err)
				return
			}
			anchorWall, anchorPos = s.p.cfg.Wall(), s.pos
			s.emit(snapshot, false)
			s.rearm(timer)
		case <-timer.C:
			if s.paused {
				s.rearm(timer)
				continue
			}
			elapsed := s.p.cfg.Wall().Sub(anchorWall)
			target := anchorPos.Add(time.Duration(float64(elapsed) * s.req.Speed))
			if !target.Before(s.req.To) {
				target = s.req.To
			}
			if err := s.advance(target); err != nil {
				s.fail(err)
				return
			}
			end := !target.Before(s.req.To)
			s.emit(false, end)
			if end {
				return
			}
			s.rearm(timer)
		}
	}
}

// rearm sets the timer to the next tick, or to when the replay reaches To if
// that is sooner.
func (s *Session) rearm(t *time.Timer) {
	next := s.p.cfg.Tick
	if rem := time.Duration(float64(s.req.To.Sub(s.pos)) / s.req.Speed); rem < next {
		next = max(rem, time.Millisecond)
	}
	t.Reset(next)
}

// build makes the state at `at` from scratch: a fold whose clock starts at
// at − 24 h − Slack, fed every entry that arrived since.
func (s *Session) build(at time.Time) error {
	start := at.Add(-geo.LongestWindow() - s.p.cfg.Slack)
	s.state = heat.NewState(start)
	s.state.Watch(s.req.View)
	others, err := s.p.folds(s.ctx, start)
	if err != nil {
		return err
	}
	s.folds = live.NewSet(append([]live.Fold{s.state}, others...)...)
	s.folds.Advance(start)
	s.cur = s.p.cfg.Open(start, s.req.To)
	s.pos = start
	err = s.advance(at)
	s.state.Changes() // the snapshot that follows holds it all
	return err
}

// seek moves to at: on from the position when at is ahead by less than a
// rebuild would read, else by building the state at `at`.
func (s *Session) seek(at time.Time) error {
	if !at.Before(s.pos) && at.Sub(s.pos) <= geo.LongestWindow()+s.p.cfg.Slack {
		err := s.advance(at)
		s.state.Changes()
		return err
	}
	return s.build(at)
}

// advance folds every entry that arrived up to t, each after moving the
// fold's clock to its arrival, as the live loop folded it, then moves the
// clock to t.
func (s *Session) advance(t time.Time) error {
	err := s.cur.Next(s.ctx, t, func(e *geo.Event) {
		s.folds.Advance(e.Ingested)
		s.folds.Apply(e)
	})
	if err != nil {
		return err
	}
	s.folds.Advance(t)
	s.pos = t
	return nil
}

// emit sends the state at the position: a snapshot when asked or when the
// previous frame was dropped, else what changed since the previous frame.
func (s *Session) emit(snapshot, ended bool) {
	s.seq++
	f := Frame{Seq: s.seq, At: s.pos, From: s.req.From, To: s.req.To, Speed: s.req.Speed,
		Paused: s.paused, Ended: ended, View: s.req.View}
	ch := s.state.Changes()
	if snapshot || s.resync {
		f.Snapshot = true
		f.Cells, f.Total = s.state.Heat(s.req.View)
		f.Totals = s.state.Totals(s.req.View)
		f.Units = s.state.Units()
		s.sent = nil
	} else {
		d := ch.Views[s.req.View]
		f.Cells, f.Total, f.Totals, f.Units = d.Cells, d.Total, ch.Totals(s.req.View), ch.Units
	}
	f.Layers = s.changedLayers()
	s.resync = !s.out(f)
}

// changedLayers returns the requested layers that differ from what the last
// frame left (all of them after a snapshot cleared s.sent), and notes them
// as sent. A layer is a small whole state (the alerts, the dispatches, the
// cases), so comparing it costs little next to the heat.
func (s *Session) changedLayers() map[string][]byte {
	var out map[string][]byte
	for _, name := range s.req.Layers {
		members, _ := s.folds.Layer(name)
		if prev, ok := s.sent[name]; ok && bytes.Equal(prev, members) {
			continue
		}
		if out == nil {
			out = map[string][]byte{}
		}
		if s.sent == nil {
			s.sent = map[string][]byte{}
		}
		out[name], s.sent[name] = members, members
	}
	return out
}

// fail sends the last frame, with the error, unless the session was stopped.
func (s *Session) fail(err error) {
	if s.ctx.Err() != nil {
		return
	}
	s.seq++
	s.out(Frame{Seq: s.seq, At: s.pos, From: s.req.From, To: s.req.To, Speed: s.req.Speed,
		Ended: true, Err: err.Error(), View: s.req.View})
}
