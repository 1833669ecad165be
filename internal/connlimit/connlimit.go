// Package connlimit bounds the connections a server holds: in total, so a
// flood of idle connections cannot use up the process's file descriptors
// (then nothing, not even /healthz, is answered), and per address, so one
// client cannot take the whole share.
//
// A connection over a bound is accepted and closed at once: the kernel's
// backlog never fills with connections waiting for a slot, and the client
// learns at once that it must wait.
package connlimit

import (
	"net"
	"sync"
	"sync/atomic"
)

// A Listener is a net.Listener that holds at most Total connections, and at
// most PerAddr from one address (zero: no bound).
type Listener struct {
	net.Listener
	total, perAddr int

	mu     sync.Mutex
	open   int
	byAddr map[string]int

	refused atomic.Int64
}

// New wraps l.
func New(l net.Listener, total, perAddr int) *Listener {
	return &Listener{Listener: l, total: total, perAddr: perAddr, byAddr: map[string]int{}}
}

// Accept returns the next connection within the bounds, closing the others.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := hostOf(c.RemoteAddr())
		if l.admit(addr) {
			return &conn{Conn: c, l: l, addr: addr}, nil
		}
		l.refused.Add(1)
		_ = c.Close()
	}
}

// Open is how many connections are held now.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Refused is how many connections were closed at once for a bound.
func (l *Listener) Refused() int64 { return l.refused.Load() }

func (l *Listener) admit(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total > 0 && l.open >= l.total || l.perAddr > 0 && l.byAddr[addr] >= l.perAddr {
		return false
	}
	l.open++
	l.byAddr[addr]++
	return true
}

func (l *Listener) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
}

// conn gives its slot back once closed (a hijacked websocket's too: it is
// this conn the server hands over).
type conn struct {
	net.Conn
	l    *Listener
	addr string
	once sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}

func hostOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
