package hub_test

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// bareServer is the reference the hub's benchmarks are measured against: the
// least a coder/websocket broadcast server can do for the same clients, as in
// the library's chat example and cmd/loadbench's baseline. One frame is built
// per tick and queued, without copying, to each client's writer goroutine
// (queue of 16, dropped when full); CloseRead handles control frames.
type bareServer struct {
	mu      sync.Mutex
	clients map[chan []byte]struct{}
}

func newBareServer() *bareServer { return &bareServer{clients: map[chan []byte]struct{}{}} }

func (s *bareServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := context.Background()
	if _, _, err := c.Read(ctx); err != nil { // the subscribe
		return
	}
	// Registered before the snapshot is written, so a client that has read it
	// gets every later broadcast.
	ch := make(chan []byte, 16)
	s.mu.Lock()
	s.clients[ch] = struct{}{}
	s.mu.Unlock()
	defer func() { s.mu.Lock(); delete(s.clients, ch); s.mu.Unlock() }()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"snapshot","v":1,"tick":0,"cells":[],"seq":1}`)); err != nil {
		return
	}
	ctx = c.CloseRead(ctx)
	for {
		select {
		case f := <-ch:
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := c.Write(wctx, websocket.MessageText, f)
			cancel()
			if err != nil {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

func (s *bareServer) broadcast(f []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.clients {
		select {
		case ch <- f:
		default:
		}
	}
}

func (s *bareServer) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}
