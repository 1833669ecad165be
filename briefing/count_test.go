package briefing_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/citygrid/citygrid/briefing"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
)

// streams is a Scanner over events held in memory, by kind, as the streams
// would hand them (filtered by the time they were stored).
type streams map[stream.Kind][]geo.Event

func (s streams) Scan(_ context.Context, k stream.Kind, _ []geo.Cell, from, to time.Time, fn func([]geo.Event)) error {
	var out []geo.Event
	for _, e := range s[k] {
		if !e.Ingested.Before(from) && (to.IsZero() || e.Ingested.Before(to)) {
			out = append(out, e)
		}
	}
	fn(out)
	return nil
}

func command(typ string, at time.Time, v any) geo.Event {
	data, _ := json.Marshal(v)
	return geo.Event{Kind: geo.KindCommand, Ingested: at, Command: geo.Command{Type: typ, At: at, Data: data}}
}

func TestLateArrivalsAcknowledgementsAndArrivals(t *testing.T) {
	from := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	now := to.Add(2 * time.Hour)
	pt := orb.Point{120.60, 31.30}
	cell := geo.CellOf(pt, geo.FineRes)
	far := geo.CellOf(orb.Point{120.90, 31.50}, geo.FineRes)
	incident := func(at, stored time.Time) geo.Event {
		in := geo.Incident{ID: at.String(), Category: "theft", Lat: pt.Lat(), Lng: pt.Lon(), Time: at}
		in.Place()
		e := geo.IncidentEvent(in)
		e.Ingested = stored
		return e
	}
	position := func(unit string, c geo.Cell, at time.Time) geo.Event {
		e := geo.PositionEvent(geo.Position{Unit: unit, Cell: c, Time: at})
		e.Ingested = at
		return e
	}
	at := func(h float64) time.Time { return from.Add(time.Duration(h * float64(time.Hour))) }
	s := streams{
		stream.Incidents: {
			incident(at(1), at(1)),
			incident(at(2), at(25)),    // stored after the window: a late arrival
			incident(at(23), at(23.5)), // late, but within it
			incident(at(24), at(24)),   // on the end: out
		},
		stream.Commands: {
			command("alert.open", at(1), ops.Alert{ID: "a1", Kind: ops.KindHotCell, OpenedAt: at(1)}),
			command("alert.ack", at(1).Add(30*time.Second), map[string]string{"alert": "a1"}),
			command("alert.ack", at(1).Add(90*time.Second), map[string]string{"alert": "a1"}), // again: the first counts
			command("dispatch.assign", at(2), ops.Dispatch{ID: "d1", Unit: "u1", Cell: cell.String(), AssignedAt: at(2), TargetSeconds: 100}),
			command("dispatch.assign", at(3), ops.Dispatch{ID: "d2", Unit: "u2", Cell: cell.String(), AssignedAt: at(3), TargetSeconds: 100}),
			command("dispatch.cancel", at(3).Add(time.Minute), map[string]string{"dispatch": "d2"}),
		},
		stream.Positions: {
			position("u1", cell, at(2)),                      // at the assignment: not an answer to it
			position("u1", far, at(2).Add(30*time.Second)),   // en route
			position("u1", cell, at(2).Add(200*time.Second)), // a later report, read first
			position("u1", cell, at(2).Add(120*time.Second)), // the arrival
			position("u2", cell, at(3).Add(2*time.Minute)),   // after the cancellation
		},
	}
	src := briefing.New(briefing.Config{Streams: s, Now: func() time.Time { return now }})
	b, err := src.Compute(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	if b.Incidents.Total != 3 || b.Incidents.LateArrivals != 1 {
		t.Errorf("incidents: %d, %d late; want 3, 1 late", b.Incidents.Total, b.Incidents.LateArrivals)
	}
	if b.Incidents.ByHour[2].Count != 1 || b.Incidents.ByHour[23].Count != 1 {
		t.Errorf("the late ones count in the hour they happened: %+v", b.Incidents.ByHour)
	}
	if a := b.Alerts.Ack; a.Count != 1 || *a.Median != 30 {
		t.Errorf("ack: %+v, want one of 30 s", a)
	}
	d := b.Dispatches
	if d.Total != 2 || d.Cancelled != 1 || d.Arrived != 1 || *d.Response.Median != 120 || *d.Response.WithinTarget != 0 {
		t.Errorf("dispatches: %+v (median %v), want 2, 1 cancelled, 1 arrived after 120 s, past its 100 s target", d, *d.Response.Median)
	}
}
