package hub_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/hub"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/wire"
	"github.com/paulmach/orb"
)

// BenchmarkBroadcast publishes one tick of cells changed in the res-9/15m
// view to n subscribed clients over real sockets on loopback, and waits until
// every client has read its frame: encode once per topic, queue, write, read.
// The clients run in a child process (startBenchClients): they share the
// machine, but cpu-ns/frame, the process's CPU time per frame, is the
// server's alone.
// "bare" is the same clients and ticks on a bare coder/websocket broadcast
// server (bareServer) sending a frame of the same size: the reference for
// ns/frame, to be compared within one run.
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{10, 200} {
		for _, cells := range []int{10, 2500} {
			b.Run(fmt.Sprintf("clients=%d/cells=%d", n, cells), func(b *testing.B) { benchBroadcast(b, n, cells, false) })
			b.Run(fmt.Sprintf("clients=%d/cells=%d/bare", n, cells), func(b *testing.B) { benchBroadcast(b, n, cells, true) })
		}
	}
}

func benchBroadcast(b *testing.B, n, ncells int, bare bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	key := heat.ViewKey{Res: 9, Window: "15m"}
	r := rand.New(rand.NewPCG(6, 6))
	cells := make([]heat.CellCount, ncells)
	for i := range cells {
		pt := orb.Point{120.3 + r.Float64()*0.8, 31.0 + r.Float64()*0.8}
		cells[i] = heat.CellCount{Cell: geo.CellOf(pt, geo.FineRes), Count: int32(i%50 + 1)}
	}
	var publish func(seq uint64)
	var handler http.Handler
	if bare {
		s := newBareServer()
		handler = s
		publish = func(seq uint64) { s.broadcast(bareFrame(seq, cells)) }
	} else {
		loop := live.NewLoop(live.Config{Tick: time.Hour}, heat.NewState(time.Now())) // ticks come from the benchmark
		go loop.Run(ctx)
		h := hub.New(ctx, hub.Config{Loop: loop, Queue: 64, Heartbeat: time.Hour})
		handler = h
		publish = func(seq uint64) {
			t := live.Tick{Seq: seq, AsOf: time.Now()}
			t.AddPart(&heat.Changes{Views: map[heat.ViewKey]heat.Delta{key: {Cells: cells, Total: int64(ncells)}}})
			h.Publish(t)
		}
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	clients := startBenchClients(b, url, n)
	b.ReportAllocs()
	cpu0 := cpuTime()
	seq := uint64(1000)
	for b.Loop() {
		seq++
		publish(seq)
		clients.wait(b)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/frame")
	// CPU time is the steadier figure on a shared machine: wall time counts
	// whatever else runs.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/frame")
}

// bareFrame is a delta shaped as the hub's, built whole once per tick.
func bareFrame(seq uint64, cells []heat.CellCount) []byte {
	b := []byte(`{"type":"delta","v":1,"tick":`)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"res":9,"window":"15m","asOf":`...)
	b = wire.AppendTime(b, time.Now())
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(len(cells)), 10)
	b = append(b, `,"cells":`...)
	b = wire.AppendCells(b, cells, nil)
	return append(b, `,"seq":1}`...)
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
