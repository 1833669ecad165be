package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/hub"
	"github.com/citygrid/citygrid/live"
	"github.com/coder/websocket"
	"github.com/paulmach/orb"
)

type frame struct {
	Type  string `json:"type"`
	Seq   uint64 `json:"seq"`
	Tick  uint64 `json:"tick"`
	Total *int64 `json:"total"`
	Cells []struct {
		Cell  string `json:"cell"`
		Count int    `json:"count"`
	} `json:"cells"`
}

// rig is a real fold and hub behind a real HTTP server.
type rig struct {
	loop *live.Loop
	hub  *hub.Hub
	url  string
}

func newRig(t *testing.T, tick time.Duration) *rig {
	return newRigConfig(t, tick, hub.Config{Queue: 4, Heartbeat: time.Minute})
}

// newRigConfig is newRig with a hub configured as cfg (its Loop is the rig's).
func newRigConfig(t *testing.T, tick time.Duration, cfg hub.Config) *rig {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r := &rig{}
	r.loop = live.NewLoop(live.Config{Tick: tick}, heat.NewState(time.Now()))
	cfg.Loop = r.loop
	r.hub = hub.New(ctx, cfg)
	go r.loop.Run(ctx)
	srv := httptest.NewUnstartedServer(r.hub)
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	r.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return r
}

func (r *rig) dial(t *testing.T, sub string) *websocket.Conn {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, r.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(64 << 20)
	t.Cleanup(func() { c.CloseNow() })
	if err := c.Write(ctx, websocket.MessageText, []byte(sub)); err != nil {
		t.Fatal(err)
	}
	return c
}

func read(t *testing.T, c *websocket.Conn) frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// smallSendBuffers gives every accepted connection a small send buffer, so a
// client that stops reading blocks the server's writes after a frame or two.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// burst feeds n incidents spread over many cells, so frames are large.
func burst(t *testing.T, r *rig, rng *rand.Rand, n int) {
	es := make([]geo.Event, n)
	for i := range es {
		p := orb.Point{120.3 + rng.Float64()*0.8, 31.0 + rng.Float64()*0.8}
		es[i] = geo.IncidentEvent(geo.Incident{
			ID: fmt.Sprint(i), Cell: geo.CellOf(p, geo.FineRes), Time: time.Now(), Category: "theft", Severity: 2,
		})
	}
	if err := r.loop.Add(context.Background(), es); err != nil {
		t.Fatal(err)
	}
}

// A client that stops reading is resynced; the others get every delta in
// order, and their state matches the fold's.
func TestSlowClientDoesNotSlowOthers(t *testing.T) {
	r := newRig(t, 20*time.Millisecond)
	sub := `{"type":"subscribe","layers":["heat"],"res":9,"window":"15m"}`
	fast := r.dial(t, sub)
	slow := dialRaw(t, r.url, sub)
	if f := read(t, fast); f.Type != "snapshot" {
		t.Fatalf("fast first frame %q", f.Type)
	}
	if f := slow.read(t); f.Type != "snapshot" {
		t.Fatalf("slow first frame %q", f.Type)
	}
	// The fast client reads in the background, checking every delta.
	counts := map[string]int{}
	var total int64
	frames := make(chan frame, 1024)
	go func() {
		defer close(frames)
		for {
			_, b, err := fast.Read(context.Background())
			if err != nil {
				return
			}
			var f frame
			_ = json.Unmarshal(b, &f)
			frames <- f
		}
	}()
	lastSeq := uint64(1)
	apply := func(f frame) {
		if f.Seq != lastSeq+1 || f.Type != "delta" {
			t.Fatalf("fast client: %s seq %d after %d", f.Type, f.Seq, lastSeq)
		}
		lastSeq = f.Seq
		for _, c := range f.Cells {
			counts[c.Cell] = c.Count
		}
		total = *f.Total
	}
	// Each round stores 1,000 incidents and waits for the fast client to get
	// the delta carrying them, so the rounds are ticks however slow the
	// machine. The slow client's socket is full after the first large frame;
	// a few rounds later its queue (4) overflows.
	rng := rand.New(rand.NewPCG(5, 5))
	for round := 0; r.hub.Stats().Resyncs == 0; round++ {
		if round == 50 {
			t.Fatal("the slow client was never resynced")
		}
		burst(t, r, rng, 1000)
		for got := false; !got; {
			select {
			case f, ok := <-frames:
				if !ok {
					t.Fatal("fast client closed")
				}
				apply(f)
				got = len(f.Cells) > 0
			case <-time.After(30 * time.Second):
				t.Fatal("fast client got no delta in 30 s")
			}
		}
	}
	// The slow client reads again: after what was queued before it fell behind,
	// it gets a snapshot.
	sawSnapshot := false
	for range 50 {
		if f := slow.read(t); f.Type == "snapshot" {
			sawSnapshot = true
			break
		}
	}
	if !sawSnapshot {
		t.Fatal("slow client got no resync snapshot")
	}
	// The fast client's view, built from deltas alone, comes to equal the fold's
	// once the fold has worked through the last bursts and published them.
	var mismatch string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		settle := time.After(200 * time.Millisecond)
	drainAll:
		for {
			select {
			case f := <-frames:
				apply(f)
			case <-settle:
				break drainAll
			}
		}
		var want []heat.CellCount
		_ = r.loop.Do(context.Background(), func(env *live.Env) {
			hs, _ := live.Find[*heat.State](env)
			want, _ = hs.Heat(heat.ViewKey{Res: 9, Window: "15m"})
		})
		if mismatch = compare(counts, total, want); mismatch == "" {
			return
		}
	}
	t.Fatal(mismatch)
}

// compare says how a client's cells and total differ from the fold's, or "".
func compare(counts map[string]int, total int64, want []heat.CellCount) string {
	var sum int64
	for _, c := range want {
		sum += int64(c.Count)
		if counts[c.Cell.String()] != int(c.Count) {
			return fmt.Sprintf("cell %v: client %d, fold %d", c.Cell, counts[c.Cell.String()], c.Count)
		}
	}
	nonzero := 0
	for _, n := range counts {
		if n > 0 {
			nonzero++
		}
	}
	if nonzero != len(want) || sum != total {
		return fmt.Sprintf("client %d cells total %d, fold %d cells total %d", nonzero, total, len(want), sum)
	}
	return ""
}

func TestBadMessageGetsAnErrorFrame(t *testing.T) {
	r := newRig(t, 50*time.Millisecond)
	c := r.dial(t, `{"type":"subscribe","res":5}`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"type":"error"`) || !strings.Contains(string(b), "res: must be one of") {
		t.Fatalf("frame %s", b)
	}
	// The connection stays usable.
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe"}`)); err != nil {
		t.Fatal(err)
	}
	if f := read(t, c); f.Type != "snapshot" {
		t.Fatalf("after a good subscribe: %q", f.Type)
	}
}
