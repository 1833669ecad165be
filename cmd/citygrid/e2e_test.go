package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/uber/h3-go/v4"
)

// TestEndToEnd posts 10,000 incidents and checks every way of reading them back
// against an independent count, then re-posts them, restarts, and watches a
// new incident arrive in a delta.
func TestEndToEnd(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	s := startServer(t, rs.URL(), prefix)
	items, want := randomIncidents(t, 10000, 1, "e2e", 8)
	body := ndjson(t, items)

	r := s.post("/api/v1/incidents", "application/x-ndjson", body)
	if r.Status != http.StatusAccepted || r.Accepted != 10000 || r.Duplicates != 0 || len(r.Rejected) != 0 {
		t.Fatalf("first post: %d accepted %d duplicates %d rejected %v", r.Status, r.Accepted, r.Duplicates, r.Rejected)
	}
	h := s.waitHeat("res=8&window=1h", want)
	if h.Total != 10000 || h.Res != 8 || h.Window != "1h" {
		t.Fatalf("heat: total %d res %d window %q", h.Total, h.Res, h.Window)
	}
	// Every resolution counts each incident in the hexagon that holds it.
	s.waitHeat("res=7&window=1h", referenceCounts(items, 7))
	s.waitHeat("res=9&window=15m", referenceCounts(items, 9))

	// The websocket snapshot shows the same numbers as the REST call.
	ws := s.dial(`{"type":"subscribe","layers":["heat","units"],"res":8,"window":"1h"}`)
	snap, _ := ws.next(5 * time.Second)
	if snap.Type != "snapshot" || snap.V != 1 || snap.Total == nil || *snap.Total != 10000 {
		t.Fatalf("first frame: %+v", snap)
	}
	got := map[string]int{}
	for _, c := range snap.Cells {
		got[c.Cell] = c.Count
	}
	if !equalCounts(got, want) {
		t.Fatalf("snapshot differs from the independent count: %s", diffCounts(got, want))
	}

	// The same file again: all duplicates, no change.
	r = s.post("/api/v1/incidents", "application/x-ndjson", body)
	if r.Status != http.StatusAccepted || r.Accepted != 0 || r.Duplicates != 10000 {
		t.Fatalf("second post: %d accepted %d duplicates %d", r.Status, r.Accepted, r.Duplicates)
	}
	time.Sleep(300 * time.Millisecond) // three ticks: time enough for a wrong count to show
	s.waitHeat("res=8&window=1h", want)

	// A new incident appears in a delta within one tick of being stored.
	one, oneWant := randomIncidents(t, 1, 2, "e2e-new", 8)
	var cell string
	for c := range oneWant {
		cell = c
	}
	posted := time.Now()
	if r := s.post("/api/v1/incidents", "application/json", ndjson(t, one)); r.Accepted != 1 {
		t.Fatalf("new incident: %+v", r)
	}
	stored := time.Now()
	lastSeq := snap.Seq
	for {
		f, at := ws.next(5 * time.Second)
		if f.Seq != lastSeq+1 {
			t.Fatalf("seq %d after %d", f.Seq, lastSeq)
		}
		lastSeq = f.Seq
		if f.Type != "delta" {
			t.Fatalf("frame type %q, want delta", f.Type)
		}
		found := false
		for _, c := range f.Cells {
			if c.Cell == cell && c.Count == want[cell]+1 {
				found = true
			}
		}
		if found {
			t.Logf("POST → delta %v (stored after %v; tick 100ms)", at.Sub(posted), stored.Sub(posted))
			if late := at.Sub(stored); late > time.Second {
				t.Errorf("delta came %v after the POST returned; want within a tick or so", late)
			}
			break
		}
	}
	want[cell]++

	// A fresh server on the same Redis rebuilds the same heat.
	s.stop()
	s2 := startServer(t, rs.URL(), prefix)
	s2.waitHeat("res=8&window=1h", want)
}

// TestBadInput sends each kind of bad request and checks its status, its clear
// error, and that the good items beside bad ones are kept.
func TestBadInput(t *testing.T) {
	s := startServer(t, "", "bad")
	good, _ := randomIncidents(t, 2, 3, "good", 8)
	goodLine := string(ndjson(t, good[:1]))
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	big := make([]byte, 50<<20)
	for i := range big {
		big[i] = ' '
	}
	cases := []struct {
		name, ctype, body string
		status            int
		accepted          int
		errs              []string // in rejected[].error, or the top-level error
	}{
		{"malformed JSON", "application/json", `{"id":"x",`, 400, 0, []string{"invalid JSON"}},
		{"bad NDJSON line amid good ones", "application/x-ndjson", goodLine + "{oops\n" + string(ndjson(t, good[1:])), 202, 2, []string{"line: invalid JSON"}},
		{"lat 91", "application/json", `[{"id":"lat","lat":91,"lng":120.6}]`, 400, 0, []string{"lat: must be between -90 and 90"}},
		{"missing id", "application/json", `{"lat":31.3,"lng":120.6}`, 400, 0, []string{"id: required"}},
		{"time far in the future", "application/json", `{"id":"fut","lat":31.3,"lng":120.6,"time":"` + future + `"}`, 400, 0, []string{"time: more than 5m0s in the future"}},
		{"outside the city", "application/json", `{"id":"bj","lat":39.9,"lng":116.4}`, 400, 0, []string{"outside the suzhou area"}},
		{"50 MB body", "application/json", string(big), 413, 0, []string{"body: larger than"}},
		{"wrong content type", "text/csv", "id,lat,lng\n", 415, 0, []string{"unsupported content type"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.post("/api/v1/incidents", tc.ctype, []byte(tc.body))
			if r.Status != tc.status || r.Accepted != tc.accepted {
				t.Fatalf("status %d accepted %d, want %d and %d (%+v)", r.Status, r.Accepted, tc.status, tc.accepted, r.IngestAnswer)
			}
			msgs := []string{r.Error}
			for _, rej := range r.Rejected {
				msgs = append(msgs, rej.Error)
			}
			for _, want := range tc.errs {
				if !containsAny(msgs, want) {
					t.Errorf("no error mentions %q: %q", want, msgs)
				}
			}
		})
	}
	// The good items of the mixed batch are stored and counted.
	var total int
	deadline := time.Now().Add(5 * time.Second)
	for total != 2 && time.Now().Before(deadline) {
		total = s.heat("res=9&window=15m").Total
		time.Sleep(20 * time.Millisecond)
	}
	if total != 2 {
		t.Fatalf("heat total %d, want the 2 good items", total)
	}
}

func containsAny(msgs []string, want string) bool {
	for _, m := range msgs {
		if len(m) >= len(want) && (m == want || indexOf(m, want) >= 0) {
			return true
		}
	}
	return false
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestRedisDownMidStream stops Redis between batches: ingest answers 503 and
// acknowledges nothing; once Redis is back, a retry of the refused batch and
// new batches are stored, and the live heat counts everything exactly once.
func TestRedisDownMidStream(t *testing.T) {
	rs := redistest.Start(t)
	s := startServer(t, rs.URL(), redistest.Prefix(t))
	items, want := randomIncidents(t, 3000, 4, "down", 8)
	if r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items[:1000])); r.Accepted != 1000 {
		t.Fatalf("before: %+v", r)
	}
	rs.Stop()
	r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items[1000:2000]))
	if r.Status != http.StatusServiceUnavailable || r.Accepted != 0 || r.Error == "" {
		t.Fatalf("while down: %d %+v, want 503 with nothing accepted", r.Status, r.IngestAnswer)
	}
	rs.Restart()
	// The feed retries the refused batch, then sends the next.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r = s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items[1000:2000]))
		if r.Status == http.StatusAccepted || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r.Accepted+r.Duplicates != 1000 {
		t.Fatalf("retry: %d %+v", r.Status, r.IngestAnswer)
	}
	if r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items[2000:])); r.Accepted != 1000 {
		t.Fatalf("after: %+v", r)
	}
	h := s.waitHeat("res=8&window=1h", want)
	if h.Total != 3000 {
		t.Fatalf("total %d, want 3000", h.Total)
	}
}

// TestUnits posts positions and reads them back, newest report winning.
func TestUnits(t *testing.T) {
	s := startServer(t, "", "units")
	now := time.Now().UTC()
	body := `{"unit":"car-1","kind":"car","status":"available","lat":31.30,"lng":120.60,"time":"` + now.Add(-time.Minute).Format(time.RFC3339) + `"}
{"unit":"car-1","kind":"car","status":"busy","lat":31.31,"lng":120.61,"time":"` + now.Format(time.RFC3339) + `","heading":45,"speed":10}
{"unit":"foot-7","kind":"foot","status":"dispatched","lat":31.32,"lng":120.62}`
	if r := s.post("/api/v1/positions", "application/x-ndjson", []byte(body)); r.Accepted != 3 {
		t.Fatalf("post: %+v", r)
	}
	type unit struct {
		Unit, Status string
		Lat, Lng     float64
		Heading      *float64
	}
	var got struct{ Units []unit }
	deadline := time.Now().Add(5 * time.Second)
	for len(got.Units) < 2 && time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/api/v1/units")
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		time.Sleep(20 * time.Millisecond)
	}
	sort.Slice(got.Units, func(i, j int) bool { return got.Units[i].Unit < got.Units[j].Unit })
	if len(got.Units) != 2 || got.Units[0].Status != "busy" || got.Units[0].Lat != 31.31 || got.Units[0].Heading == nil || got.Units[1].Status != "dispatched" {
		t.Fatalf("units: %+v", got.Units)
	}
}

// TestAnIncidentCountsInTheHexagonThatHoldsIt: points just inside a res-8
// hexagon whose res-9 cell's parent is the neighbouring res-8 hexagon are
// counted in the hexagon that holds them, at every resolution, in the heat,
// on the websocket and in a cell's incidents.
func TestAnIncidentCountsInTheHexagonThatHoldsIt(t *testing.T) {
	s := startServer(t, "", "containment")
	// Walk east across Suzhou's centre and keep the points whose res-8
	// hexagon is not their res-9 cell's parent.
	var items []wireIncident
	for i := 0; len(items) < 5 && i < 20000; i++ {
		lat, lng := 31.30, 120.55+float64(i)*0.00002
		c9 := h3.LatLngToCell(h3.NewLatLng(lat, lng), 9)
		c8 := h3.LatLngToCell(h3.NewLatLng(lat, lng), 8)
		if c9.Parent(8) == c8 {
			continue
		}
		items = append(items, wireIncident{ID: fmt.Sprintf("edge-%d", i), Source: "110", Category: "theft", Severity: 1,
			Lat: lat, Lng: lng, Time: time.Now().UTC().Format(time.RFC3339Nano)})
	}
	if len(items) < 5 {
		t.Fatalf("found %d points whose res-8 hexagon is not their res-9 cell's parent, want 5", len(items))
	}
	if r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items)); r.Accepted != len(items) {
		t.Fatalf("post: %+v", r)
	}
	for _, res := range []int{7, 8, 9} {
		s.waitHeat(fmt.Sprintf("res=%d&window=15m", res), referenceCounts(items, res))
	}
	ws := s.dial(`{"type":"subscribe","layers":["heat"],"res":8,"window":"15m"}`)
	snap, _ := ws.next(5 * time.Second)
	got := map[string]int{}
	for _, c := range snap.Cells {
		got[c.Cell] = c.Count
	}
	if want := referenceCounts(items, 8); !equalCounts(got, want) {
		t.Fatalf("websocket snapshot: %s", diffCounts(got, want))
	}
	// A cell's incidents are those it holds.
	first := h3.LatLngToCell(h3.NewLatLng(items[0].Lat, items[0].Lng), 8).String()
	var list struct {
		Incidents []struct {
			ID string `json:"id"`
		} `json:"incidents"`
	}
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/incidents?window=15m&cell="+first, nil)
	resp, b := s.do(req)
	if err := json.Unmarshal(b, &list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("incidents of %s: %d %s", first, resp.StatusCode, b)
	}
	want := map[string]bool{}
	for _, in := range items {
		if h3.LatLngToCell(h3.NewLatLng(in.Lat, in.Lng), 8).String() == first {
			want[in.ID] = true
		}
	}
	if len(list.Incidents) != len(want) {
		t.Fatalf("incidents of %s: %d listed, %d held", first, len(list.Incidents), len(want))
	}
	for _, in := range list.Incidents {
		if !want[in.ID] {
			t.Fatalf("incidents of %s lists %s, which it does not hold", first, in.ID)
		}
	}
}
