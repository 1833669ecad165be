package hub_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/hub"
	"github.com/coder/websocket"
)

// waitClients waits until the hub has n clients, or fails after within.
func waitClients(t *testing.T, h *hub.Hub, n int, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); h.Stats().Clients != n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d clients after %v, want %d", h.Stats().Clients, within, n)
		}
	}
}

// readUntilClosed reads until the connection ends and returns its close status.
func readUntilClosed(t *testing.T, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// A client that does not answer pings is closed; one that reads (and so
// answers them) stays.
func TestPingTimeoutClosesDeadClient(t *testing.T) {
	r := newRigConfig(t, time.Hour, hub.Config{PingInterval: 100 * time.Millisecond})
	sub := `{"type":"subscribe","layers":["heat"]}`
	alive := r.dial(t, sub)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, _, err := alive.Read(ctx); err != nil {
				return
			}
		}
	}()
	dead := dialRaw(t, r.url, sub)
	if f := dead.read(t); f.Type != "snapshot" {
		t.Fatalf("first frame %q", f.Type)
	}
	waitClients(t, r.hub, 2, 5*time.Second)
	// The dead client is closed after a ping interval and the close
	// handshake's wait (up to 5 s, as it does not answer that either).
	waitClients(t, r.hub, 1, 10*time.Second)
	time.Sleep(500 * time.Millisecond) // five more pings
	if n := r.hub.Stats().Clients; n != 1 {
		t.Fatalf("the live client was closed too: %d clients", n)
	}
}

// A write that cannot finish within WriteTimeout closes the client.
func TestWriteTimeoutClosesStuckClient(t *testing.T) {
	r := newRigConfig(t, 20*time.Millisecond, hub.Config{WriteTimeout: 200 * time.Millisecond, PingInterval: time.Hour})
	burst(t, r, rand.New(rand.NewPCG(7, 7)), 3000) // a snapshot far larger than the sockets' buffers
	waitTick(t, r)
	stuck := dialRaw(t, r.url, `{"type":"subscribe","layers":["heat"],"res":9,"window":"15m"}`)
	_ = stuck // never reads
	waitClients(t, r.hub, 1, 5*time.Second)
	start := time.Now()
	waitClients(t, r.hub, 0, 5*time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("closed after %v, want about 200 ms", d)
	}
}

// waitTick waits until the fold has published a tick holding what was added.
func waitTick(t *testing.T, r *rig) {
	t.Helper()
	c := r.dial(t, `{"type":"subscribe","layers":["heat"],"res":9,"window":"15m"}`)
	for {
		if f := read(t, c); len(f.Cells) > 0 {
			c.CloseNow()
			waitClients(t, r.hub, 0, 5*time.Second)
			return
		}
	}
}

// A client sending messages faster than MessageRate is closed with 1008.
func TestMessageRateClosesFloodingClient(t *testing.T) {
	r := newRigConfig(t, time.Hour, hub.Config{MessageRate: 2})
	c := r.dial(t, `{"type":"subscribe","layers":["heat"]}`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 20 {
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","layers":["heat"]}`)); err != nil {
			break
		}
	}
	if s := readUntilClosed(t, c); s != websocket.StatusPolicyViolation {
		t.Fatalf("close status %v, want %v", s, websocket.StatusPolicyViolation)
	}
	waitClients(t, r.hub, 0, 5*time.Second)
}

// A message over MaxMessage closes the client with 1009.
func TestMaxMessageClosesClient(t *testing.T) {
	r := newRigConfig(t, time.Hour, hub.Config{MaxMessage: 1024})
	c := r.dial(t, `{"type":"subscribe","layers":["heat"]}`)
	if f := read(t, c); f.Type != "snapshot" {
		t.Fatalf("first frame %q", f.Type)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	big := `{"type":"subscribe","category":"` + strings.Repeat("x", 2000) + `"}`
	if err := c.Write(ctx, websocket.MessageText, []byte(big)); err != nil {
		t.Fatal(err)
	}
	if s := readUntilClosed(t, c); s != websocket.StatusMessageTooBig {
		t.Fatalf("close status %v, want %v", s, websocket.StatusMessageTooBig)
	}
	waitClients(t, r.hub, 0, 5*time.Second)
}
