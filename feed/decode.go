package feed

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// Limits bound what one request may carry. The zero value of each field means
// its default.
type Limits struct {
	// MaxItems is the most items one request may carry. Zero means 10,000.
	MaxItems int
	// MaxAhead is how far in the future an incident's time may be. Zero
	// means 5 minutes.
	MaxAhead time.Duration
	// PositionAhead is how far in the future a position's time may be: the
	// clock skew of a vehicle's terminal. A position is a unit's state, and
	// the latest by event time wins, so one stamped far ahead would outlive
	// the unit's real reports. Zero means 30 seconds.
	PositionAhead time.Duration
	// MaxAge is how old an event may be; older ones would be trimmed from the
	// streams at once. Zero means 7 days.
	MaxAge time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxItems == 0 {
		l.MaxItems = 10000
	}
	if l.MaxAhead == 0 {
		l.MaxAhead = 5 * time.Minute
	}
	if l.PositionAhead == 0 {
		l.PositionAhead = 30 * time.Second
	}
	if l.MaxAge == 0 {
		l.MaxAge = 7 * 24 * time.Hour
	}
	return l
}

// A Rejection names one bad item of a batch and why it was refused.
type Rejection struct {
	Index int    `json:"index"`
	ID    string `json:"id,omitempty"`
	Error string `json:"error"`
}

// A Decoder validates feed items against a city profile and a clock, and
// places each valid one: its H3 cell, and its region at every level.
// It holds no mutable state and is safe for concurrent use.
type Decoder struct {
	Profile *geo.Profile
	Limits  Limits
	Now     func() time.Time // nil means time.Now
	// Regions is the region hierarchy events are placed in (their codes
	// travel with them through the streams). Nil places them in none.
	Regions func() *geo.Regions
}

func (d *Decoder) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// Decode decodes a batch of incidents (kind geo.KindIncident) or of
// positions (geo.KindPosition). ok holds the valid items as events, in batch
// order, each with its cell and region codes; index[i] is the batch position
// of ok[i], and rejected names the rest. err is set only when the body fails
// as a whole (see ErrContentType, ErrMalformed, ErrTooMany, or a read error
// such as *http.MaxBytesError).
func (d *Decoder) Decode(kind geo.EventKind, r io.Reader, f Format) (ok []geo.Event, index []int, rejected []Rejection, err error) {
	var one func(item, time.Time, *geo.Event) (string, error)
	switch kind {
	case geo.KindIncident:
		one = d.incident
	case geo.KindPosition:
		one = d.position
	default:
		return nil, nil, nil, fmt.Errorf("feed: no feed of %ss", kind)
	}
	items, err := split(r, f, d.Limits.withDefaults().MaxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	now := d.now()
	var regions *geo.Regions
	if d.Regions != nil {
		regions = d.Regions() // one hierarchy for the whole batch
	}
	// Events are decoded in place: an event is a few hundred bytes, and a
	// batch thousands of them.
	ok = make([]geo.Event, len(items))
	n := 0
	for i, it := range items {
		e := &ok[n]
		id, err := one(it, now, e)
		if err != nil {
			*e = geo.Event{}
			rejected = append(rejected, Rejection{Index: i, ID: id, Error: err.Error()})
			continue
		}
		place(e, regions)
		index = append(index, i)
		n++
	}
	return ok[:n:n], index, rejected, nil
}

// place sets an event's cells at every heat resolution, and its region
// codes when there are regions.
func place(e *geo.Event, regions *geo.Regions) {
	switch e.Kind {
	case geo.KindIncident:
		in := &e.Incident
		in.Place()
		if regions != nil {
			in.Regions = regions.AssignAt(in.Point(), in.Cell)
		}
	case geo.KindPosition:
		p := &e.Position
		p.Place()
		if regions != nil {
			p.Regions = regions.AssignAt(p.Point(), p.Cell)
		}
	}
}

// incidentWire is an incident as posted; pointers tell "missing" from "zero".
type incidentWire struct {
	ID       *string  `json:"id"`
	Source   string   `json:"source"`
	Category string   `json:"category"`
	Severity *int     `json:"severity"`
	Lat      *float64 `json:"lat"`
	Lng      *float64 `json:"lng"`
	Time     *string  `json:"time"`
	Title    string   `json:"title"`
	Address  string   `json:"address"`
}

type positionWire struct {
	Unit    *string  `json:"unit"`
	Kind    string   `json:"kind"`
	Status  string   `json:"status"`
	Lat     *float64 `json:"lat"`
	Lng     *float64 `json:"lng"`
	Time    *string  `json:"time"`
	Heading *float64 `json:"heading"`
	Speed   *float64 `json:"speed"`
}

func (d *Decoder) incident(it item, now time.Time, e *geo.Event) (id string, err error) {
	e.Kind = geo.KindIncident
	e.Incident, id, err = d.decodeIncident(it, now)
	return id, err
}

func (d *Decoder) position(it item, now time.Time, e *geo.Event) (unit string, err error) {
	e.Kind = geo.KindPosition
	e.Position, unit, err = d.decodePosition(it, now)
	return unit, err
}

func (d *Decoder) decodeIncident(it item, now time.Time) (geo.Incident, string, error) {
	if it.err != nil {
		return geo.Incident{}, "", it.err
	}
	var w incidentWire
	if err := json.Unmarshal(it.raw, &w); err != nil {
		return geo.Incident{}, "", it.jsonError(err)
	}
	if err := invalidUTF8(it.raw); err != nil {
		return geo.Incident{}, clip(derefOr(w.ID), 128), err
	}
	var id string
	if w.ID != nil {
		id = *w.ID
	}
	in := geo.Incident{ID: id, Source: w.Source, Category: w.Category, Title: w.Title, Address: w.Address, Severity: 1}
	if w.ID == nil || id == "" {
		return in, "", errors.New("id: required")
	}
	if err := checkText(map[string]textField{
		"id": {id, 128}, "source": {w.Source, 32}, "category": {w.Category, 64},
		"title": {w.Title, 256}, "address": {w.Address, 256},
	}); err != nil {
		return in, clip(id, 128), err
	}
	if w.Severity != nil {
		if *w.Severity < 1 || *w.Severity > 4 {
			return in, id, errors.New("severity: must be between 1 and 4")
		}
		in.Severity = *w.Severity
	}
	if in.Category == "" {
		in.Category = "other"
	}
	var err error
	if in.Lat, in.Lng, err = d.latLng(w.Lat, w.Lng); err != nil {
		return in, id, err
	}
	if in.Time, err = d.eventTime(w.Time, now, d.Limits.withDefaults().MaxAhead, "in the future"); err != nil {
		return in, id, err
	}
	return in, id, nil
}

func (d *Decoder) decodePosition(it item, now time.Time) (geo.Position, string, error) {
	if it.err != nil {
		return geo.Position{}, "", it.err
	}
	var w positionWire
	if err := json.Unmarshal(it.raw, &w); err != nil {
		return geo.Position{}, "", it.jsonError(err)
	}
	if err := invalidUTF8(it.raw); err != nil {
		return geo.Position{}, clip(derefOr(w.Unit), 64), err
	}
	var unit string
	if w.Unit != nil {
		unit = *w.Unit
	}
	p := geo.Position{Unit: unit, Kind: w.Kind, Status: w.Status, Heading: w.Heading, Speed: w.Speed}
	if unit == "" {
		return p, "", errors.New("unit: required")
	}
	if err := checkText(map[string]textField{"unit": {unit, 64}, "kind": {w.Kind, 32}}); err != nil {
		return p, clip(unit, 64), err
	}
	switch p.Status {
	case "":
		p.Status = geo.StatusAvailable
	case geo.StatusAvailable, geo.StatusDispatched, geo.StatusBusy, geo.StatusOffDuty:
	default:
		return p, unit, fmt.Errorf("status: must be one of available, dispatched, busy, off-duty, not %q", clip(p.Status, 32))
	}
	if w.Heading != nil && (!finite(*w.Heading) || *w.Heading < 0 || *w.Heading > 360) {
		return p, unit, errors.New("heading: must be between 0 and 360")
	}
	if w.Speed != nil && (!finite(*w.Speed) || *w.Speed < 0 || *w.Speed > 150) {
		return p, unit, errors.New("speed: must be between 0 and 150 m/s")
	}
	var err error
	if p.Lat, p.Lng, err = d.latLng(w.Lat, w.Lng); err != nil {
		return p, unit, err
	}
	if p.Time, err = d.eventTime(w.Time, now, d.Limits.withDefaults().PositionAhead, "ahead of the server's clock (the clock skew allowed)"); err != nil {
		return p, unit, err
	}
	return p, unit, nil
}

func (d *Decoder) latLng(lat, lng *float64) (float64, float64, error) {
	switch {
	case lat == nil:
		return 0, 0, errors.New("lat: required")
	case lng == nil:
		return 0, 0, errors.New("lng: required")
	case !finite(*lat) || *lat < -90 || *lat > 90:
		return 0, 0, errors.New("lat: must be between -90 and 90")
	case !finite(*lng) || *lng < -180 || *lng > 180:
		return 0, 0, errors.New("lng: must be between -180 and 180")
	}
	if d.Profile != nil && !d.Profile.Contains(geoPoint(*lat, *lng)) {
		return 0, 0, fmt.Errorf("lat/lng: (%g, %g) is outside the %s area", *lat, *lng, d.Profile.Name)
	}
	return *lat, *lng, nil
}

// eventTime reads an event's time: now when it has none, at most ahead in
// the future (beyond is "more than <ahead> <beyond>"), and within the
// retention.
func (d *Decoder) eventTime(s *string, now time.Time, ahead time.Duration, beyond string) (time.Time, error) {
	if s == nil || *s == "" {
		return now, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time: must be RFC 3339, like 2026-11-25T08:30:00+08:00, not %q", clip(*s, 40))
	}
	l := d.Limits.withDefaults()
	if t.After(now.Add(ahead)) {
		return time.Time{}, fmt.Errorf("time: more than %v %s", ahead, beyond)
	}
	if t.Before(now.Add(-l.MaxAge)) {
		return time.Time{}, fmt.Errorf("time: older than the %v retention", l.MaxAge)
	}
	return t, nil
}

// jsonError words an item's JSON error, naming the item where a syntax error
// leaves no field to name.
func (it item) jsonError(err error) error {
	var syn *json.SyntaxError
	if it.where != "" && errors.As(err, &syn) {
		return fmt.Errorf("%s: %s", it.where, jsonReason(err))
	}
	return errors.New(jsonReason(err))
}

type textField struct {
	value string
	max   int
}

// checkText bounds every string and keeps control characters out, in a fixed
// order so the error names the same field every time.
func checkText(fields map[string]textField) error {
	for _, name := range []string{"id", "unit", "source", "kind", "category", "title", "address"} {
		f, ok := fields[name]
		if !ok {
			continue
		}
		switch {
		case len(f.value) > f.max:
			return fmt.Errorf("%s: longer than %d bytes", name, f.max)
		case !utf8.ValidString(f.value):
			return fmt.Errorf("%s: not valid UTF-8", name)
		case strings.ContainsFunc(f.value, isControl):
			return fmt.Errorf("%s: contains control characters", name)
		}
	}
	return nil
}

// isControl reports characters no feed text may hold: C0 and C1 controls
// (U+0085, U+009B: a terminal escape), and the marks that reorder text as it
// is shown (U+202E and the other bidirectional overrides and isolates), which
// make a title read as something else on the wall and in the logs.
func isControl(r rune) bool { return geo.HiddenRune(r) }

// invalidUTF8 names the field of an item that is not valid UTF-8: JSON
// decoding would quietly turn the bad bytes into U+FFFD.
func invalidUTF8(raw []byte) error {
	if utf8.Valid(raw) {
		return nil
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) == nil {
		names := make([]string, 0, len(fields))
		for k := range fields {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			if !utf8.Valid(fields[k]) {
				return fmt.Errorf("%s: not valid UTF-8", clip(strings.ToValidUTF8(k, "?"), 64))
			}
		}
	}
	return errors.New("item: not valid UTF-8")
}

func derefOr(p *string) string {
	if p == nil {
		return ""
	}
	return strings.ToValidUTF8(*p, "")
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func geoPoint(lat, lng float64) orb.Point { return orb.Point{lng, lat} }
