package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/citygrid/citygrid/api"
	"github.com/citygrid/citygrid/internal/apidoc"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/safety"
	"github.com/coder/websocket"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// server is a citygrid started by a test on a free port.
type server struct {
	t    testing.TB
	URL  string
	app  *app
	stop func()
}

// startServer runs citygrid against redisURL (empty: embedded) until stopped or
// the test ends, and waits until it is ready.
func startServer(t testing.TB, redisURL, prefix string, extra ...string) *server {
	t.Helper()
	return startServerClock(t, nil, redisURL, prefix, extra...)
}

// startServerClock is startServer with an injected clock (nil: the real one).
func startServerClock(t testing.TB, now func() time.Time, redisURL, prefix string, extra ...string) *server {
	t.Helper()
	return startServerWith(t, func(c *Config) { c.now = now }, redisURL, prefix, extra...)
}

// startServerWith is startServer with what tests may set beyond the flags.
func startServerWith(t testing.TB, set func(*Config), redisURL, prefix string, extra ...string) *server {
	t.Helper()
	if redisURL == "" {
		redisURL = "memory" // the embedded server: each test its own, in memory
	}
	args := append([]string{"-addr", "127.0.0.1:0", "-redis", redisURL, "-prefix", prefix, "-tick", "100ms"}, extra...)
	cfg, err := parseConfig(args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	set(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	// The server as main runs it: started again if Redis loses its data.
	apps := make(chan *app, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, func(a *app) {
			select {
			case apps <- a:
			default:
			}
		})
	}()
	var a *app
	select {
	case a = <-apps:
	case err := <-done:
		cancel()
		t.Fatal(err)
	}
	s := &server{t: t, URL: "http://" + a.Addr(), app: a}
	stopped := false
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with %v", err)
		}
	}
	t.Cleanup(s.stop)
	deadline := time.Now().Add(20 * time.Second)
	for !a.loop.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("server not ready after 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return s
}

type ingestReply struct {
	Status int
	api.IngestAnswer
}

// documented is docs/openapi.yaml, read once for every test of the package.
var documented = sync.OnceValues(apidoc.Read)

// do sends a request to the server, holds the answer to docs/openapi.yaml
// (its status documented, its body of the documented shape), and returns it
// with its body.
func (s *server) do(req *http.Request) (*http.Response, []byte) {
	s.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	doc, err := documented()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := doc.Check(req, resp, b); err != nil {
		s.t.Errorf("not as documented: %v", err)
	}
	return resp, b
}

func (s *server) post(path, contentType string, body []byte) ingestReply {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, b := s.do(req)
	var r ingestReply
	r.Status = resp.StatusCode
	if err := json.Unmarshal(b, &r.IngestAnswer); err != nil {
		s.t.Fatalf("POST %s: %d %q: %v", path, resp.StatusCode, b, err)
	}
	return r
}

type heatReply struct {
	Res    int    `json:"res"`
	Window string `json:"window"`
	AsOf   string `json:"asOf"`
	From   string `json:"from"`
	Total  int    `json:"total"`
	Cells  cells  `json:"cells"`
}

// cells are the cells of a heat answer or frame.
type cells []struct {
	Cell  string `json:"cell"`
	Count int    `json:"count"`
}

func (h heatReply) counts() map[string]int { return h.Cells.counts() }

// counts are the cells' counts by cell.
func (cs cells) counts() map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		m[c.Cell] = c.Count
	}
	return m
}

func (s *server) heat(query string) heatReply {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/heat?"+query, nil)
	resp, b := s.do(req)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("heat %s: %d %s", query, resp.StatusCode, b)
	}
	var h heatReply
	if err := json.Unmarshal(b, &h); err != nil {
		s.t.Fatal(err)
	}
	// Every answer says where its window starts: the window's length back
	// from asOf, to the bucket (10 s), or to the slice (15 min) for 24h.
	asOf, err1 := time.Parse(time.RFC3339Nano, h.AsOf)
	from, err2 := time.Parse(time.RFC3339Nano, h.From)
	w, err3 := geo.ParseWindow(h.Window)
	if err := errors.Join(err1, err2, err3); err != nil {
		s.t.Fatalf("heat %s: %v in %s", query, err, b)
	}
	slack := 10 * time.Second
	if w.Span > time.Hour {
		slack = 15 * time.Minute
	}
	if span := asOf.Sub(from); span > w.Span || span < w.Span-slack {
		s.t.Fatalf("heat %s: from %s is %v before asOf %s, want %v less at most %v", query, h.From, span, h.AsOf, w.Span, slack)
	}
	return h
}

// waitHeat polls the heat until it equals want (the fold is asynchronous).
func (s *server) waitHeat(query string, want map[string]int) heatReply {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h := s.heat(query)
		if equalCounts(h.counts(), want) {
			return h
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("heat %s: %d cells (total %d), want %d cells: %s", query, len(h.Cells), h.Total, len(want), diffCounts(h.counts(), want))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func diffCounts(got, want map[string]int) string {
	var sb strings.Builder
	n := 0
	for k, v := range want {
		if got[k] != v && n < 5 {
			fmt.Fprintf(&sb, "%s: got %d want %d; ", k, got[k], v)
			n++
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && n < 10 {
			fmt.Fprintf(&sb, "%s: got %d, not wanted; ", k, v)
			n++
		}
	}
	return sb.String()
}

// wireIncident is an incident as a feed posts it.
type wireIncident struct {
	ID       string  `json:"id"`
	Source   string  `json:"source"`
	Category string  `json:"category"`
	Severity int     `json:"severity"`
	Lat      float64 `json:"lat"`
	Lng      float64 `json:"lng"`
	Time     string  `json:"time"`
}

// randomIncidents makes n incidents inside Suzhou over the last ten minutes,
// and their independent per-cell count at res (see referenceCounts).
func randomIncidents(t *testing.T, n int, seed uint64, prefix string, res int) ([]wireIncident, map[string]int) {
	p, err := geo.LoadProfile(profiles.FS, "suzhou")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 99))
	now := time.Now()
	out := make([]wireIncident, 0, n)
	// Most incidents in a few hot spots, so cells hold more than one.
	hot := []orb.Point{{120.62, 31.30}, {120.98, 31.38}, {120.75, 31.65}}
	for len(out) < n {
		var pt orb.Point
		if r.IntN(3) > 0 {
			h := hot[r.IntN(len(hot))]
			pt = orb.Point{h[0] + r.NormFloat64()*0.01, h[1] + r.NormFloat64()*0.01}
		} else {
			pt = orb.Point{p.Bound.Min[0] + r.Float64()*(p.Bound.Max[0]-p.Bound.Min[0]), p.Bound.Min[1] + r.Float64()*(p.Bound.Max[1]-p.Bound.Min[1])}
		}
		if !p.Contains(pt) {
			continue
		}
		in := wireIncident{
			ID: fmt.Sprintf("%s-%d", prefix, len(out)), Source: "110", Category: []string{"theft", "traffic", "noise"}[r.IntN(3)],
			Severity: 1 + r.IntN(4), Lat: pt.Lat(), Lng: pt.Lon(),
			Time: now.Add(-time.Duration(r.Int64N(int64(10 * time.Minute)))).UTC().Format(time.RFC3339Nano),
		}
		out = append(out, in)
	}
	return out, referenceCounts(out, res)
}

// referenceCounts counts incidents per cell at res the way every user of H3
// means it: the cell that contains the point, latLngToCell at that
// resolution, computed with h3 directly (not a parent of a finer cell).
func referenceCounts(items []wireIncident, res int) map[string]int {
	counts := map[string]int{}
	for _, in := range items {
		counts[h3.LatLngToCell(h3.NewLatLng(in.Lat, in.Lng), res).String()]++
	}
	return counts
}

func ndjson(t *testing.T, items []wireIncident) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// wsClient is a real websocket client of the hub.
type wsClient struct {
	t        testing.TB
	conn     *websocket.Conn
	lastSend time.Time // replay_test's send
}

func (s *server) dial(sub string) *wsClient {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/ws", nil)
	if err != nil {
		s.t.Fatal(err)
	}
	conn.SetReadLimit(64 << 20)
	s.t.Cleanup(func() { conn.CloseNow() })
	c := &wsClient{t: s.t, conn: conn}
	if err := conn.Write(ctx, websocket.MessageText, []byte(sub)); err != nil {
		s.t.Fatal(err)
	}
	return c
}

type wsFrame struct {
	Alerts *struct {
		Counts ops.Counts  `json:"counts"`
		Open   []ops.Alert `json:"open"`
	} `json:"alerts"`
	Dispatches *[]ops.Dispatch    `json:"dispatches"`
	Cases      *cases.Summary     `json:"cases"`
	Index      *safety.IndexLayer `json:"index"`
	Type       string             `json:"type"`
	V          int                `json:"v"`
	Seq        uint64             `json:"seq"`
	Tick       uint64             `json:"tick"`
	Res        int                `json:"res"`
	Window     string             `json:"window"`
	Total      *int               `json:"total"`
	Error      string             `json:"error"`
	Cells      []struct {
		Cell  string `json:"cell"`
		Count int    `json:"count"`
	} `json:"cells"`
	Units []struct {
		Unit   string `json:"unit"`
		Status string `json:"status"`
		Gone   bool   `json:"gone"`
	} `json:"units"`
}

func (c *wsClient) next(timeout time.Duration) (wsFrame, time.Time) {
	c.t.Helper()
	return readFrame[wsFrame](c, timeout)
}

// readFrame reads the client's next frame as a T, and when it came.
func readFrame[T any](c *wsClient, timeout time.Duration) (T, time.Time) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	at := time.Now()
	var f T
	if err := json.Unmarshal(b, &f); err != nil {
		c.t.Fatalf("frame %q: %v", b, err)
	}
	return f, at
}
