package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// dialSub connects a websocket client, subscribes and returns the first
// frame (the snapshot) with its receipt time.
func dialSub(ctx context.Context, wsURL, sub string) (*websocket.Conn, []byte, error) {
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, wsURL, nil)
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

// dialMany connects n clients, at most par at a time.
func dialMany(ctx context.Context, wsURL, sub string, n, par int) ([]*websocket.Conn, [][]byte, error) {
	conns := make([]*websocket.Conn, n)
	snaps := make([][]byte, n)
	errs := make([]error, n)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			conns[i], snaps[i], errs[i] = dialSub(ctx, wsURL, sub)
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
