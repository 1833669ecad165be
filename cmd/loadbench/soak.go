package main

import (
	"context"
	"sync"
	"time"
)

// soakSample is the server's memory at one moment of the soak.
type soakSample struct {
	At       float64 `json:"t_s"`
	RSSKiB   int64   `json:"rss_kib"`
	HeapKiB  int64   `json:"heap_inuse_kib"`
	RedisKiB int64   `json:"redis_used_kib"`
}

// memTrend is one series of the soak.
type memTrend struct {
	StartKiB int64 `json:"start_kib"`
	EndKiB   int64 `json:"end_kib"`
	MaxKiB   int64 `json:"max_kib"`
	// SlopeKiBPerMin is the least-squares slope over every sample;
	// LateSlopeKiBPerMin over the second half (after the warm-up).
	SlopeKiBPerMin     float64 `json:"slope_kib_per_min"`
	LateSlopeKiBPerMin float64 `json:"late_slope_kib_per_min"`
	// Flat: the late slope, projected over an hour, is under flatShare of
	// the end value.
	Flat bool `json:"flat"`
}

const flatShare = 0.10

// soakResult is the soak: scenario-2 load for a long while, memory sampled.
type soakResult struct {
	Seconds float64      `json:"seconds"`
	Every   float64      `json:"sample_every_s"`
	Samples []soakSample `json:"samples"`
	RSS     memTrend     `json:"rss"`
	Heap    memTrend     `json:"heap_inuse"`
	Redis   memTrend     `json:"redis_used_memory"`
	Load    e2eResult    `json:"load"`
}

// slope is the least-squares slope of ys over xs; 0 for fewer than two
// distinct xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if len(xs) < 2 || len(xs) != len(ys) {
		return 0
	}
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var num, den float64
	for i := range xs {
		num += (xs[i] - mx) * (ys[i] - my)
		den += (xs[i] - mx) * (xs[i] - mx)
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// trend summarizes one series: at[i] in seconds, kib[i] its value.
func trend(at []float64, kib []int64) memTrend {
	var t memTrend
	if len(kib) == 0 {
		return t
	}
	t.StartKiB, t.EndKiB = kib[0], kib[len(kib)-1]
	ys := make([]float64, len(kib))
	for i, v := range kib {
		t.MaxKiB = max(t.MaxKiB, v)
		ys[i] = float64(v)
	}
	t.SlopeKiBPerMin = round(slope(at, ys)*60, 1)
	h := len(kib) / 2
	t.LateSlopeKiBPerMin = round(slope(at[h:], ys[h:])*60, 1)
	t.Flat = t.LateSlopeKiBPerMin*60 <= flatShare*float64(t.EndKiB)
	return t
}

// runSoak holds the end-to-end load (rate, clients) for dur and samples the
// server's RSS and Go heap (heap in use, as /metrics has it: no forced GC)
// and Redis's used_memory every period.
func runSoak(ctx context.Context, s *server, rs *redisServer, pool *eventPool, meterPids map[string]int,
	rate float64, clients int, dur, every, tick time.Duration) (soakResult, error) {
	res := soakResult{Seconds: dur.Seconds(), Every: every.Seconds()}
	var mu sync.Mutex
	start := time.Now()
	take := func() {
		sm := soakSample{At: round(time.Since(start).Seconds(), 1)}
		sm.RSSKiB, _ = rssKiB(s.pid())
		if h, err := s.metric("go_memstats_heap_inuse_bytes"); err == nil {
			sm.HeapKiB = int64(h) / 1024
		}
		if u, err := rs.usedMemory(ctx); err == nil {
			sm.RedisKiB = u / 1024
		}
		mu.Lock()
		res.Samples = append(res.Samples, sm)
		mu.Unlock()
	}
	sample := func(sctx context.Context) {
		t := time.NewTicker(every)
		defer t.Stop()
		take()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
				take()
			}
		}
	}
	load, err := runE2E(ctx, s, pool, meterPids, rate, clients, 0, 0, dur, tick, sample)
	res.Load = load
	if err != nil {
		return res, err
	}
	at := make([]float64, len(res.Samples))
	rss, heap, red := make([]int64, len(at)), make([]int64, len(at)), make([]int64, len(at))
	for i, sm := range res.Samples {
		at[i], rss[i], heap[i], red[i] = sm.At, sm.RSSKiB, sm.HeapKiB, sm.RedisKiB
	}
	res.RSS, res.Heap, res.Redis = trend(at, rss), trend(at, heap), trend(at, red)
	return res, nil
}
