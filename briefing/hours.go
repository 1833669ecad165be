package briefing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

// The archive of hours: each hour's incidents (by event time) by district and
// category, kept beyond the streams' retention. The default briefing (a day
// ending at 08:00) compares with the same day a week before, which starts
// eight days back; the streams keep seven. Every node folds the streams into
// Hours and stores each hour the streams hold whole; any node may write an
// hour, and writing it twice changes nothing, since every node folds the
// same streams.

// An HourCounts is one hour's incidents: by district code ("" for outside
// every district), then category.
type HourCounts map[string]map[string]int

// hourNum numbers the hours since 1970-01-01 00:00 UTC.
type hourNum int64

func hourOf(t time.Time) hourNum   { return hourNum(t.Unix() / 3600) }
func (h hourNum) start() time.Time { return time.Unix(int64(h)*3600, 0).UTC() }

// storedHour is an hour as the archive keeps it (JSON).
type storedHour struct {
	V      int        `json:"v"`
	Hour   time.Time  `json:"hour"`
	Counts HourCounts `json:"counts"`
}

// HourArchive stores hours by number (stream.HourStore is one).
type HourArchive interface {
	SaveHours(ctx context.Context, hours map[int64][]byte) error
	// Hours returns the stored hours of those asked; an hour not stored is
	// absent.
	Hours(ctx context.Context, hours []int64) (map[int64][]byte, error)
}

// HoursConfig configures Hours.
type HoursConfig struct {
	// Since is the earliest arrival the fold is given (the tailer's
	// IncidentsSince): an hour starting before Since plus the feeds' lead
	// (margin) may miss incidents stored before Since, so it is never stored.
	Since time.Time
	// Keep is how long after it ended an hour stays in memory (the streams'
	// retention: a late incident may still come).
	Keep time.Duration
}

// Hours is the fold of the archive (a live.Fold): it counts the incidents
// by hour, district and category, and seals every hour as it ends, so an
// hour without an incident is stored too (as none, not as unknown).
type Hours struct {
	whole  hourNum // the first hour the fold sees whole
	keep   time.Duration
	now    time.Time
	sealed hourNum // the hours before it are in hours (or were dropped)
	hours  map[hourNum]HourCounts
	dirty  map[hourNum]bool
}

var _ live.Fold = (*Hours)(nil)

// NewHours returns an empty fold.
func NewHours(cfg HoursConfig) *Hours {
	whole := hourOf(cfg.Since.Add(margin + time.Hour - time.Nanosecond))
	return &Hours{whole: whole, sealed: whole, keep: cfg.Keep, hours: map[hourNum]HourCounts{}, dirty: map[hourNum]bool{}}
}

// Advance moves the fold's clock.
func (h *Hours) Advance(now time.Time) {
	if now.After(h.now) {
		h.now = now
	}
}

// Apply counts an incident in its hour.
func (h *Hours) Apply(_ *live.Env, e *geo.Event) {
	if e.Kind != geo.KindIncident {
		return
	}
	in := &e.Incident
	n := hourOf(in.Time)
	if n < h.whole {
		return
	}
	c := h.hours[n]
	if c == nil {
		c = HourCounts{}
		h.hours[n] = c
	}
	d := in.Regions.District
	if c[d] == nil {
		c[d] = map[string]int{}
	}
	c[d][in.Category]++
	h.dirty[n] = true
}

// Tick seals the hours that ended, once the rebuild is folded (before, an
// hour is not whole yet), and forgets those ended over Keep ago that are
// stored.
func (h *Hours) Tick(env *live.Env, _ *live.Tick) {
	if env != nil && !env.Ready() {
		return
	}
	for now := hourOf(h.now); h.sealed < now; h.sealed++ {
		if h.hours[h.sealed] == nil {
			h.hours[h.sealed] = HourCounts{}
		}
		h.dirty[h.sealed] = true
	}
	oldest := hourOf(h.now.Add(-h.keep - time.Hour))
	for n := range h.hours {
		if n < oldest && !h.dirty[n] {
			delete(h.hours, n)
		}
	}
}

// Changed encodes the sealed hours that changed since the last call, by
// number, for the archive. It runs on the loop (Loop.Do).
func (h *Hours) Changed() (map[int64][]byte, error) {
	out := map[int64][]byte{}
	for n := range h.dirty {
		if n >= h.sealed {
			continue // still open: stored once it ends (and again if a late one comes)
		}
		b, err := json.Marshal(storedHour{V: 1, Hour: n.start(), Counts: h.hours[n]})
		if err != nil {
			return nil, err
		}
		out[int64(n)] = b
		delete(h.dirty, n)
	}
	return out, nil
}

// KeepHours writes, every `every`, the hours that changed to the archive,
// until ctx ends. A failed write is logged and tried again.
func KeepHours(ctx context.Context, loop *live.Loop, h *Hours, archive HourArchive, every time.Duration, logf func(string, ...any)) error {
	select {
	case <-loop.WhenReady():
	case <-ctx.Done():
		return ctx.Err()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var pending map[int64][]byte
	for {
		var changed map[int64][]byte
		err := loop.Do(ctx, func(*live.Env) { changed, _ = h.Changed() })
		if err == nil {
			if pending == nil {
				pending = changed
			} else {
				for n, b := range changed {
					pending[n] = b
				}
			}
			if err = archive.SaveHours(ctx, pending); err == nil {
				pending = nil
			}
		}
		if err != nil && ctx.Err() == nil {
			logf("briefing: keeping the hours: %v", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// archivedPeriod sums the archive's hours of a period, and false when the
// period does not start and end on the hour or an hour of it is not stored.
func archivedPeriod(ctx context.Context, archive HourArchive, p period) (*Period, bool, error) {
	if archive == nil || !p.from.Equal(hourOf(p.from).start()) || !p.to.Equal(hourOf(p.to).start()) {
		return nil, false, nil
	}
	var want []int64
	for n := hourOf(p.from); n < hourOf(p.to); n++ {
		want = append(want, int64(n))
	}
	got, err := archive.Hours(ctx, want)
	if err != nil {
		return nil, false, err
	}
	out := &Period{From: p.from, To: p.to, ByDistrict: map[string]int{}}
	for _, n := range want {
		b, ok := got[n]
		if !ok {
			return nil, false, nil
		}
		var sh storedHour
		if err := json.Unmarshal(b, &sh); err != nil || sh.V != 1 {
			return nil, false, fmt.Errorf("briefing: stored hour %s: version %d, %v", hourNum(n).start(), sh.V, err)
		}
		for d, cats := range sh.Counts {
			for _, k := range cats {
				out.Total += k
				out.ByDistrict[d] += k
			}
		}
	}
	return out, true, nil
}
