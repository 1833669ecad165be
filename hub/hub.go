package hub

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/replay"
	"github.com/coder/websocket"
)

// Config configures a Hub. The zero value of each field means its default.
type Config struct {
	// Loop is the live state: the hub takes its ticks, and asks its folds for
	// snapshots (the heat fold, heat.State, for heat, units and regions; the
	// fold of each whole-state layer for that layer). Required.
	Loop *live.Loop
	// Regions names the rows of the regions layer: the current hierarchy.
	// Nil means the layer has no rows.
	Regions func() *geo.Regions
	// Queue is how many frames may wait for one client before it is resynced.
	// Zero means 16.
	Queue int
	// WriteTimeout bounds every write to a client: one still going after it
	// (checked every eighth of the shorter of it and PingInterval) closes the
	// client. Zero means 5 s.
	WriteTimeout time.Duration
	// MaxMessage is the largest message a client may send, in bytes. Zero means 4 KiB.
	MaxMessage int64
	// Heartbeat is how often a client with nothing new still gets an (empty)
	// delta, so it can show how fresh its data is. Zero means 1 s.
	Heartbeat time.Duration
	// Origins are the hosts other than the page's own that may open a socket
	// (websocket.AcceptOptions.OriginPatterns). Empty allows the same origin only.
	Origins []string
	// Authorize decides whether the request that opened the socket may send a
	// message of the given type ("subscribe"); a refusal is sent to the client
	// as an error frame. Nil allows everything.
	Authorize func(r *http.Request, msgType string) error
	// MessageRate is how many messages a client may send per second, with bursts
	// of twice that; a client sending faster is closed. Zero means 5.
	MessageRate float64
	// PingInterval is how often an idle client is pinged; one that does not
	// answer within the interval is closed. Zero means 30 s.
	PingInterval time.Duration
	// Replays plays past spans of the streams to clients that ask (the
	// replay message). Nil means replay is not available.
	Replays *replay.Player
	// Logf reports client errors. Nil means no logging.
	Logf func(format string, args ...any)
}

// A Hub fans ticks out to websocket clients. The loop's ticks feed it
// (Publish); ServeHTTP accepts clients.
type Hub struct {
	cfg   Config
	ctx   context.Context // the hub's lifetime: clients close when it ends
	ticks chan live.Tick
	whole []string // the whole-state layers of the loop's folds

	mu      sync.RWMutex
	clients map[*client]struct{}
	writers *writers

	framesSent atomic.Int64
	resyncs    atomic.Int64
	lastBeat   time.Time // fanout goroutine only
}

// New returns a hub that runs until ctx is done, and takes the loop's ticks.
func New(ctx context.Context, cfg Config) *Hub {
	if cfg.Queue == 0 {
		cfg.Queue = 16
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 5 * time.Second
	}
	if cfg.MaxMessage == 0 {
		cfg.MaxMessage = 4 << 10
	}
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = time.Second
	}
	if cfg.MessageRate == 0 {
		cfg.MessageRate = 5
	}
	if cfg.PingInterval == 0 {
		cfg.PingInterval = 30 * time.Second
	}
	if cfg.Regions == nil {
		none, _ := geo.NewRegions()
		cfg.Regions = func() *geo.Regions { return none }
	}
	h := &Hub{cfg: cfg, ctx: ctx, ticks: make(chan live.Tick, 64), whole: cfg.Loop.Layers(),
		clients: map[*client]struct{}{}, writers: newWriters()}
	cfg.Loop.OnTick(h.Publish)
	go h.fanout()
	go h.sweep()
	context.AfterFunc(ctx, h.closeAll)
	return h
}

// sweep is the clients' one clock: it closes a client whose write outlasts
// WriteTimeout and starts the pings, so a client needs no timer or goroutine of
// its own for either. It looks every eighth of the shorter of the two, so a
// write is cut off between WriteTimeout and 1.125 times it.
func (h *Hub) sweep() {
	every := min(h.cfg.WriteTimeout, h.cfg.PingInterval) / 8
	t := time.NewTicker(max(every, time.Millisecond))
	defer t.Stop()
	var late []*client
	for {
		select {
		case <-h.ctx.Done():
			return
		case now := <-t.C:
			late = h.sweepAt(now.UnixNano(), late[:0])
			for i, c := range late {
				c.closeNow()
				late[i] = nil
			}
		}
	}
}

// sweepAt starts the pings due at now and returns the clients whose write is
// late, to be closed once the hub's lock is released.
func (h *Hub) sweepAt(now int64, late []*client) []*client {
	writeTimeout, pingInterval := int64(h.cfg.WriteTimeout), int64(h.cfg.PingInterval)
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.clients {
		if start := c.writeStart.Load(); start != 0 && now-start >= writeTimeout {
			late = append(late, c)
			continue
		}
		if now-c.lastPing >= pingInterval && c.pinging.CompareAndSwap(false, true) {
			c.lastPing = now
			go c.ping()
		}
	}
	return late
}

// CloseUnless closes the connection of every client whose upgrade request
// keep refuses (its key was revoked, its person removed), and returns how
// many it closed.
func (h *Hub) CloseUnless(keep func(r *http.Request) bool, reason string) int {
	var gone []*client
	h.each(func(c *client) {
		if !keep(c.req) {
			gone = append(gone, c)
		}
	})
	for _, c := range gone {
		c.ended.Store(true)
		go c.conn.Close(websocket.StatusPolicyViolation, reason)
	}
	return len(gone)
}

// closeAll closes every client when the hub ends, and lets the writers go.
func (h *Hub) closeAll() {
	h.writers.close()
	h.each(func(c *client) {
		c.ended.Store(true)
		go c.conn.Close(websocket.StatusGoingAway, "server shutting down")
	})
}

// Publish hands a tick to the hub without blocking; the loop calls it (New
// subscribes it). If the hub has fallen 64 ticks behind, the tick is dropped
// and every client is resynced instead, since a lost delta would leave them
// wrong.
func (h *Hub) Publish(t live.Tick) {
	select {
	case h.ticks <- t:
	default:
		h.each(func(c *client) { c.requestResync() })
	}
}

// Stats are counters for /metrics.
type Stats struct {
	Clients    int
	FramesSent int64
	Resyncs    int64
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.RLock()
	n := len(h.clients)
	h.mu.RUnlock()
	return Stats{Clients: n, FramesSent: h.framesSent.Load(), Resyncs: h.resyncs.Load()}
}

// each calls f for every client, under the hub's lock: f must not call out
// of the hub (clientList is for work that does).
func (h *Hub) each(f func(*client)) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.clients {
		f(c)
	}
}

// clientList copies the set of clients into buf, so the caller can work on
// them without the hub's lock.
func (h *Hub) clientList(buf []*client) []*client {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.clients {
		buf = append(buf, c)
	}
	return buf
}

// fanout encodes each tick once per topic and queues it for the subscribers.
func (h *Hub) fanout() {
	var clients []*client
	for {
		select {
		case t := <-h.ticks:
			clients = h.clientList(clients[:0])
			h.deliver(&t, clients)
			clear(clients)
		case <-h.ctx.Done():
			return
		}
	}
}

// topic is what one encoding of a tick serves: every client without a bbox
// that subscribes the same.
type topic struct {
	view        heat.ViewKey
	heat, units bool
	regions     heat.RegionTopic
	hasRegions  bool
	wholeMask   uint64
}

func (h *Hub) deliver(t *live.Tick, clients []*client) {
	beat := t.AsOf.Sub(h.lastBeat) >= h.cfg.Heartbeat
	if beat {
		h.lastBeat = t.AsOf
	}
	part, ok := live.PartOf[*heat.Changes](t)
	if !ok {
		part = &heat.Changes{}
	}
	encoded := map[topic][]byte{}
	// The regions layer is figures over whole windows, not cell changes: the
	// heat fold publishes them once a second, encoded here once per topic.
	regions := map[heat.RegionTopic][]byte{}
	regionsOf := func(sub subscription) []byte {
		rt := sub.regionTopic()
		figs, ok := part.Regions[rt]
		if !sub.regions || !ok {
			return nil
		}
		if b, ok := regions[rt]; ok {
			return b
		}
		b := h.encodeRegions(rt.Level, figs)
		regions[rt] = b
		return b
	}
	for _, c := range clients {
		sub, ok := c.subscription()
		if !ok {
			continue
		}
		rows := regionsOf(sub)
		changed := sub.units && len(part.Units) > 0 || sub.heat && len(part.Views[sub.View].Cells) > 0 || rows != nil
		for _, name := range sub.whole {
			_, in := t.Layers[name]
			changed = changed || in
		}
		if !changed && !beat {
			continue
		}
		var body []byte
		if sub.BBox == nil {
			k := topic{view: sub.View, heat: sub.heat, units: sub.units, regions: sub.regionTopic(), hasRegions: sub.regions, wholeMask: sub.wholeMask}
			if body = encoded[k]; body == nil {
				body = encodeDelta(t, part, sub, rows)
				encoded[k] = body
			}
		} else {
			body = encodeDelta(t, part, sub, rows)
		}
		c.enqueue(frame{tick: t.Seq, body: body})
	}
}

// ServeHTTP upgrades a request to a websocket client of the hub.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.cfg.Origins})
	if err != nil {
		return // Accept has answered the request
	}
	defer conn.CloseNow()
	conn.SetReadLimit(h.cfg.MaxMessage)
	c := newClient(h, conn, r)
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.clients, c)
		h.mu.Unlock()
		c.endReplay()
		c.stop()
		c.release()
	}()
	if h.ctx.Err() != nil { // closeAll has run, or is running without c
		conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	// Accept warns against using r.Context() after it returns: the client lives
	// as long as the hub, or until either side closes. This goroutine reads;
	// the hub's writers write (writers.go), and its sweep pings.
	err = c.readLoop() // returns only with the error that ended the client
	if h.cfg.Logf != nil && !normalClose(err) && !c.ended.Load() {
		h.cfg.Logf("hub: client %s: %v", r.RemoteAddr, err)
	}
}

func normalClose(err error) bool {
	s := websocket.CloseStatus(err)
	return s == websocket.StatusNormalClosure || s == websocket.StatusGoingAway || errors.Is(err, context.Canceled)
}
