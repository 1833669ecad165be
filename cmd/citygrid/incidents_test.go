package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citygrid/citygrid/api"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// entriesRead counts the stream entries the server's range reads bring back.
type entriesRead struct{ n atomic.Int64 }

func (h *entriesRead) count(cmds ...redis.Cmder) {
	for _, c := range cmds {
		if m, ok := c.(*redis.XMessageSliceCmd); ok {
			h.n.Add(int64(len(m.Val())))
		}
	}
}

func (h *entriesRead) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *entriesRead) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.count(cmd)
		return err
	}
}

func (h *entriesRead) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.count(cmds...)
		return err
	}
}

// A cell's incidents cost Redis what the answer holds, however busy the
// cell's shard: a wall polling a quiet cell beside a busy one once made Redis
// read 20,000 entries a query, and every feed waited behind it.
func TestIncidentsOfAQuietCellInABusyShardReadOnlyTheirs(t *testing.T) {
	rs := redistest.Start(t)
	clock := newTestClock(testStart())
	reads := &entriesRead{}
	s := startServerWith(t, func(c *Config) { c.now = clock.Now; c.redisHook = reads }, rs.URL(), redistest.Prefix(t))
	p := place(31.30, 120.60)
	var busy []incidentIn
	for _, c := range p.cell.Disk(6)[1:] { // the cell's neighbours, in its shard or the next
		q := c.Center()
		busy = append(busy, burst(at{q.Lat(), q.Lon(), c}, 40, clock.Now().Add(-time.Minute), 1)...)
	}
	for i := 0; i < len(busy); i += 1000 {
		s.send("/api/v1/incidents", busy[i:min(i+1000, len(busy))])
	}
	mine := burst(p, 3, clock.Now().Add(-30*time.Second), 2)
	s.send("/api/v1/incidents", mine)
	var r struct{ Incidents []struct{ ID string } }
	query := "/api/v1/incidents?window=1h&cell=" + p.cell.String()
	eventually(t, "the cell's incidents folded", func() bool {
		return s.call("GET", query, nil, &r) == 200 && len(r.Incidents) == 3
	})
	reads.n.Store(0)
	if code := s.call("GET", query, nil, &r); code != 200 || len(r.Incidents) != 3 {
		t.Fatalf("incidents: %d, %d of them", code, len(r.Incidents))
	}
	attacked(t, "incidents of a quiet cell in a busy shard (5,043 entries)", "Redis reads what the answer holds",
		fmt.Sprintf("3 incidents answered, %d stream entries read", reads.n.Load()))
	if n := reads.n.Load(); n > 3 {
		t.Fatalf("answering 3 incidents read %d stream entries (the shard holds %d)", n, len(busy)+3)
	}
}

// An incident's page tells what the centre did about it, in order, with the
// notes people gave: the duty officer who takes over a shift reads it there.
func TestAnIncidentsDetailTellsItsStory(t *testing.T) {
	rs := redistest.Start(t)
	clock := newTestClock(testStart())
	s := startOps(t, clock, rs, redistest.Prefix(t), `{`+rulesOff+`,"severe":{"minSeverity":4,"autoResolve":"30m"}}`)
	p := place(31.30, 120.60)
	in := burst(p, 1, clock.Now().Add(-time.Minute), 4)[0]
	s.send("/api/v1/incidents", []incidentIn{in})
	var detail api.IncidentDetail
	eventually(t, "the incident is found by its id", func() bool {
		return s.call("GET", "/api/v1/incidents/"+in.ID, nil, &detail) == 200
	})
	if detail.Status != api.IncidentReported || detail.Incident.ID != in.ID || detail.Incident.Cell != p.cell.String() || detail.Incident.Severity != 4 {
		t.Fatalf("fresh incident: %+v", detail)
	}
	eventually(t, "the severe alert", func() bool { return len(s.alerts("open").Alerts) == 1 })
	alert := s.alerts("open").Alerts[0]
	clock.Advance(10 * time.Second)
	if code := s.call("POST", "/api/v1/alerts/"+alert.ID+"/ack", map[string]string{"note": "calling the reporter back"}, nil); code != 200 {
		t.Fatalf("ack: %d", code)
	}
	s.send("/api/v1/positions", positionIn{Unit: "car-1", Status: "available", Lat: 31.31, Lng: 120.62, Time: clock.Now()})
	eventually(t, "unit known", func() bool { return len(s.units().Units) == 1 })
	clock.Advance(10 * time.Second)
	var d dispatchReply
	if code := s.call("POST", "/api/v1/dispatches", map[string]string{"unit": "car-1", "incident": in.ID, "note": "blue door"}, &d); code != 201 {
		t.Fatalf("dispatch: %d %s", code, d.Error)
	}
	if code := s.call("GET", "/api/v1/incidents/"+in.ID, nil, &detail); code != 200 || detail.Status != api.IncidentDispatched {
		t.Fatalf("after the dispatch: %d, status %q", code, detail.Status)
	}
	clock.Advance(time.Minute)
	s.send("/api/v1/positions", positionIn{Unit: "car-1", Status: "busy", Lat: p.lat, Lng: p.lng, Time: clock.Now()})
	eventually(t, "the unit is on scene", func() bool {
		return s.call("GET", "/api/v1/incidents/"+in.ID, nil, &detail) == 200 && detail.Status == api.IncidentOnScene
	})
	clock.Advance(time.Minute)
	if code := s.call("POST", "/api/v1/dispatches/"+d.ID+"/clear", map[string]string{"note": "a quarrel, settled"}, nil); code != 200 {
		t.Fatalf("clear: %d", code)
	}
	clock.Advance(time.Minute)
	body := newCaseBody("hotline-9", p.lat, p.lng)
	body["incident"] = in.ID
	if code := s.call("POST", "/api/v1/cases", body, nil); code != 201 {
		t.Fatalf("case: %d", code)
	}
	eventually(t, "the story is complete", func() bool {
		return s.call("GET", "/api/v1/incidents/"+in.ID, nil, &detail) == 200 && len(detail.Cases) == 1 && detail.Status == api.IncidentCleared
	})
	var got []string
	for _, h := range detail.History {
		got = append(got, h.What+"|"+h.By+"|"+h.Note)
	}
	want := []string{
		"reported||",
		"alert.open||" + alert.Message,
		"alert.ack|anonymous|calling the reporter back",
		"dispatch.assign|anonymous|blue door",
		"dispatch.on_scene|car-1|",
		"dispatch.clear|anonymous|a quarrel, settled",
		"case.register|anonymous|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := 1; i < len(detail.History); i++ {
		if detail.History[i].At.Before(detail.History[i-1].At) {
			t.Errorf("history out of order at %d: %+v", i, detail.History)
		}
	}
	if len(detail.Alerts) != 1 || detail.Alerts[0].AckNote != "calling the reporter back" || len(detail.Dispatches) != 1 || detail.Dispatches[0].EndNote != "a quarrel, settled" {
		t.Errorf("alerts %+v, dispatches %+v", detail.Alerts, detail.Dispatches)
	}
	for _, q := range []string{"/api/v1/incidents/nobody", "/api/v1/incidents/" + in.ID + "?source=other"} {
		if code := s.call("GET", q, nil, nil); code != 404 {
			t.Errorf("%s: %d, want 404", q, code)
		}
	}
}

// The console's one search box finds a place by name, an incident by its id
// and a unit by its call sign, each with a place to fly to.
func TestSearchFindsPlacesIncidentsAndUnits(t *testing.T) {
	rs := redistest.Start(t)
	clock := newTestClock(testStart())
	s := startOps(t, clock, rs, redistest.Prefix(t), `{`+rulesOff+`}`)
	p := place(31.30, 120.60)
	in := burst(p, 1, clock.Now().Add(-time.Minute), 2)[0]
	s.send("/api/v1/incidents", []incidentIn{in})
	s.send("/api/v1/positions", []positionIn{
		{Unit: "SU-car-012", Kind: "car", Status: "available", Lat: p.lat, Lng: p.lng, Time: clock.Now()},
		{Unit: "SU-foot-003", Kind: "foot", Status: "busy", Lat: p.lat, Lng: p.lng, Time: clock.Now()},
	})
	type result struct {
		Type, Code, Name, Detail, Level string
		Lat, Lng                        float64
		BBox                            []float64
	}
	var r struct{ Results []result }
	search := func(q string) []result {
		t.Helper()
		if code := s.call("GET", "/api/v1/search?q="+url.QueryEscape(q), nil, &r); code != 200 {
			t.Fatalf("search %q: %d", q, code)
		}
		return r.Results
	}
	eventually(t, "the incident is found by its id", func() bool {
		got := search(in.ID)
		return len(got) > 0 && got[0].Type == "incident" && got[0].Code == in.ID
	})
	if got := search(in.ID)[0]; got.Lat != p.lat || got.Lng != p.lng {
		t.Errorf("incident result %+v: want its place %v", got, p)
	}
	if got := search("car-0"); len(got) != 1 || got[0].Type != "unit" || got[0].Code != "SU-car-012" || got[0].Detail != "car · available" {
		t.Errorf("unit search: %+v", got)
	}
	got := search("吴中")
	if len(got) == 0 || got[0].Type != "region" || got[0].Name != "吴中区" || got[0].Level != "district" || len(got[0].BBox) != 4 {
		t.Fatalf("place search: %+v", got)
	}
	if b := got[0].BBox; !(b[0] < got[0].Lng && got[0].Lng < b[2] && b[1] < got[0].Lat && got[0].Lat < b[3]) {
		t.Errorf("吴中区's centre %v,%v outside its bbox %v", got[0].Lat, got[0].Lng, b)
	}
	for _, x := range got[1:] {
		if x.Type != "region" || !strings.Contains(x.Name, "吴中") {
			t.Errorf("not a match for 吴中: %+v", x)
		}
	}
	if got := search("no such place"); len(got) != 0 {
		t.Errorf("nonsense found %+v", got)
	}
	for _, bad := range []string{"", "q=", "q=" + strings.Repeat("x", 65), "q=a&limit=0"} {
		if code := s.call("GET", "/api/v1/search?"+bad, nil, nil); code != 400 {
			t.Errorf("%q: %d, want 400", bad, code)
		}
	}
}
