package redistest

import (
	"bytes"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// A Proxy stands between clients and a Server and can lose a reply: the
// command reaches Redis and is carried out, but its answer never comes back,
// as when a network or a stalled machine drops it. The client times out
// not knowing whether its command ran; that is what a blind retry gets wrong.
type Proxy struct {
	l      net.Listener
	target string

	mu   sync.Mutex
	deaf []byte // the next connection to send a command holding it loses its replies
}

// NewProxy forwards connections to s until the test ends.
func NewProxy(t testing.TB, s *Server) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{l: l, target: s.Addr()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	t.Cleanup(func() { l.Close() })
	return p
}

// URL is the proxy's redis:// URL.
func (p *Proxy) URL() string {
	return "redis://127.0.0.1:" + strconv.Itoa(p.l.Addr().(*net.TCPAddr).Port)
}

// LoseReplyTo arms the proxy: the next connection that sends a command
// containing word gets none of Redis's replies from then on (its client will
// time out and drop it). Only one connection is struck per call.
func (p *Proxy) LoseReplyTo(word string) {
	p.mu.Lock()
	p.deaf = []byte(word)
	p.mu.Unlock()
}

func (p *Proxy) serve(c net.Conn) {
	defer c.Close()
	r, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer r.Close()
	var struck atomic.Bool
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				if !struck.Load() {
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
			}
			if err != nil {
				c.Close()
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if p.deaf != nil && bytes.Contains(buf[:n], p.deaf) {
				p.deaf = nil
				struck.Store(true)
			}
			p.mu.Unlock()
			if _, werr := r.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
