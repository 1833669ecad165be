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

func (c *e2eClient) run(ctx context.Context, t *tracker) {
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
		if asOf, ok := frameAsOf(b); ok {
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
				if at, ok := t.start(cell, k); ok {
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
}

func runE2E(ctx context.Context, s *server, pool *eventPool, meterPids map[string]int,
	rate float64, clients int, dur, tick time.Duration) (e2eResult, error) {
	res := e2eResult{TargetRate: rate, Clients: clients, Seconds: dur.Seconds()}
	conns, snaps, err := dialMany(ctx, wsURL(s), subscribeMsg(9, "15m"), clients, 16)
	if err != nil {
		return res, err
	}
	defer closeAll(conns)
	t := newTracker(pool)
	cs := make([]*e2eClient, clients)
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range conns {
		cs[i] = newE2EClient(conns[i], snaps[i])
		wg.Go(func() { cs[i].run(rctx, t) })
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
	for i := 0; ; i++ {
		next := start.Add(time.Duration(i) * interval)
		if next.Sub(start) >= dur {
			break
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
	elapsed := time.Since(start)
	res.CPU = meter.cores()
	serverCPU := meter.cpu("citygrid")
	time.Sleep(2 * tick) // let the last events reach every client
	frames1, _ := s.metric("citygrid_ws_frames_total")
	time.Sleep(tick)
	stop()
	closeAll(conns)
	wg.Wait()

	res.AchievedRate = round(float64(accepted.Load())/elapsed.Seconds(), 0)
	res.PostsSkipped, res.PostErrors = skipped.Load(), errs.Load()
	res.ProbeEvents = t.total()
	res.Expected = res.ProbeEvents * clients
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
