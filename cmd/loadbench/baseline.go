package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// The raw websocket broadcast baseline: the least a server can do for the
// fan-out scenario with the same library (coder/websocket) and the same
// protocol shape. Each tick one frame of a given size is built once and
// queued, without copying, to every client's writer goroutine (queue of 16,
// dropped when full). The harness runs it as a subprocess of itself
// (loadbench -serve-baseline) so its RSS and CPU are measured like
// citygrid's.

type baselineServer struct {
	mu      sync.Mutex
	clients map[chan []byte]struct{}
	frames  atomic.Int64
}

func serveBaseline(addr string, tick time.Duration, frameBytes int) error {
	b := &baselineServer{clients: map[chan []byte]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", b.serveWS)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, `{"ready":true}`) })
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(w, "citygrid_ws_frames_total %d\ncitygrid_ws_resyncs_total 0\n", b.frames.Load())
		fmt.Fprintf(w, "go_memstats_heap_inuse_bytes %d\ngo_memstats_stack_inuse_bytes %d\n", ms.HeapInuse, ms.StackInuse)
	})
	mux.HandleFunc("POST /", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintln(w, `{"accepted":0,"duplicates":0,"rejected":[]}`)
	})
	go b.broadcast(tick, frameBytes)
	return http.ListenAndServe(addr, mux)
}

func (b *baselineServer) serveWS(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := context.Background()
	if _, _, err := c.Read(ctx); err != nil { // the subscribe
		return
	}
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"snapshot","v":1,"tick":0,"cells":[],"seq":1}`)); err != nil {
		return
	}
	ctx = c.CloseRead(ctx)
	ch := make(chan []byte, 16)
	b.mu.Lock()
	b.clients[ch] = struct{}{}
	b.mu.Unlock()
	defer func() { b.mu.Lock(); delete(b.clients, ch); b.mu.Unlock() }()
	for {
		select {
		case f := <-ch:
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := c.Write(wctx, websocket.MessageText, f)
			cancel()
			if err != nil {
				return
			}
			b.frames.Add(1)
		case <-ctx.Done():
			return
		}
	}
}

func (b *baselineServer) broadcast(tick time.Duration, frameBytes int) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for n := int64(1); ; n++ {
		<-t.C
		f := baselineFrame(n, time.Now(), frameBytes)
		b.mu.Lock()
		for ch := range b.clients {
			select {
			case ch <- f:
			default:
			}
		}
		b.mu.Unlock()
	}
}

// baselineFrame is a delta of about size bytes, shaped like citygrid's.
func baselineFrame(tick int64, asOf time.Time, size int) []byte {
	f := []byte(`{"type":"delta","v":1,"tick":`)
	f = strconv.AppendInt(f, tick, 10)
	f = append(f, `,"res":8,"window":"1h","asOf":"`...)
	f = asOf.UTC().AppendFormat(f, "2006-01-02T15:04:05.000Z07:00")
	f = append(f, `","total":1,"cells":[`...)
	for i := 0; len(f) < size-40; i++ {
		if i > 0 {
			f = append(f, ',')
		}
		f = append(f, `{"cell":"88309a4e1bfffff","count":1}`...)
	}
	return append(f, `],"seq":1}`...)
}
