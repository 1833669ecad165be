package hub

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/replay"
	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// frame is one encoded frame, not yet closed (see closeFrame), for a tick.
type frame struct {
	tick uint64
	body []byte
}

// client is one websocket connection. An idle client costs no goroutine of its
// own beyond the handler's, which reads: the hub's writers (writers.go) flush
// it while something waits to be written, and the hub's sweep, not a timer per
// client, bounds writes and sends pings. The read loop owns subscribing; mu
// guards what the reader, the fan-out and the writer share.
type client struct {
	hub     *Hub
	conn    *websocket.Conn
	req     *http.Request // the upgrade request: who the client is, for Authorize
	limiter *rate.Limiter

	// writeStart is when the write in progress began (Unix ns), 0 between
	// writes; the sweep closes a client whose write outlasts WriteTimeout.
	writeStart atomic.Int64
	// ended is set by whoever closes the connection on the hub's side (a failed
	// write or ping, the sweep), so the reader's error is not logged as news.
	ended   atomic.Bool
	pinging atomic.Bool // a ping goroutine is out
	// lastPing is when the client was last pinged (Unix ns); the sweep's only.
	lastPing int64

	mu      sync.Mutex
	sub     subscription
	hasSub  bool
	pending []frame
	resync  bool          // the next write is a fresh snapshot
	errs    [][]byte      // error frames for the client's bad messages
	watched *subscription // what the heat fold keeps current for the client
	writing bool          // a flush goroutine is running; it alone writes data frames
	done    bool          // the client has ended: nothing more is written
	// A replay, while the client watches one (replay.go): live frames are
	// not sent to it, replayOut holds the replay's frames to write.
	replay    *replay.Session
	replaying bool
	replayOut [][]byte

	// The writer's own state. One writer at a time flushes the client (writing),
	// and they hand over through mu, so these need no lock of their own.
	seq, sentTick uint64
}

func newClient(h *Hub, conn *websocket.Conn, r *http.Request) *client {
	lim := rate.NewLimiter(rate.Limit(h.cfg.MessageRate), int(2*h.cfg.MessageRate)+1)
	return &client{hub: h, conn: conn, req: r, limiter: lim, lastPing: time.Now().UnixNano()}
}

func (c *client) subscription() (subscription, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sub, c.hasSub && !c.replaying
}

// wakeLocked starts a writer unless one is running. c.mu must be held.
func (c *client) wakeLocked() {
	if c.writing || c.done {
		return
	}
	c.writing = true
	c.hub.writers.ready(c)
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
	c.wakeLocked()
	c.mu.Unlock()
}

func (c *client) requestResync() {
	c.mu.Lock()
	if c.hasSub {
		c.pending = nil
		c.resync = true
		c.wakeLocked()
	}
	c.mu.Unlock()
}

// stop ends the client's writing: no writer starts after it.
func (c *client) stop() {
	c.mu.Lock()
	c.done = true
	c.pending, c.errs = nil, nil
	c.mu.Unlock()
}

// closeNow ends the connection from the hub's side.
func (c *client) closeNow() {
	c.ended.Store(true)
	c.conn.CloseNow()
}

// readLoop reads the client's messages until the connection ends. The context
// is not the hub's: the hub closes its connections when it ends (Hub.closeAll),
// and a Read without a deadline costs the library no timer.
func (c *client) readLoop() error {
	for {
		_, data, err := c.conn.Read(context.Background())
		if err != nil {
			return err
		}
		if !c.limiter.Allow() {
			c.ended.Store(true)
			c.conn.Close(websocket.StatusPolicyViolation, "too many messages")
			return errTooFast
		}
		m, err := parseMessage(data)
		if err == nil && c.hub.cfg.Authorize != nil {
			err = c.hub.cfg.Authorize(c.req, m.Type)
		}
		var sub subscription
		if err == nil {
			switch m.Type {
			case msgSubscribe:
				sub, err = m.subscription(c.hub.whole)
			case msgReplay:
				err = c.replayMessage(m)
			case msgLive:
				c.endReplay()
				c.requestResync()
			}
		}
		if err != nil {
			c.mu.Lock()
			if len(c.errs) < 8 { // a client spamming bad messages gets the first few answered
				c.errs = append(c.errs, errorFrame(err.Error()))
			}
			c.wakeLocked()
			c.mu.Unlock()
			continue
		}
		if m.Type != msgSubscribe {
			continue
		}
		c.endReplay()
		if err := c.subscribe(c.hub.ctx, sub); err != nil {
			return err
		}
	}
}

var errTooFast = errors.New("hub: client sent messages too fast")

// ping closes a client that does not answer a ping within the interval: a wall
// display whose network died must not hold a slot forever. The sweep starts it
// once per PingInterval; it runs beside the writer, whose frames the library
// interleaves with the ping.
func (c *client) ping() {
	defer c.pinging.Store(false)
	ctx, cancel := context.WithTimeout(c.hub.ctx, c.hub.cfg.PingInterval)
	err := c.conn.Ping(ctx)
	cancel()
	if err != nil && c.hub.ctx.Err() == nil {
		c.ended.Store(true)
		c.conn.Close(websocket.StatusPolicyViolation, "ping timeout")
	}
}

// subscribe makes the heat fold keep the client's view (and regions) current,
// then switches the client to it; the writer sends the snapshot.
func (c *client) subscribe(ctx context.Context, sub subscription) error {
	c.mu.Lock()
	old := c.watched
	c.mu.Unlock()
	err := c.hub.cfg.Loop.Do(ctx, func(env *live.Env) {
		watch(env, sub)
		if old != nil {
			unwatch(env, *old)
		}
	})
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.sub, c.hasSub, c.watched = sub, true, &sub
	c.pending = nil
	c.resync = true
	c.wakeLocked()
	c.mu.Unlock()
	return nil
}

// release lets the heat fold drop the client's view and regions.
func (c *client) release() {
	c.mu.Lock()
	w := c.watched
	c.watched = nil
	c.mu.Unlock()
	if w != nil {
		_ = c.hub.cfg.Loop.Do(context.Background(), func(env *live.Env) { unwatch(env, *w) })
	}
}

// watch and unwatch keep what a subscription needs current: its view and
// regions in the heat fold, its whole-state layers in their folds.
func watch(env *live.Env, sub subscription) {
	if hs, ok := live.Find[*heat.State](env); ok {
		hs.Watch(sub.View)
		if sub.regions {
			hs.WatchRegions(sub.regionTopic())
		}
	}
	for _, name := range sub.whole {
		env.WatchLayer(name, 1)
	}
}

func unwatch(env *live.Env, sub subscription) {
	if hs, ok := live.Find[*heat.State](env); ok {
		hs.Unwatch(sub.View)
		if sub.regions {
			hs.UnwatchRegions(sub.regionTopic())
		}
	}
	for _, name := range sub.whole {
		env.WatchLayer(name, -1)
	}
}

// bufs hold frames being closed for one client: a shared body must not be
// appended to in place, and an idle client keeps no buffer of its own.
var bufs = sync.Pool{New: func() any { return new([]byte) }}

// flush writes what waits for the client, until nothing does; enqueue readies
// the client again.
func (c *client) flush() {
	bp := bufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 1<<20 { // a huge frame's buffer is left to the GC
			bufs.Put(bp)
		}
	}()
	for {
		c.mu.Lock()
		errs, resync, sub, frames, replayed := c.errs, c.resync, c.sub, c.pending, c.replayOut
		c.errs, c.pending, c.resync, c.replayOut = nil, nil, false, nil
		if c.replaying {
			resync, frames = false, nil
		}
		if c.done || len(errs) == 0 && !resync && len(frames) == 0 && len(replayed) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if err := c.writeAll(errs, resync, sub, frames, replayed, bp); err != nil {
			c.mu.Lock()
			c.done, c.writing = true, false
			c.pending, c.errs = nil, nil
			c.mu.Unlock()
			c.closeNow() // the reader sees it and ends the client
			return
		}
	}
}

func (c *client) writeAll(errs [][]byte, resync bool, sub subscription, frames []frame, replayed [][]byte, bp *[]byte) error {
	for _, e := range errs {
		if err := c.write(e); err != nil {
			return err
		}
	}
	for _, body := range replayed {
		c.seq++
		*bp = closeFrame(append((*bp)[:0], body...), c.seq)
		if err := c.write(*bp); err != nil {
			return err
		}
	}
	if resync {
		snap, err := c.hub.snapshot(c.hub.ctx, sub)
		if err != nil {
			return err
		}
		c.seq++
		if err := c.write(closeFrame(c.hub.encodeSnapshot(snap, sub), c.seq)); err != nil {
			return err
		}
		c.sentTick = snap.tick
		return nil
	}
	for _, f := range frames {
		if f.tick <= c.sentTick {
			continue // the snapshot already holds it
		}
		c.seq++
		*bp = closeFrame(append((*bp)[:0], f.body...), c.seq)
		if err := c.write(*bp); err != nil {
			return err
		}
		c.sentTick = f.tick
	}
	return nil
}

// write writes one message. It passes the library no deadline, which would
// cost a timer and a context per write; the hub's sweep closes the connection
// of a write that outlasts WriteTimeout instead.
func (c *client) write(b []byte) error {
	c.writeStart.Store(time.Now().UnixNano())
	err := c.conn.Write(context.Background(), websocket.MessageText, b)
	c.writeStart.Store(0)
	if err == nil {
		c.hub.framesSent.Add(1)
	}
	return err
}

// snapshot reads a topic's state from the folds.
func (h *Hub) snapshot(ctx context.Context, sub subscription) (snapshot, error) {
	var s snapshot
	err := h.cfg.Loop.Do(ctx, func(env *live.Env) {
		s.tick, s.asOf = env.TickSeq(), env.Now()
		if hs, ok := live.Find[*heat.State](env); ok {
			if sub.heat {
				s.cells, _ = hs.Heat(sub.View)
				if sub.BBox == nil {
					s.totals = hs.Totals(sub.View)
				}
			}
			if sub.units {
				s.units = hs.Units()
			}
			if sub.regions {
				s.regions, _ = hs.RegionFigures(sub.level, sub.View.Window)
			}
		}
		for _, name := range sub.whole {
			members, _ := live.Layer(env, name)
			s.whole = append(s.whole, members)
		}
	})
	return s, err
}
