package safety

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/stream"
)

// A Store keeps tallies and marks beyond the streams (stream.SafetyStore).
type Store interface {
	SaveDays(ctx context.Context, days map[string][]byte) error
	Days(ctx context.Context, dates []string) (map[string][]byte, error)
	SaveMarks(ctx context.Context, hour time.Time, yearDay func(time.Time) (int, int), marks map[string]stream.Mark) error
	Marks(ctx context.Context, code string, years []int, dayStart func(year, yday int) time.Time) (daily, hourly []stream.TimedMark, err error)
	HourMarks(ctx context.Context, codes []string, hour time.Time) (map[string]stream.Mark, error)
}

var _ Store = (*stream.SafetyStore)(nil)

// ServiceConfig configures a Service.
type ServiceConfig struct {
	Loop  *live.Loop
	Fold  *Fold
	Store Store
	// Every is how often tallies and marks are written. Zero means a minute.
	Every time.Duration
	Logf  func(string, ...any)
}

// A Service is the safety index's side that talks to the world: it reads
// the stored history into the fold at start, writes the fold's closed days
// and the hourly marks, and answers the API through the loop.
type Service struct {
	cfg      ServiceConfig
	lastHour time.Time
}

// NewService returns a service over the fold in the loop.
func NewService(cfg ServiceConfig) *Service {
	if cfg.Every == 0 {
		cfg.Every = time.Minute
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return &Service{cfg: cfg}
}

// Preload reads the stored days the fold's periods reach into it. Call it
// before the streams are tailed, so the first index has its history.
func (s *Service) Preload(ctx context.Context) (int, error) {
	var dates []string
	if err := s.cfg.Loop.Do(ctx, func(*live.Env) { dates = s.cfg.Fold.storedDates() }); err != nil {
		return 0, err
	}
	blobs, err := s.cfg.Store.Days(ctx, dates)
	if err != nil {
		return 0, err
	}
	var days []storedDay
	for date, b := range blobs {
		d, err := decodeDay(b)
		if err != nil {
			s.cfg.Logf("safety: stored day %s: %v (skipped)", date, err)
			continue
		}
		days = append(days, d)
	}
	err = s.cfg.Loop.Do(ctx, func(*live.Env) {
		for _, d := range days {
			s.cfg.Fold.load(d)
		}
	})
	return len(days), err
}

// Run writes, every Every, the closed days that changed and, once an hour,
// every region's index of the default period, until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Every)
	defer t.Stop()
	select {
	case <-s.cfg.Loop.WhenReady():
	case <-ctx.Done():
		return ctx.Err()
	}
	for {
		if err := s.Persist(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logf("safety: keeping the history: %v", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Persist writes what changed: closed days, and the hour's marks once per
// hour.
func (s *Service) Persist(ctx context.Context) error {
	var (
		days  []storedDay
		table *Table
	)
	// The marks are of the table the fold last computed (off the loop, in
	// Tick). Before its first, there are none this round: computing one here
	// would hold the loop (0.3 s of a core, seconds under the race detector,
	// while every question to the loop waits) or double the first
	// recomputation's work and memory beside Tick's.
	if err := s.cfg.Loop.Do(ctx, func(*live.Env) {
		days = s.cfg.Fold.dirty()
		table = s.cfg.Fold.Table(s.cfg.Fold.Config().DefaultPeriod)
	}); err != nil {
		return err
	}
	if table == nil {
		table = &Table{}
	}
	blobs := map[string][]byte{}
	for _, d := range days {
		b, err := encodeDay(d)
		if err != nil {
			return err
		}
		blobs[d.Date] = b
	}
	if err := s.cfg.Store.SaveDays(ctx, blobs); err != nil {
		return err
	}
	hour := table.AsOf.Truncate(time.Hour)
	if table.AsOf.IsZero() || !hour.After(s.lastHour) || len(table.rows) == 0 {
		return nil
	}
	marks := make(map[string]stream.Mark, len(table.rows))
	for _, r := range table.rows {
		marks[r.Code] = markOf(r)
	}
	if err := s.cfg.Store.SaveMarks(ctx, hour, func(t time.Time) (int, int) {
		t = t.In(s.cfg.Fold.Config().loc)
		return t.Year(), t.YearDay()
	}, marks); err != nil {
		return err
	}
	s.lastHour = hour
	return nil
}

func markOf(r Row) stream.Mark {
	h := func(v float64) uint16 { return uint16(math.Round(min(max(v, 0), 100) * 100)) }
	return stream.Mark{h(r.Index), h(r.Sub.PublicOrder), h(r.Sub.Traffic), h(r.Sub.Fire), h(r.Sub.Disputes)}
}

// table is the latest table of period, recomputed first when fresh (or
// when none was computed yet).
func (s *Service) table(ctx context.Context, period string, fresh bool) (*Table, error) {
	cfg := s.cfg.Fold.Config()
	p, ok := cfg.Period(period)
	if !ok {
		return nil, &geo.FieldError{Field: "period", Reason: "must be one of the profile's periods: " + periodNames(cfg)}
	}
	var (
		t        *Table
		z        *frozen
		now      time.Time
		waitTick bool
	)
	err := s.cfg.Loop.Do(ctx, func(env *live.Env) {
		now = env.Now()
		// A recomputation costs 0.3 s of a core at Suzhou's scale: fresh=1
		// within freshEvery of the last one, with no incident tallied since,
		// is answered from it, so no caller can make the nodes spin by
		// asking again and again.
		if fresh && !s.cfg.Fold.Counted() && now.Sub(s.cfg.Fold.ComputedAt()) < freshEvery {
			fresh = false
		}
		t = s.cfg.Fold.Table(p.Name)
		// The first tables are being computed off the loop (Tick): wait for
		// them rather than compute them twice side by side.
		waitTick = !fresh && t == nil && s.cfg.Fold.computing
		if fresh || t == nil && !waitTick {
			z = s.cfg.Fold.snapshotWith(env)
		}
	})
	for err == nil && waitTick {
		select {
		case <-ctx.Done():
			return nil, errors.Join(live.ErrBusy, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		err = s.cfg.Loop.Do(ctx, func(env *live.Env) {
			t = s.cfg.Fold.Table(p.Name)
			waitTick = t == nil && s.cfg.Fold.computing
			if t == nil && !waitTick {
				z = s.cfg.Fold.snapshotWith(env)
			}
		})
	}
	if err != nil {
		return nil, err
	}
	if z != nil {
		// Computed here, on the request's goroutine: the loop goes on
		// folding meanwhile, and takes the tables back after.
		tables := z.computeAll()
		if err := s.cfg.Loop.Do(ctx, func(*live.Env) { s.cfg.Fold.install(z, tables) }); err != nil {
			return nil, err
		}
		t = tables[p.Name]
	}
	if t == nil { // the regions are not loaded yet: no rows
		t = &Table{Period: p.Name, AsOf: now, byCode: map[string]int{}}
	}
	return t, nil
}

// freshEvery is how often fresh=1 may recompute the index.
const freshEvery = 5 * time.Second

func periodNames(c *Config) string {
	s := ""
	for i, p := range c.Periods {
		if i > 0 {
			s += ", "
		}
		s += p.Name
	}
	return s
}

// A List is the answer of GET /api/v1/index.
type List struct {
	Period string    `json:"period"`
	Level  string    `json:"level"`
	AsOf   time.Time `json:"asOf"`
	Rows   []Row     `json:"rows"`
}

// List returns every region of level over period, best first.
func (s *Service) List(ctx context.Context, level geo.Level, period string, fresh bool) (*List, error) {
	t, err := s.table(ctx, period, fresh)
	if err != nil {
		return nil, err
	}
	return &List{Period: t.Period, Level: level.String(), AsOf: t.AsOf, Rows: t.Level(level)}, nil
}

// An AsOfList is a level's index as it stood at one hour of the last week,
// from the hourly marks (ListAt).
type AsOfList struct {
	Period string    `json:"period"`
	Level  string    `json:"level"`
	AsOf   time.Time `json:"asOf"`
	// Since is the hour Change is measured from.
	Since time.Time `json:"since"`
	Rows  []AsOfRow `json:"rows"`
}

// An AsOfRow is a region's row at AsOf. Its Change is the index less the
// index at Since, null where that hour has no mark (in a live list, the
// index less the previous period's).
type AsOfRow struct {
	Row
	Change *float64 `json:"change"`
}

// ListAt returns the regions of level as they stood at the hour of at (the
// default period's index, kept hourly for the last week), best first, with
// their change since the hour of since; false when a region of the level
// has no mark at that hour (the server did not run then, or it is over a
// week ago, or the hour's mark is not written yet).
func (s *Service) ListAt(ctx context.Context, level geo.Level, since, at time.Time) (*AsOfList, bool, error) {
	cfg := s.cfg.Fold.Config()
	latest, err := s.table(ctx, cfg.DefaultPeriod, false)
	if err != nil {
		return nil, false, err
	}
	current := latest.Level(level) // the regions of the level, named
	if len(current) == 0 {
		return nil, false, nil
	}
	codes := make([]string, len(current))
	for i, r := range current {
		codes[i] = r.Code
	}
	hour, from := at.Truncate(time.Hour), since.Truncate(time.Hour)
	marks, err := s.cfg.Store.HourMarks(ctx, codes, hour)
	if err != nil {
		return nil, false, err
	}
	if len(marks) < len(codes) {
		return nil, false, nil
	}
	before, err := s.cfg.Store.HourMarks(ctx, codes, from)
	if err != nil {
		return nil, false, err
	}
	t := &Table{Period: cfg.DefaultPeriod, AsOf: hour, byCode: map[string]int{}}
	for i, r := range current {
		m := marks[r.Code]
		row := Row{Code: r.Code, Name: r.Name, Level: r.Level, Parent: r.Parent, Index: float64(m[0]) / 100,
			Sub: SubScores{PublicOrder: float64(m[1]) / 100, Traffic: float64(m[2]) / 100, Fire: float64(m[3]) / 100, Disputes: float64(m[4]) / 100}}
		row.Band = cfg.Band(row.Index)
		t.byCode[r.Code] = i
		t.levels[level] = append(t.levels[level], i)
		t.rows = append(t.rows, row)
	}
	t.rank()
	out := &AsOfList{Period: t.Period, Level: level.String(), AsOf: hour, Since: from, Rows: make([]AsOfRow, 0, len(codes))}
	for _, r := range t.Level(level) {
		ar := AsOfRow{Row: r}
		if b, ok := before[r.Code]; ok {
			ch := round1(r.Index - float64(b[0])/100)
			ar.Change = &ch
		}
		out.Rows = append(out.Rows, ar)
	}
	return out, true, nil
}

// AsOfList is the list as an AsOfList, its change against the previous period.
func (l *List) AsOfList() *AsOfList {
	out := &AsOfList{Period: l.Period, Level: l.Level, AsOf: l.AsOf, Rows: make([]AsOfRow, len(l.Rows))}
	for i, r := range l.Rows {
		ch := r.Change
		out.Rows[i] = AsOfRow{Row: r, Change: &ch}
	}
	return out
}

// A Point is a region's index at one time of its history.
type Point struct {
	At    time.Time `json:"at"`
	Index float64   `json:"index"`
	Sub   SubScores `json:"sub"`
}

// A Detail is the answer of GET /api/v1/index/{code}: the row, what it was
// computed from, and its history (the default period's index, kept daily
// and, for the last week, hourly).
type Detail struct {
	Row
	Period  string    `json:"period"`
	AsOf    time.Time `json:"asOf"`
	Inputs  []Input   `json:"inputs"`
	Daily   []Point   `json:"daily"`
	Hourly  []Point   `json:"hourly"`
	Weights SubScores `json:"weights"`
}

// Detail returns one region's index over period with its inputs, and its
// last days of history.
func (s *Service) Detail(ctx context.Context, code, period string, days int, fresh bool) (*Detail, error) {
	t, err := s.table(ctx, period, fresh)
	if err != nil {
		return nil, err
	}
	row, inputs, ok := t.Row(code)
	if !ok {
		return nil, geo.NotFound("region %q: no such region", code)
	}
	cfg := s.cfg.Fold.Config()
	d := &Detail{Row: row, Period: t.Period, AsOf: t.AsOf, Inputs: inputs[:], Daily: []Point{}, Hourly: []Point{},
		Weights: SubScores{round2(cfg.Subs[0].Weight), round2(cfg.Subs[1].Weight), round2(cfg.Subs[2].Weight), round2(cfg.Subs[3].Weight)}}
	now := t.AsOf.In(cfg.loc)
	from := now.AddDate(0, 0, -days)
	var years []int
	for y := from.Year(); y <= now.Year(); y++ {
		years = append(years, y)
	}
	daily, hourly, err := s.cfg.Store.Marks(ctx, code, years, func(year, yday int) time.Time {
		return time.Date(year, 1, yday, 0, 0, 0, 0, cfg.loc)
	})
	if err != nil {
		return nil, err
	}
	point := func(m stream.TimedMark) Point {
		v := func(i int) float64 { return float64(m.Mark[i]) / 100 }
		return Point{At: m.At, Index: v(0), Sub: SubScores{v(1), v(2), v(3), v(4)}}
	}
	for _, m := range daily {
		if !m.At.Before(time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, cfg.loc)) && !m.At.After(now) {
			d.Daily = append(d.Daily, point(m))
		}
	}
	for _, m := range hourly {
		if m.At.After(now.Add(-7 * day)) {
			d.Hourly = append(d.Hourly, point(m))
		}
	}
	return d, nil
}
