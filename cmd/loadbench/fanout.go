package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"
)

// fanoutResult is scenario 4.
type fanoutResult struct {
	Clients         int                `json:"clients"`
	RSSBeforeKiB    int64              `json:"server_rss_before_kib"`
	RSSAfterKiB     int64              `json:"server_rss_after_kib"`
	PerClientKiB    float64            `json:"server_live_per_client_kib"` // Go heap+stacks in use after a GC
	LiveBeforeKiB   int64              `json:"server_live_before_kib"`
	LiveAfterKiB    int64              `json:"server_live_after_kib"`
	RSSPerClientKiB float64            `json:"server_rss_per_client_kib"`
	HarnessPerKiB   float64            `json:"harness_rss_per_client_kib"`
	TrickleRate     float64            `json:"trickle_events_per_s"`
	Seconds         float64            `json:"seconds"`
	Ticks           int                `json:"ticks_measured"`
	Spread          Summary            `json:"spread_within_tick"`
	Frames          float64            `json:"frames_delivered"`
	FramesPerSec    float64            `json:"frames_per_s"`
	CPUPerFrameUS   float64            `json:"server_cpu_per_frame_us"`
	MissingPerTick  float64            `json:"mean_clients_missing_a_tick"`
	Resyncs         float64            `json:"server_resyncs"`
	AvgFrameBytes   int64              `json:"mean_delta_frame_bytes"`
	CPU             map[string]float64 `json:"cpu_cores"`
}

type arrival struct {
	tick int64
	at   time.Time
}

// runFanout connects n idle clients to a quiet server, measures its RSS per
// client, then sends a trickle of incidents so every tick carries a delta and
// measures how far apart the clients receive the same tick.
func runFanout(ctx context.Context, s *server, pool *eventPool, meterPids map[string]int,
	n int, dur, tick time.Duration) (fanoutResult, error) {
	res := fanoutResult{Clients: n, Seconds: dur.Seconds(), TrickleRate: 100}
	time.Sleep(time.Second)
	res.RSSBeforeKiB, _ = rssKiB(s.pid())
	live0, liveErr := liveBytes(s)
	self0, _ := rssKiB(pidSelf())
	conns, _, err := dialMany(ctx, wsURL(s), subscribeMsg(8, "1h"), n, 32, nil)
	if err != nil {
		return res, err
	}
	defer closeAll(conns)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	arrivals := make([][]arrival, n)
	frameBytes := make([]int64, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			for {
				_, b, err := c.Read(rctx)
				at := time.Now()
				if err != nil {
					return
				}
				if frameType(b) == "delta" {
					arrivals[i] = append(arrivals[i], arrival{frameTick(b), at})
					frameBytes[i] += int64(len(b))
				}
			}
		})
	}
	time.Sleep(2 * time.Second)
	runtime.GC() // the harness's own heap, for its RSS per client; the server's is read as it stands
	res.RSSAfterKiB, _ = rssKiB(s.pid())
	self1, _ := rssKiB(pidSelf())
	res.RSSPerClientKiB = round(float64(res.RSSAfterKiB-res.RSSBeforeKiB)/float64(n), 1)
	if live1, err := liveBytes(s); err == nil && liveErr == nil {
		res.LiveBeforeKiB, res.LiveAfterKiB = live0>>10, live1>>10
		res.PerClientKiB = round(float64(live1-live0)/1024/float64(n), 1)
	} else {
		res.PerClientKiB = res.RSSPerClientKiB // no GC'd figure: fall back to RSS
	}
	res.HarnessPerKiB = round(float64(self1-self0)/float64(n), 1)

	// Trickle: 25 events every 250 ms from one connection.
	tctx, tstop := context.WithCancel(ctx)
	var tw sync.WaitGroup
	tw.Go(func() {
		p := newPoster(s.url("/api/v1/incidents"))
		r := rand.New(rand.NewPCG(9, 9))
		tk := time.NewTicker(250 * time.Millisecond)
		defer tk.Stop()
		var buf []byte
		for {
			select {
			case <-tctx.Done():
				return
			case <-tk.C:
			}
			buf = buf[:0]
			for range 25 {
				buf = pool.appendLine(buf, pool.pick(r))
			}
			_, _ = p.post(buf)
		}
	})
	time.Sleep(2 * tick)
	frames0, _ := s.metric("citygrid_ws_frames_total")
	resync0, _ := s.metric("citygrid_ws_resyncs_total")
	meter := newCPUMeter(meterPids)
	from := time.Now()
	time.Sleep(dur)
	until := time.Now()
	res.CPU = meter.cores()
	cpu := meter.cpu("citygrid")
	frames1, _ := s.metric("citygrid_ws_frames_total")
	resync1, _ := s.metric("citygrid_ws_resyncs_total")
	tstop()
	tw.Wait()
	time.Sleep(2 * tick)
	stop()
	closeAll(conns)
	wg.Wait() // arrivals are read only after every reader returned

	var fb, nf int64
	for i := range arrivals {
		fb += frameBytes[i]
		nf += int64(len(arrivals[i]))
	}
	if nf > 0 {
		res.AvgFrameBytes = fb / nf
	}
	res.Frames = frames1 - frames0
	res.FramesPerSec = round(res.Frames/until.Sub(from).Seconds(), 0)
	res.Resyncs = resync1 - resync0
	if res.Frames > 0 {
		res.CPUPerFrameUS = round(float64(cpu.Microseconds())/res.Frames, 1)
	}
	// Spread: for each tick first seen inside the window, last minus first
	// receipt over the clients that got it.
	type span struct {
		first, last time.Time
		clients     int
	}
	ticks := map[int64]*span{}
	for _, as := range arrivals {
		for _, a := range as {
			sp := ticks[a.tick]
			if sp == nil {
				sp = &span{first: a.at, last: a.at}
				ticks[a.tick] = sp
			}
			if a.at.Before(sp.first) {
				sp.first = a.at
			}
			if a.at.After(sp.last) {
				sp.last = a.at
			}
			sp.clients++
		}
	}
	var spreads []time.Duration
	missing := 0
	keys := make([]int64, 0, len(ticks))
	for k, sp := range ticks {
		if sp.first.After(from) && sp.first.Before(until) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		sp := ticks[k]
		spreads = append(spreads, sp.last.Sub(sp.first))
		missing += n - sp.clients
	}
	res.Ticks = len(spreads)
	res.Spread = summarize(spreads)
	if len(keys) > 0 {
		res.MissingPerTick = round(float64(missing)/float64(len(keys)), 1)
	}
	return res, nil
}

// liveBytes is the server's Go heap and stacks in use right after a GC: the
// memory its clients hold, which RSS only shows once the heap outgrows what
// the process already has resident. citygrid is collected through the pprof
// overlay (/debug/pprof/heap?gc=1); the baseline collects on /metrics.
func liveBytes(s *server) (int64, error) {
	if s.pprof != "" {
		resp, err := http.Get("http://" + s.pprof + "/debug/pprof/heap?gc=1")
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	heap, err := s.metric("go_memstats_heap_inuse_bytes")
	if err != nil {
		return 0, err
	}
	stack, err := s.metric("go_memstats_stack_inuse_bytes")
	if err != nil {
		return 0, err
	}
	return int64(heap + stack), nil
}
