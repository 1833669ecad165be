package hub_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/hub"
	"github.com/citygrid/citygrid/live"
	"github.com/coder/websocket"
	"github.com/paulmach/orb"
)

// BenchmarkBroadcast publishes one tick of cells changed in the res-9/15m
// view to n subscribed clients over real sockets on loopback, and waits until
// every client has read its frame: encode once per topic, queue, write, read.
// The clients' reads are included (they share the CPU, as on one machine).
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{10, 200} {
		for _, cells := range []int{10, 2500} {
			b.Run(fmt.Sprintf("clients=%d/cells=%d", n, cells), func(b *testing.B) { benchBroadcast(b, n, cells) })
		}
	}
}

func benchBroadcast(b *testing.B, n, ncells int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fold := live.NewAggregator(live.Config{Tick: time.Hour}) // ticks come from the benchmark
	go fold.Run(ctx)
	h := hub.New(ctx, hub.Config{Fold: fold, Queue: 64, Heartbeat: time.Hour})
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	key := live.ViewKey{Res: 9, Window: "15m"}
	r := rand.New(rand.NewPCG(6, 6))
	cells := make([]live.CellCount, ncells)
	for i := range cells {
		pt := orb.Point{120.3 + r.Float64()*0.8, 31.0 + r.Float64()*0.8}
		cells[i] = live.CellCount{Cell: geo.CellOf(pt, geo.FineRes), Count: int32(i%50 + 1)}
	}

	got := make(chan struct{}, n*4)
	var wg sync.WaitGroup
	for range n {
		dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
		c, _, err := websocket.Dial(dctx, url, nil)
		if err != nil {
			dcancel()
			b.Fatal(err)
		}
		c.SetReadLimit(64 << 20)
		if err := c.Write(dctx, websocket.MessageText, []byte(`{"type":"subscribe","layers":["heat"],"res":9,"window":"15m"}`)); err != nil {
			dcancel()
			b.Fatal(err)
		}
		if _, _, err := c.Read(dctx); err != nil { // the snapshot
			dcancel()
			b.Fatal(err)
		}
		dcancel()
		wg.Go(func() {
			defer c.CloseNow()
			for {
				if _, _, err := c.Read(ctx); err != nil {
					return
				}
				got <- struct{}{}
			}
		})
	}
	b.ReportAllocs()
	seq := uint64(1000)
	for b.Loop() {
		seq++
		h.Publish(live.Tick{Seq: seq, AsOf: time.Now(), Heat: map[live.ViewKey]live.Delta{key: {Cells: cells, Total: int64(ncells)}}})
		for range n {
			<-got
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/frame")
	cancel()
	wg.Wait()
}
