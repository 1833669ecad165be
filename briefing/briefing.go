package briefing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/stream"
)

// A Scanner reads the entries stored in [from, to) of the streams of one kind
// (to zero: up to their end); stream.Reader is one.
type Scanner interface {
	Scan(ctx context.Context, k stream.Kind, shards []geo.Cell, from, to time.Time, fn func([]geo.Event)) error
}

// Config configures a Source. Fields marked required must be set; the zero
// value of the others means their default.
type Config struct {
	// Streams reads the streams; Shards are every shard a writer may write
	// to (stream.Layout.Shards). Required.
	Streams Scanner
	Shards  []geo.Cell
	// Retention is how long the streams keep events. Zero means 7 days.
	Retention time.Duration
	// Zone bounds the default window (Window). Nil means UTC.
	Zone *time.Location
	// ArriveRings is the rules' DispatchRule.ArriveRings in force. Nil means 1.
	ArriveRings func() int
	// Place names a res-8 cell and its district's code. Nil names none.
	Place func(geo.Cell) (name, district string)
	// District is the district code of a fine cell (a dispatch's target).
	// Nil means none.
	District func(geo.Cell) string
	// Top is how many of the hottest places are listed. Zero means 10.
	Top int
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Archive holds the hours the streams no longer do (Hours, KeepHours):
	// a comparison period older than the streams is summed from it. Nil
	// means such a period is null.
	Archive HourArchive
	// Concurrent is how many briefings may be computed at once; one more is
	// refused with ErrBusy. Each reads a day or more of the streams, so a
	// few callers asking again and again must not hold Redis. Zero means 2.
	Concurrent int
}

// ErrBusy refuses a briefing while Config.Concurrent others are computed.
var ErrBusy = errors.New("briefing: as many briefings as allowed are being computed; retry")

// A Source computes briefings from the streams. It holds no state: each
// briefing reads what it counts.
type Source struct {
	cfg   Config
	slots chan struct{}
}

// New returns a source over cfg.
func New(cfg Config) *Source {
	if cfg.Retention == 0 {
		cfg.Retention = 7 * 24 * time.Hour
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.ArriveRings == nil {
		cfg.ArriveRings = func() int { return 1 }
	}
	if cfg.Place == nil {
		cfg.Place = func(geo.Cell) (string, string) { return "", "" }
	}
	if cfg.District == nil {
		cfg.District = func(geo.Cell) string { return "" }
	}
	if cfg.Top == 0 {
		cfg.Top = 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Concurrent == 0 {
		cfg.Concurrent = 2
	}
	return &Source{cfg: cfg, slots: make(chan struct{}, cfg.Concurrent)}
}

// HotRes is the H3 resolution of the hottest places.
const HotRes = 8

// margin is how far before a window an entry holding one of its events may
// have been stored: feeds may stamp events a few minutes ahead of the
// server's clock (feed.Limits.MaxAhead, 5 minutes by default).
const margin = 10 * time.Minute

// Window is the default window at now: yesterday 08:00 to today 08:00 in
// the source's zone (if now is before 08:00, the day before).
func (s *Source) Window(now time.Time) (from, to time.Time) {
	n := now.In(s.cfg.Zone)
	to = time.Date(n.Year(), n.Month(), n.Day(), 8, 0, 0, 0, s.cfg.Zone)
	if to.After(n) {
		to = to.AddDate(0, 0, -1)
	}
	return to.AddDate(0, 0, -1).UTC(), to.UTC()
}

// Check reports a window the streams cannot answer as a *geo.FieldError:
// to not after from, longer than the retention, starting before the
// streams' oldest entries or in the future. A window that ends in the future
// counts what happened so far.
func (s *Source) Check(from, to time.Time) error {
	now := s.cfg.Now()
	switch {
	case !from.Before(to):
		return &geo.FieldError{Field: "to", Reason: "must be after from"}
	case to.Sub(from) > s.cfg.Retention:
		return &geo.FieldError{Field: "to", Reason: fmt.Sprintf("the window is at most %v (the streams' retention)", s.cfg.Retention)}
	case from.Before(now.Add(-s.cfg.Retention)):
		return &geo.FieldError{Field: "from", Reason: fmt.Sprintf("at most %v ago (the streams' retention)", s.cfg.Retention)}
	case from.After(now):
		return &geo.FieldError{Field: "from", Reason: "must not be in the future"}
	}
	return nil
}

// Compute reads the streams and returns the briefing of [from, to), which
// Check must have accepted. Errors are Check's, ErrBusy, or wrap
// stream.ErrUnavailable.
func (s *Source) Compute(ctx context.Context, from, to time.Time) (*Briefing, error) {
	if err := s.Check(from, to); err != nil {
		return nil, err
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		return nil, ErrBusy
	}
	now := s.cfg.Now()
	oldest := now.Add(-s.cfg.Retention)
	c := newCounter(from, to, oldest, s.cfg)
	read := c.earliest().Add(-margin)
	if read.Before(oldest) {
		read = oldest
	}
	err := s.cfg.Streams.Scan(ctx, stream.Incidents, s.cfg.Shards, read, time.Time{}, func(es []geo.Event) {
		for i := range es {
			c.incident(&es[i])
		}
	})
	if err == nil {
		err = s.cfg.Streams.Scan(ctx, stream.Commands, nil, from.Add(-margin), time.Time{}, func(es []geo.Event) {
			for i := range es {
				c.command(&es[i])
			}
		})
	}
	if err == nil && len(c.units) > 0 {
		posFrom, posTo := c.positionsSpan()
		err = s.cfg.Streams.Scan(ctx, stream.Positions, s.cfg.Shards, posFrom, posTo, func(es []geo.Event) {
			for i := range es {
				c.position(&es[i])
			}
		})
	}
	if err != nil {
		return nil, err
	}
	// The comparisons the streams no longer hold come from the archive of
	// hours, when it has every hour of them.
	for _, cmp := range []struct {
		p    **Period
		span period
	}{{&c.prev, c.prevSpan}, {&c.week, c.weekSpan}} {
		if *cmp.p != nil {
			continue
		}
		p, ok, err := archivedPeriod(ctx, s.cfg.Archive, cmp.span)
		if err != nil {
			return nil, err
		}
		if ok {
			*cmp.p = p
		}
	}
	return c.finish(), nil
}

// Zone is the zone of the default window.
func (s *Source) Zone() *time.Location { return s.cfg.Zone }
