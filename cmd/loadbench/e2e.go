package main

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// cellLog holds the POST start times of the probe events sent into one cell,
// in the order they were sent: the k-th count increase of the cell seen by a
// client is the k-th event.
type cellLog struct {
	mu     sync.Mutex
	starts []time.Time
}

// tracker knows, for probe cells, when each event into them was POSTed.
// Probe cells are a fixed subset of the pool's cells (a cheap hash), so
// clients only attribute a share of the cells they scan.
type tracker struct {
	logs map[uint64]*cellLog // read-only after construction
}

const probeShare = 4 // one cell in probeShare is a probe cell

func isProbe(cell uint64) bool { return (cell*0x9E3779B97F4A7C15)>>60%probeShare == 0 }

func newTracker(pool *eventPool) *tracker {
	t := &tracker{logs: map[uint64]*cellLog{}}
	for _, it := range pool.items {
		if isProbe(it.cell) && t.logs[it.cell] == nil {
			t.logs[it.cell] = &cellLog{}
		}
	}
	return t
}

func (t *tracker) sent(cell uint64, at time.Time) {
	if l := t.logs[cell]; l != nil {
		l.mu.Lock()
		l.starts = append(l.starts, at)
		l.mu.Unlock()
	}
}

// start is the POST start of the k-th (0-based) probe event into cell.
func (t *tracker) start(cell uint64, k int) (time.Time, bool) {
	l := t.logs[cell]
	if l == nil {
		return time.Time{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if k < 0 || k >= len(l.starts) {
		return time.Time{}, false
	}
	return l.starts[k], true
}

func (t *tracker) total() int {
	n := 0
	for _, l := range t.logs {
		l.mu.Lock()
		n += len(l.starts)
		l.mu.Unlock()
	}
	return n
}

// e2eClient follows one subscription and records, for each probe event, the
// time from its POST's start to the first frame carrying the count increase.
type e2eClient struct {
	conn       *websocket.Conn
	base, last map[uint64]int
	hist       *histogram
	fromTick   *histogram // asOf of the frame → receipt: the hub and the socket
	matched    int
	unmatched  int // count increases without a known POST (should be 0)
	drops      int // count decreases (window expiry; should be 0)
	snapshots  int // snapshots after the first: resyncs
	frames     int
}

func newE2EClient(conn *websocket.Conn, snapshot []byte) *e2eClient {
	c := &e2eClient{conn: conn, base: map[uint64]int{}, last: map[uint64]int{},
		hist:     newHistogram(100*time.Microsecond, 5*time.Second),
		fromTick: newHistogram(100*time.Microsecond, 5*time.Second)}
	scanCells(snapshot, func(cell uint64, n int) {
		if isProbe(cell) {
			c.base[cell], c.last[cell] = n, n
		}
	})
	return c
}

// run reads frames until ctx ends; latencies are recorded only while
// measuring is set (every frame still updates the counts).
func (c *e2eClient) run(ctx context.Context, t *tracker, measuring *atomic.Bool) {
	for {
		_, b, err := c.conn.Read(ctx)
		recv := time.Now()
		if err != nil {
			return
		}
		c.frames++
		if frameType(b) == "snapshot" {
			c.snapshots++
		}
		on := measuring.Load()
		if asOf, ok := frameAsOf(b); ok && on {
			c.fromTick.add(recv.Sub(asOf))
		}
		scanCells(b, func(cell uint64, n int) {
			if !isProbe(cell) {
				return
			}
			prev := c.last[cell]
			c.last[cell] = n
			if n < prev {
				c.drops++
				c.base[cell] -= prev - n
				return
			}
			for k := prev - c.base[cell]; k < n-c.base[cell]; k++ {
				if at, ok := t.start(cell, k); !on {
					continue
				} else if ok {
					c.hist.add(recv.Sub(at))
					c.matched++
				} else {
					c.unmatched++
				}
			}
		})
	}
}

// e2eResult is scenario 3.
type e2eResult struct {
	TargetRate   float64            `json:"target_events_per_s"`
	AchievedRate float64            `json:"achieved_events_per_s"`
	Clients      int                `json:"clients"`
	Stalled      int                `json:"stalled_clients,omitempty"` // of Clients; the figures are the others'
	Seconds      float64            `json:"seconds"`
	Batch        int                `json:"events_per_post"`
	PostsSkipped int64              `json:"posts_skipped_behind_schedule"`
	PostErrors   int64              `json:"post_errors"`
	ProbeEvents  int                `json:"probe_events"`
	Matched      int                `json:"matched_deliveries"`
	Expected     int                `json:"expected_deliveries"`
	Unmatched    int                `json:"unmatched_increases"`
	Resyncs      int                `json:"resync_snapshots"`
	Latency      Summary            `json:"latency"`
	MinusTick    Summary            `json:"latency_minus_tick"`
	TickToRecv   Summary            `json:"frame_asof_to_receipt"`
	PostLatency  Summary            `json:"post_latency"`
	ServerCPU    float64            `json:"server_cpu_per_frame_us"`
	Frames       float64            `json:"frames_delivered"`
	CPU          map[string]float64 `json:"cpu_cores"`
	// ServerResyncs is citygrid_ws_resyncs_total's increase over the run
	// (stalled clients only: the others' is 0 without them).
	ServerResyncs float64 `json:"server_resyncs,omitempty"`
	// SettleSec is how long the load ran, unmeasured, before the server
	// noticed the stalled clients; SettleResyncs the resyncs by then.
	SettleSec      float64         `json:"settle_s,omitempty"`
	SettleResyncs  float64         `json:"settle_resyncs,omitempty"`
	StalledOutcome *stalledOutcome `json:"stalled_outcome,omitempty"`
}

// stalledRecvBuf is a stalled client's TCP receive buffer.
const stalledRecvBuf = 64 << 10

// stalledOutcome is what stalled clients found when they read again.
type stalledOutcome struct {
	Resynced int     `json:"resynced"`  // a snapshot came after the queued deltas
	Closed   int     `json:"closed"`    // the server had closed the connection
	CaughtUp int     `json:"caught_up"` // neither: only deltas within the wait
	Deltas   int     `json:"deltas_read_before"`
	Bytes    int64   `json:"bytes_read_before"` // what the sockets held for them
	WaitSec  float64 `json:"wait_s"`
}

// resumeStalled makes stalled clients read again, each for up to wait: a
// snapshot means the server resynced it, an error before one that it closed
// it.
func resumeStalled(ctx context.Context, conns []*websocket.Conn, wait time.Duration) *stalledOutcome {
	o := &stalledOutcome{WaitSec: wait.Seconds()}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			deltas, nb := 0, int64(0)
			outcome := &o.CaughtUp
			for {
				_, b, err := c.Read(rctx)
				if err != nil {
					if rctx.Err() == nil {
						outcome = &o.Closed
					}
					break
				}
				if frameType(b) == "snapshot" {
					outcome = &o.Resynced
					break
				}
				deltas++
				nb += int64(len(b))
			}
			mu.Lock()
			*outcome++
			o.Deltas += deltas
			o.Bytes += nb
			mu.Unlock()
		})
	}
	wg.Wait()
	return o
}

// stalled of the clients (counted in clients) stop reading after their
// snapshot; they are left out of the latency, and once the load is over they
// read again to see what the server did with them; latency is measured for
// dur once the server noticed them (see settle below). sample, if not nil, runs
// for as long as the load (the soak samples the server's memory in it).
func runE2E(ctx context.Context, s *server, pool *eventPool, meterPids map[string]int,
	rate float64, clients, stalled int, settle, dur, tick time.Duration, sample func(context.Context)) (e2eResult, error) {
	res := e2eResult{TargetRate: rate, Clients: clients, Stalled: stalled, Seconds: dur.Seconds()}
	healthy := clients - stalled
	conns, snaps, err := dialMany(ctx, wsURL(s), subscribeMsg(9, "15m"), healthy, 16, nil)
	if err != nil {
		return res, err
	}
	defer closeAll(conns)
	// Stalled clients subscribe, take their snapshot and never read again
	// until the load is over; their receive buffer is small (see smallRecvBuf).
	var stalledConns []*websocket.Conn
	if stalled > 0 {
		if stalledConns, _, err = dialMany(ctx, wsURL(s), subscribeMsg(9, "15m"), stalled, stalled, smallRecvBuf(stalledRecvBuf)); err != nil {
			return res, err
		}
		defer closeAll(stalledConns)
	}
	resyncs0, _ := s.metric("citygrid_ws_resyncs_total")
	t := newTracker(pool)
	// With stalled clients, the load runs unmeasured until the server has
	// noticed them (resynced as many clients as stalled) or for at most
	// settle: until then the kernel's socket buffers absorb their frames
	// (megabytes on loopback) and the server does what it does for anyone.
	var measuring atomic.Bool
	measuring.Store(stalled == 0)
	cs := make([]*e2eClient, healthy)
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range conns {
		cs[i] = newE2EClient(conns[i], snaps[i])
		wg.Go(func() { cs[i].run(rctx, t, &measuring) })
	}
	sctx, sstop := context.WithCancel(ctx)
	defer sstop()
	var sw sync.WaitGroup
	if sample != nil {
		sw.Go(func() { sample(sctx) })
	}

	// Open loop: a POST of batch events every interval, handed to workers; a
	// POST that finds every worker busy is skipped, not queued, so a slow
	// server shows as a lower achieved rate rather than a growing backlog.
	const postsPerSec = 100
	batch := max(1, int(rate/postsPerSec))
	res.Batch = batch
	interval := time.Duration(float64(time.Second) * float64(batch) / rate)
	const posters = 8
	jobs := make(chan struct{}, posters)
	var accepted, skipped, errs atomic.Int64
	lats := make([][]time.Duration, posters)
	frames0, _ := s.metric("citygrid_ws_frames_total")
	meter := newCPUMeter(meterPids)
	var pw sync.WaitGroup
	for w := range posters {
		pw.Go(func() {
			p := newPoster(s.url("/api/v1/incidents"))
			r := rand.New(rand.NewPCG(uint64(w), 3))
			buf := make([]byte, 0, batch*300)
			cells := make([]uint64, 0, batch)
			for range jobs {
				buf, cells = buf[:0], cells[:0]
				for range batch {
					it := pool.pick(r)
					buf = pool.appendLine(buf, it)
					cells = append(cells, it.cell)
				}
				t0 := time.Now()
				for _, c := range cells {
					t.sent(c, t0)
				}
				a, err := p.post(buf)
				lats[w] = append(lats[w], time.Since(t0))
				if err != nil {
					errs.Add(1)
					continue
				}
				accepted.Add(int64(a.Accepted))
			}
		})
	}
	start := time.Now()
	measureFrom := start
	end := start.Add(dur)
	if stalled > 0 {
		end = start.Add(settle + dur) // moved when the stall is noticed
	}
	lastPoll := start
	probes0 := 0 // probe events sent before measuring began
	for i := 0; ; i++ {
		next := start.Add(time.Duration(i) * interval)
		if !next.Before(end) {
			break
		}
		if !measuring.Load() && next.Sub(lastPoll) >= 500*time.Millisecond {
			lastPoll = next
			r, _ := s.metric("citygrid_ws_resyncs_total")
			if r-resyncs0 >= float64(stalled) || next.Sub(start) >= settle {
				probes0 = t.total()
				measuring.Store(true)
				measureFrom = time.Now()
				end = measureFrom.Add(dur)
				res.SettleSec = round(measureFrom.Sub(start).Seconds(), 1)
				res.SettleResyncs = r - resyncs0
			}
		}
		time.Sleep(time.Until(next))
		select {
		case jobs <- struct{}{}:
		default:
			skipped.Add(1)
		}
	}
	close(jobs)
	pw.Wait()
	sstop()
	sw.Wait()
	elapsed := time.Since(start)
	res.CPU = meter.cores()
	serverCPU := meter.cpu("citygrid")
	time.Sleep(2 * tick) // let the last events reach every client
	frames1, _ := s.metric("citygrid_ws_frames_total")
	time.Sleep(tick)
	if stalled > 0 {
		resyncs1, _ := s.metric("citygrid_ws_resyncs_total")
		res.ServerResyncs = resyncs1 - resyncs0
		res.StalledOutcome = resumeStalled(ctx, stalledConns, 3*time.Second)
	}
	stop()
	closeAll(conns)
	wg.Wait()

	res.AchievedRate = round(float64(accepted.Load())/elapsed.Seconds(), 0)
	res.PostsSkipped, res.PostErrors = skipped.Load(), errs.Load()
	res.ProbeEvents = t.total()
	res.Expected = (res.ProbeEvents - probes0) * healthy // about: a few were in flight when measuring began
	all := newHistogram(100*time.Microsecond, 5*time.Second)
	fromTick := newHistogram(100*time.Microsecond, 5*time.Second)
	for _, c := range cs {
		all.merge(c.hist)
		fromTick.merge(c.fromTick)
		res.Matched += c.matched
		res.Unmatched += c.unmatched
		res.Resyncs += c.snapshots
	}
	res.Latency = all.summary(0)
	res.MinusTick = all.summary(tick)
	res.TickToRecv = fromTick.summary(0)
	var pl []time.Duration
	for _, l := range lats {
		pl = append(pl, l...)
	}
	res.PostLatency = summarize(pl)
	res.Frames = frames1 - frames0
	if res.Frames > 0 {
		res.ServerCPU = round(float64(serverCPU.Microseconds())/res.Frames, 1)
	}
	return res, nil
}
