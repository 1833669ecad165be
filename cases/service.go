package cases

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/paulmach/orb"
)

// A Store keeps case records: each the whole case as a change left it,
// stored only over the version it was made from, and appended to the
// commands stream. stream.CaseStore is one.
type Store interface {
	// Put stores record as version next of case id if the stored version is
	// prev (0: no such case yet), and appends cmd; it returns the entry id,
	// or ok false and the version stored.
	Put(ctx context.Context, id string, prev, next int, record []byte, cmd *geo.Command) (entryID string, ok bool, current int, err error)
	// Records returns every stored record.
	Records(ctx context.Context) ([][]byte, error)
}

// ServiceConfig configures a Service.
type ServiceConfig struct {
	Loop  *live.Loop // runs Book; required
	Book  *Book      // required
	Store Store      // required
	// Place finds the regions of a point (and checks it is in the city);
	// required.
	Place func(p orb.Point) (geo.RegionCodes, bool)
	// CityCode is the city's code, the top level of assignment (a func: the
	// regions may still be generating when the service is made).
	CityCode func() string
	// RegionExists reports whether a region is known at a level; nil
	// accepts any.
	RegionExists func(level geo.Level, code string) bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Wait bounds how long a change waits to be folded before it answers.
	// Zero means 2 s.
	Wait time.Duration
}

// A Service registers and moves cases for people and feeds: it checks a
// change against the case as the book holds it, stores it (exactly one of
// two concurrent changes of a case wins), and answers once the book has
// folded it. It is safe for concurrent use.
type Service struct {
	cfg ServiceConfig
}

// NewService returns the service of a book.
func NewService(cfg ServiceConfig) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Wait == 0 {
		cfg.Wait = 2 * time.Second
	}
	return &Service{cfg: cfg}
}

// A ForbiddenError says the case lies outside the person's scope.
type ForbiddenError struct{ Msg string }

func (e *ForbiddenError) Error() string { return e.Msg }

// NewCase is the body of POST /api/v1/cases.
type NewCase struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Subcategory string    `json:"subcategory"`
	Lat         *float64  `json:"lat"`
	Lng         *float64  `json:"lng"`
	Channel     string    `json:"channel"`
	Incident    string    `json:"incident"`
	Description string    `json:"description"`
	Reporter    *Reporter `json:"reporter"`
}

// Preload folds every stored record into the book: the commands stream is
// trimmed by length, and a case lives for months. Call it once the loop
// runs and before the stream is tailed; records the stream also holds are
// folded once (the versions tell).
func (s *Service) Preload(ctx context.Context) (int, error) {
	recs, err := s.cfg.Store.Records(ctx)
	if err != nil {
		return 0, err
	}
	cases := make([]*Case, 0, len(recs))
	for _, r := range recs {
		var c Case
		if json.Unmarshal(r, &c) == nil && c.ID != "" {
			cases = append(cases, &c)
		}
	}
	err = s.cfg.Loop.Do(ctx, func(*live.Env) {
		for _, c := range cases {
			s.cfg.Book.Put(c)
		}
	})
	return len(cases), err
}

// Open registers a case. created is false when a case with the body's id
// exists: then it is answered as it is (a feed's retry is counted once).
func (s *Service) Open(ctx context.Context, req NewCase, who Actor, scope *Scope) (c *Case, created bool, err error) {
	cat := s.cfg.Book.Catalogue()
	sub := cat.Subcategory(req.Subcategory)
	switch {
	case req.Title == "":
		return nil, false, &geo.FieldError{Field: "title", Reason: "required"}
	case req.Subcategory == "":
		return nil, false, &geo.FieldError{Field: "subcategory", Reason: "required: a code from GET /api/v1/cases/catalogue"}
	case sub == nil:
		return nil, false, &geo.FieldError{Field: "subcategory", Reason: fmt.Sprintf("unknown %q: see GET /api/v1/cases/catalogue", clip(req.Subcategory, 64))}
	case !cat.HasChannel(req.Channel):
		return nil, false, &geo.FieldError{Field: "channel", Reason: fmt.Sprintf("unknown %q: see GET /api/v1/cases/catalogue", clip(req.Channel, 64))}
	case req.Lat == nil || math.IsNaN(*req.Lat) || *req.Lat < -90 || *req.Lat > 90:
		return nil, false, &geo.FieldError{Field: "lat", Reason: "required, between -90 and 90"}
	case req.Lng == nil || math.IsNaN(*req.Lng) || *req.Lng < -180 || *req.Lng > 180:
		return nil, false, &geo.FieldError{Field: "lng", Reason: "required, between -180 and 180"}
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"id", req.ID, 128}, {"title", req.Title, 256}, {"incident", req.Incident, 128}, {"description", req.Description, 4000}} {
		if err := checkText(f.name, f.value, f.max); err != nil {
			return nil, false, err
		}
	}
	if r := req.Reporter; r != nil {
		if err := checkText("reporter.name", r.Name, 64); err != nil {
			return nil, false, err
		}
		if err := checkText("reporter.phone", r.Phone, 32); err != nil {
			return nil, false, err
		}
		if r.Name == "" && r.Phone == "" {
			req.Reporter = nil
		}
	}
	if req.ID == "catalogue" || req.ID == "stats" || strings.ContainsAny(req.ID, "/?#%") {
		return nil, false, &geo.FieldError{Field: "id", Reason: "must not be catalogue or stats, nor hold / ? # or %: it is part of the case's URL"}
	}
	pt := orb.Point{*req.Lng, *req.Lat}
	regions, ok := s.cfg.Place(pt)
	if !ok {
		return nil, false, &geo.FieldError{Field: "lat/lng", Reason: fmt.Sprintf("(%g, %g) is outside the city", *req.Lat, *req.Lng)}
	}
	now := s.now()
	c = &Case{
		ID: req.ID, Title: req.Title, Category: sub.Category, Subcategory: sub.Code, Description: req.Description,
		Channel: req.Channel, Incident: req.Incident, Lat: *req.Lat, Lng: *req.Lng,
		Cell: geo.CellOf(pt, geo.FineRes).String(), Regions: regions, Reporter: req.Reporter, Emergency: sub.Emergency,
		State: Registered, LimitMinutes: sub.LimitMinutes, CreatedAt: now, CreatedBy: who.By,
		Level: sub.Level, Department: sub.Department, Version: 1,
	}
	if !scope.Holds(c) {
		return nil, false, &ForbiddenError{Msg: fmt.Sprintf("the place is outside your %s %s", scope.Level, scope.Code)}
	}
	lv, _ := geo.ParseLevel(sub.Level)
	c.Region = c.regionAt(lv, s.env(now))
	if c.ID == "" {
		c.ID = newID(now)
	}
	c.Label = c.State.Label()
	c.Timeline = []Step{{Action: "register", To: Registered, At: now, By: who.By, ActorLevel: who.Level, ActorRegion: who.Region,
		Level: c.Level, Region: c.Region, Department: c.Department}}
	entry, ok, _, err := s.put(ctx, c, 0, who)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		old, err := s.await(ctx, c.ID, "")
		if err != nil {
			return nil, false, err
		}
		if old == nil {
			return nil, false, &ConflictError{Msg: "case " + c.ID + " exists but is not folded here yet; retry"}
		}
		if !scope.Holds(old) {
			return nil, false, &ForbiddenError{Msg: "case " + c.ID + " exists outside your scope"}
		}
		return old, false, nil
	}
	got, err := s.await(ctx, c.ID, entry)
	if got == nil {
		got = c
	}
	return got, true, err
}

// Move takes an action on case id for who, within scope.
func (s *Service) Move(ctx context.Context, id string, a Action, who Actor, scope *Scope) (*Case, error) {
	c, err := s.Get(ctx, id, scope)
	if err != nil {
		return nil, err
	}
	now := s.now()
	n, err := c.Move(a, who, s.env(now))
	if err != nil {
		return nil, err
	}
	entry, ok, current, err := s.put(ctx, n, c.Version, who)
	if err != nil {
		return nil, err
	}
	if !ok {
		// Someone moved it first: say where it stands now.
		latest, _ := s.await(ctx, id, "")
		state := c.State
		if latest != nil && latest.Version >= current {
			state = latest.State
		}
		return nil, &ConflictError{State: state, Msg: fmt.Sprintf("case %s was changed meanwhile (version %d, now %s): cannot %s it", id, current, state, a.Name)}
	}
	got, err := s.await(ctx, id, entry)
	if got == nil || got.Version < n.Version {
		got = n.at(now) // stored: it will be folded; this answer is ahead of the book
	}
	return got, err
}

// Get returns case id if it lies in scope.
func (s *Service) Get(ctx context.Context, id string, scope *Scope) (*Case, error) {
	var c *Case
	if err := s.cfg.Loop.Do(ctx, func(*live.Env) { c = s.cfg.Book.Case(id) }); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, geo.NotFound("case %q: no such case", clip(id, 128))
	}
	if !scope.Holds(c) {
		// Said like any other case the person may not see.
		return nil, &ForbiddenError{Msg: "case " + c.ID + " is outside your scope"}
	}
	return c, nil
}

// List returns the cases f selects and how many matched.
func (s *Service) List(ctx context.Context, f Filter) (list []*Case, total int, err error) {
	err = s.cfg.Loop.Do(ctx, func(*live.Env) { list, total = s.cfg.Book.List(f) })
	return list, total, err
}

// Stats returns the figures q asks for.
func (s *Service) Stats(ctx context.Context, q StatsQuery) (map[string]*Figures, error) {
	var out map[string]*Figures
	q.CityCode = s.cfg.CityCode()
	err := s.cfg.Loop.Do(ctx, func(*live.Env) { out = s.cfg.Book.Stats(q) })
	return out, err
}

// Summary is the cases layer now.
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	var out Summary
	err := s.cfg.Loop.Do(ctx, func(*live.Env) { out = s.cfg.Book.Summarize() })
	return out, err
}

// Catalogue is the service's catalogue.
func (s *Service) Catalogue() *Catalogue { return s.cfg.Book.Catalogue() }

// now is the service's clock in UTC to the millisecond, as every time of the
// API is given.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) env(now time.Time) Env {
	return Env{Now: now, Calendar: s.cfg.Book.Catalogue().Calendar, CityCode: s.cfg.CityCode(), RegionExists: s.cfg.RegionExists}
}

// put stores c over version prev.
func (s *Service) put(ctx context.Context, c *Case, prev int, who Actor) (entry string, ok bool, current int, err error) {
	rec, err := json.Marshal(c)
	if err != nil {
		return "", false, 0, err
	}
	cmd := geo.Command{Type: CmdPut, At: s.now(), By: who.By, Data: rec}
	return s.cfg.Store.Put(ctx, c.ID, prev, c.Version, rec, &cmd)
}

// await waits (up to Wait) until the book has folded entry (now, when entry
// is empty), then returns the case as the book holds it.
func (s *Service) await(ctx context.Context, id, entry string) (*Case, error) {
	var folded <-chan struct{}
	var c *Case
	if err := s.cfg.Loop.Do(ctx, func(*live.Env) {
		if entry != "" {
			folded = s.cfg.Book.WhenApplied(entry)
		}
	}); err != nil {
		return nil, err
	}
	if folded != nil {
		t := time.NewTimer(s.cfg.Wait)
		defer t.Stop()
		select {
		case <-folded:
		case <-t.C:
		case <-ctx.Done():
		}
	}
	err := s.cfg.Loop.Do(ctx, func(*live.Env) { c = s.cfg.Book.Case(id) })
	return c, err
}

// newID is a fresh case id: the time makes ids sort by registration, the
// random part keeps two nodes from colliding.
func newID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "case-" + strconv.FormatInt(now.UnixMilli(), 10) + "-" + hex.EncodeToString(b[:])
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
