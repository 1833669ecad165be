package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// dialSub connects a websocket client, subscribes and returns the first
// frame (the snapshot) with its receipt time.
// opts may be nil.
func dialSub(ctx context.Context, wsURL, sub string, opts *websocket.DialOptions) (*websocket.Conn, []byte, error) {
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, wsURL, opts)
	if err != nil {
		return nil, nil, err
	}
	c.SetReadLimit(64 << 20)
	if err := c.Write(dctx, websocket.MessageText, []byte(sub)); err != nil {
		c.CloseNow()
		return nil, nil, err
	}
	for {
		_, b, err := c.Read(dctx)
		if err != nil {
			c.CloseNow()
			return nil, nil, err
		}
		switch frameType(b) {
		case "snapshot":
			return c, b, nil
		case "error":
			c.CloseNow()
			return nil, nil, fmt.Errorf("subscribe: %s", b)
		}
	}
}

// dialMany connects n clients, at most par at a time; opts may be nil.
func dialMany(ctx context.Context, wsURL, sub string, n, par int, opts *websocket.DialOptions) ([]*websocket.Conn, [][]byte, error) {
	conns := make([]*websocket.Conn, n)
	snaps := make([][]byte, n)
	errs := make([]error, n)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			conns[i], snaps[i], errs[i] = dialSub(ctx, wsURL, sub, opts)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			closeAll(conns)
			return nil, nil, fmt.Errorf("client %d of %d: %w", i, n, err)
		}
	}
	return conns, snaps, nil
}

func closeAll(conns []*websocket.Conn) {
	var wg sync.WaitGroup
	for _, c := range conns {
		if c != nil {
			wg.Go(func() { c.CloseNow() })
		}
	}
	wg.Wait()
}

func wsURL(s *server) string { return "ws://" + s.addr + "/ws" }

func subscribeMsg(res int, window string) string {
	return fmt.Sprintf(`{"type":"subscribe","layers":["heat"],"res":%d,"window":%q}`, res, window)
}

// smallRecvBuf is dial options whose TCP receive buffer is fixed at n bytes
// (no autotuning): a client that stops reading then fills its window, and the
// server's socket, within seconds rather than after megabytes of frames.
func smallRecvBuf(n int) *websocket.DialOptions {
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
		}); err != nil {
			return err
		}
		return serr
	}}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = d.DialContext
	return &websocket.DialOptions{HTTPClient: &http.Client{Transport: t}}
}
