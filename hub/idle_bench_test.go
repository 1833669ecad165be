package hub_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/hub"
	"github.com/citygrid/citygrid/live"
)

// BenchmarkIdleClients measures the server's memory per idle, subscribed
// client: Go heap and stacks in use after a GC (as cmd/loadbench reads them),
// before and after 2,000 clients connect, subscribe and read their snapshot.
// "bare" is the same clients on a bare coder/websocket broadcast server, in
// the same process and run, as the reference; the clients are raw sockets that
// hold no goroutine or buffer, so the figure is the server's (plus a socket's
// few hundred bytes on the client side, the same for both). Run with
// -benchtime=1x; compare the two B/client figures of one run.
func BenchmarkIdleClients(b *testing.B) {
	const n = 2000
	b.Run("hub", func(b *testing.B) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		loop := live.NewLoop(live.Config{Tick: time.Hour}, heat.NewState(time.Now()))
		go loop.Run(ctx)
		h := hub.New(ctx, hub.Config{Loop: loop})
		benchIdle(b, h, n, func() int { return h.Stats().Clients })
	})
	b.Run("bare", func(b *testing.B) {
		s := newBareServer()
		benchIdle(b, s, n, s.len)
	})
}

func benchIdle(b *testing.B, h http.Handler, n int, open func() int) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	var heap, stack float64
	for b.Loop() {
		h0, s0 := liveBytes()
		conns := make([]net.Conn, 0, n)
		for range n {
			c, err := dialIdle(addr, `{"type":"subscribe","layers":["heat","units"],"res":8,"window":"1h"}`)
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
		}
		for open() < n {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		h1, s1 := liveBytes()
		heap, stack = float64(h1-h0)/float64(n), float64(s1-s0)/float64(n)
		for _, c := range conns {
			c.Close()
		}
		for open() > 0 {
			time.Sleep(time.Millisecond)
		}
	}
	b.ReportMetric(heap+stack, "B/client")
	b.ReportMetric(heap, "heap-B/client")
	b.ReportMetric(stack, "stack-B/client")
}

// liveBytes is the heap and stacks in use after a GC.
func liveBytes() (heap, stack int64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse), int64(ms.StackInuse)
}

// dialIdle opens a websocket by hand, subscribes and reads the first data
// frame, then leaves the socket alone: no goroutine, no buffer. It does not
// answer pings, so the servers' ping intervals must outlast the benchmark.
func dialIdle(addr, sub string) (net.Conn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		addr, base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReaderSize(conn, 512)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("handshake: %v %v", resp, err)
	}
	mask := []byte{1, 2, 3, 4}
	f := append([]byte{0x81, 0x80 | byte(len(sub))}, mask...)
	for i := range len(sub) {
		f = append(f, sub[i]^mask[i%4])
	}
	if _, err := conn.Write(f); err != nil {
		conn.Close()
		return nil, err
	}
	// The snapshot: nothing follows it while the server is idle, so br holds
	// nothing more once it is read.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		conn.Close()
		return nil, err
	}
	size := uint64(h[1] & 0x7f)
	switch size {
	case 126:
		var l [2]byte
		_, err = io.ReadFull(br, l[:])
		size = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		_, err = io.ReadFull(br, l[:])
		size = binary.BigEndian.Uint64(l[:])
	}
	if err == nil {
		_, err = br.Discard(int(size))
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
