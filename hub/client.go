package hub

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/citygrid/citygrid/live"
	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// frame is one encoded frame, not yet closed (see closeFrame), for a tick.
type frame struct {
	tick uint64
	body []byte
}

// client is one websocket connection. The read loop owns subscribing; the write
// loop owns the connection's writes and seq; mu guards what they share.
type client struct {
	hub     *Hub
	conn    *websocket.Conn
	req     *http.Request // the upgrade request: who the client is, for Authorize
	limiter *rate.Limiter
	wake    chan struct{} // cap 1: "there is something to write"

	mu      sync.Mutex
	sub     subscription
	hasSub  bool
	pending []frame
	resync  bool     // the next write is a fresh snapshot
	errs    [][]byte // error frames for the client's bad messages
	watched *live.ViewKey
}

func newClient(h *Hub, conn *websocket.Conn, r *http.Request) *client {
	lim := rate.NewLimiter(rate.Limit(h.cfg.MessageRate), int(2*h.cfg.MessageRate)+1)
	return &client{hub: h, conn: conn, req: r, limiter: lim, wake: make(chan struct{}, 1)}
}

func (c *client) subscription() (subscription, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sub, c.hasSub
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// enqueue queues a delta. A client whose queue is full has fallen behind: its
// queue is dropped and it gets a fresh snapshot when it next writes, so a slow
// wall display costs the others nothing and still ends up right.
func (c *client) enqueue(f frame) {
	c.mu.Lock()
	switch {
	case c.resync:
	case len(c.pending) >= c.hub.cfg.Queue:
		c.pending = nil
		c.resync = true
		c.hub.resyncs.Add(1)
	default:
		c.pending = append(c.pending, f)
	}
	c.mu.Unlock()
	c.signal()
}

func (c *client) requestResync() {
	c.mu.Lock()
	if c.hasSub {
		c.pending = nil
		c.resync = true
	}
	c.mu.Unlock()
	c.signal()
}

func (c *client) readLoop(ctx context.Context) error {
	for {
		_, data, err := c.conn.Read(ctx)
		if err != nil {
			return err
		}
		if !c.limiter.Allow() {
			c.conn.Close(websocket.StatusPolicyViolation, "too many messages")
			return errTooFast
		}
		sub, err := parseSubscribe(data)
		if err == nil && c.hub.cfg.Authorize != nil {
			err = c.hub.cfg.Authorize(c.req, "subscribe")
		}
		if err != nil {
			c.mu.Lock()
			if len(c.errs) < 8 { // a client spamming bad messages gets the first few answered
				c.errs = append(c.errs, errorFrame(err.Error()))
			}
			c.mu.Unlock()
			c.signal()
			continue
		}
		if err := c.subscribe(ctx, sub); err != nil {
			return err
		}
	}
}

var errTooFast = errors.New("hub: client sent messages too fast")

// pingLoop closes a client that stops answering pings: a wall display whose
// network died must not hold a slot forever.
func (c *client) pingLoop(ctx context.Context) {
	t := time.NewTicker(c.hub.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, c.hub.cfg.PingInterval)
			err := c.conn.Ping(pctx)
			cancel()
			if err != nil {
				c.conn.Close(websocket.StatusPolicyViolation, "ping timeout")
				return
			}
		}
	}
}

// subscribe makes the fold keep the client's view current, then switches the
// client to it; the write loop sends the snapshot.
func (c *client) subscribe(ctx context.Context, sub subscription) error {
	c.mu.Lock()
	old := c.watched
	c.mu.Unlock()
	key := sub.key
	err := c.hub.cfg.Fold.Do(ctx, func(s *live.State) {
		s.Watch(key)
		if old != nil {
			s.Unwatch(*old)
		}
	})
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.sub, c.hasSub, c.watched = sub, true, &key
	c.pending = nil
	c.resync = true
	c.mu.Unlock()
	c.signal()
	return nil
}

// release lets the fold drop the client's view.
func (c *client) release() {
	c.mu.Lock()
	w := c.watched
	c.watched = nil
	c.mu.Unlock()
	if w != nil {
		_ = c.hub.cfg.Fold.Do(context.Background(), func(s *live.State) { s.Unwatch(*w) })
	}
}

func (c *client) writeLoop(ctx context.Context) {
	var seq, sentTick uint64
	// buf is where a shared frame body gets this client's seq appended; it is
	// reused, so a client costs a copy per frame but no allocation.
	var buf []byte
	for {
		select {
		case <-c.wake:
		case <-ctx.Done():
			return
		}
		c.mu.Lock()
		errs, resync, sub := c.errs, c.resync, c.sub
		frames := c.pending
		c.errs, c.pending, c.resync = nil, nil, false
		c.mu.Unlock()
		for _, e := range errs {
			if c.write(ctx, e) != nil {
				return
			}
		}
		if resync {
			snap, err := c.hub.snapshot(ctx, sub)
			if err != nil {
				return
			}
			seq++
			if c.write(ctx, closeFrame(encodeSnapshot(snap, sub), seq)) != nil {
				return
			}
			sentTick = snap.tick
			continue
		}
		for _, f := range frames {
			if f.tick <= sentTick {
				continue // the snapshot already holds it
			}
			seq++
			// The shared body must not be appended to in place.
			buf = closeFrame(append(buf[:0], f.body...), seq)
			if c.write(ctx, buf) != nil {
				return
			}
			if cap(buf) > 1<<20 {
				buf = nil // do not keep a huge frame's buffer for every idle client
			}
			sentTick = f.tick
		}
	}
}

func (c *client) write(ctx context.Context, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.hub.cfg.WriteTimeout)
	defer cancel()
	err := c.conn.Write(ctx, websocket.MessageText, b)
	if err == nil {
		c.hub.framesSent.Add(1)
	}
	return err
}

// snapshot reads a topic's state from the fold.
func (h *Hub) snapshot(ctx context.Context, sub subscription) (snapshot, error) {
	var s snapshot
	err := h.cfg.Fold.Do(ctx, func(st *live.State) {
		s.tick, s.asOf = st.TickSeq(), st.Now()
		if sub.heat {
			s.cells, _ = st.Heat(sub.key)
		}
		if sub.units {
			s.units = st.Units()
		}
		if sub.alerts || sub.dispatches {
			s.ops = st.Ops().Summary()
		}
	})
	if err == nil && sub.regions != "" {
		s.regions = h.regions(sub)
	}
	return s, err
}
