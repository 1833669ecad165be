package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/stream"
)

// refResult is redis-benchmark's XADD of entries shaped like ours.
type refResult struct {
	Pipeline  int     `json:"pipeline"`
	Requests  int     `json:"requests"`
	Clients   int     `json:"clients"`
	RPS       float64 `json:"requests_per_s"`
	EntryArgs int     `json:"fields"`
}

// sampleFields is one real entry of our codec, for redis-benchmark to repeat:
// the pool's incident of median size, with the id the pool would give next
// (ids grow longer as a run goes on, so the memory reference takes a sample
// after the ingest it is compared with).
func sampleFields(pool *eventPool) []string {
	fields := func(it *pooled, id string) []string {
		in := geo.Incident{ID: id, Source: it.inc.Source, Category: it.inc.Category,
			Severity: it.inc.Severity, Lat: it.inc.Lat, Lng: it.inc.Lng, Time: time.Now(),
			Title: it.inc.Title, Address: it.inc.Address, Cell: geo.Cell(it.cell)}
		return stream.IncidentFields(&in)
	}
	id := pool.nextID()
	sizes := make([]int, len(pool.items))
	for i := range pool.items {
		sizes[i] = fieldsSize(fields(&pool.items[i], id))
	}
	order := make([]int, len(sizes))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return sizes[order[a]] < sizes[order[b]] })
	return fields(&pool.items[order[len(order)/2]], id)
}

// redisBenchmark runs redis-benchmark's XADD key * fields… and returns its
// requests per second.
func redisBenchmark(ctx context.Context, port, n, pipeline int, key string, fields []string) (refResult, error) {
	const clients = 50
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-n", strconv.Itoa(n),
		"-c", strconv.Itoa(clients), "-P", strconv.Itoa(pipeline), "-q", "XADD", key, "*"}
	args = append(args, fields...)
	out, err := exec.CommandContext(ctx, "redis-benchmark", args...).CombinedOutput()
	if err != nil {
		return refResult{}, fmt.Errorf("redis-benchmark: %v: %s", err, out)
	}
	rps, err := parseBenchRPS(string(out))
	if err != nil {
		return refResult{}, err
	}
	return refResult{Pipeline: pipeline, Requests: n, Clients: clients, RPS: rps, EntryArgs: len(fields) / 2}, nil
}

// loadResult is one ingest run.
type loadResult struct {
	Conns        int                `json:"connections"`
	Batch        int                `json:"events_per_post"`
	Seconds      float64            `json:"seconds"`
	Posts        int64              `json:"posts"`
	Accepted     int64              `json:"accepted"`
	Duplicates   int64              `json:"duplicates"`
	Errors       int64              `json:"errors"`
	EventsPerSec float64            `json:"events_per_s"`
	PostsPerSec  float64            `json:"posts_per_s"`
	Latency      Summary            `json:"post_latency"`
	CPU          map[string]float64 `json:"cpu_cores"`
	ServerCPUUS  float64            `json:"server_cpu_per_event_us"`
	RedisCPUUS   float64            `json:"redis_cpu_per_event_us"`
	RedisCmds    []cmdStat          `json:"redis_commandstats"`
}

// runIngest POSTs batches of batch events from conns connections, as fast as
// the server answers, for dur.
func runIngest(ctx context.Context, s *server, pool *eventPool, pids map[string]int,
	conns, batch int, dur time.Duration) loadResult {
	res := loadResult{Conns: conns, Batch: batch}
	var posts, accepted, dups, errs atomic.Int64
	lats := make([][]time.Duration, conns)
	meter := newCPUMeter(pids)
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			p := newPoster(s.url("/api/v1/incidents"))
			r := rand.New(rand.NewPCG(uint64(w), 7))
			buf := make([]byte, 0, batch*300)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				buf = buf[:0]
				for range batch {
					buf = pool.appendLine(buf, pool.pick(r))
				}
				t0 := time.Now()
				a, err := p.post(buf)
				lats[w] = append(lats[w], time.Since(t0))
				posts.Add(1)
				if err != nil {
					errs.Add(1)
					continue
				}
				accepted.Add(int64(a.Accepted))
				dups.Add(int64(a.Duplicates))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.CPU = meter.cores()
	res.Seconds = round(elapsed.Seconds(), 2)
	res.Posts, res.Accepted, res.Duplicates, res.Errors = posts.Load(), accepted.Load(), dups.Load(), errs.Load()
	res.EventsPerSec = round(float64(res.Accepted)/elapsed.Seconds(), 0)
	res.PostsPerSec = round(float64(res.Posts)/elapsed.Seconds(), 0)
	if res.Accepted > 0 {
		res.ServerCPUUS = round(float64(meter.cpu("citygrid").Microseconds())/float64(res.Accepted), 2)
		res.RedisCPUUS = round(float64(meter.cpu("redis").Microseconds())/float64(res.Accepted), 2)
	}
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	res.Latency = summarize(all)
	return res
}

// memResult is scenario 6.
type memResult struct {
	Events           int64   `json:"events"`
	UsedDelta        int64   `json:"used_memory_delta_bytes"`
	PerEvent         float64 `json:"bytes_per_event"`
	StreamPerEvent   float64 `json:"stream_bytes_per_event"`
	MarkerPerEvent   float64 `json:"marker_bytes_per_event"`
	RefEvents        int     `json:"ref_entries"`
	RefPerEntry      float64 `json:"ref_bytes_per_entry"`
	PreloadPerEvent  float64 `json:"preload_bytes_per_event_no_markers,omitempty"`
	StreamKeysBefore int     `json:"stream_keys"`
}

// streamBytes sums MEMORY USAGE of every incident stream.
func streamBytes(ctx context.Context, r *redisServer, prefix string) (int64, int, error) {
	keys, err := r.rdb.Keys(ctx, prefix+":*:incidents").Result()
	if err != nil {
		return 0, 0, err
	}
	var sum int64
	for _, k := range keys {
		n, err := r.rdb.MemoryUsage(ctx, k, 0).Result()
		if err != nil {
			return 0, 0, err
		}
		sum += n
	}
	return sum, len(keys), nil
}

// refMemory is used_memory per entry of redis-benchmark's XADD of n entries
// shaped like ours into a fresh stream.
func refMemory(ctx context.Context, r *redisServer, n int, fields []string) (float64, error) {
	const key = "loadbench:memref"
	r.rdb.Del(ctx, key)
	before, err := r.usedMemory(ctx)
	if err != nil {
		return 0, err
	}
	if _, err := redisBenchmark(ctx, r.port, n, 16, key, fields); err != nil {
		return 0, err
	}
	time.Sleep(200 * time.Millisecond)
	after, err := r.usedMemory(ctx)
	if err != nil {
		return 0, err
	}
	got, err := r.rdb.XLen(ctx, key).Result()
	if err != nil || got == 0 {
		return 0, fmt.Errorf("memref: XLEN %d: %v", got, err)
	}
	r.rdb.Del(ctx, key)
	return round(float64(after-before)/float64(got), 1), nil
}

func round(x float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x*p, 'f', 0, 64), 64)
	return v / p
}

func fieldsSize(fields []string) int {
	return len(strings.Join(fields, ""))
}
