package hub_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rawClient is a websocket client written by hand over a TCP socket with a
// tiny receive buffer, so a client that stops reading backs the server up
// after a few frames rather than after the megabytes loopback buffers hold.
type rawClient struct {
	conn net.Conn
	br   *bufio.Reader
}

func dialRaw(t testing.TB, wsURL, sub string) *rawClient {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	host := strings.TrimPrefix(wsURL, "ws://")
	conn, err := d.DialContext(context.Background(), "tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		host, base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReaderSize(conn, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	c := &rawClient{conn: conn, br: br}
	c.writeText(t, sub)
	return c
}

// writeText sends one masked text frame, as a client must.
func (c *rawClient) writeText(t testing.TB, s string) {
	mask := []byte{1, 2, 3, 4}
	b := []byte{0x81, 0x80 | byte(len(s))}
	if len(s) > 125 {
		t.Fatal("rawClient: message too long")
	}
	b = append(b, mask...)
	for i := range len(s) {
		b = append(b, s[i]^mask[i%4])
	}
	if _, err := c.conn.Write(b); err != nil {
		t.Fatal(err)
	}
}

// read returns the next data frame (control frames are skipped).
func (c *rawClient) read(t testing.TB) frame {
	t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			t.Fatalf("raw read: %v", err)
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var l [2]byte
			io.ReadFull(c.br, l[:])
			n = uint64(binary.BigEndian.Uint16(l[:]))
		case 127:
			var l [8]byte
			io.ReadFull(c.br, l[:])
			n = binary.BigEndian.Uint64(l[:])
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(c.br, payload); err != nil {
			t.Fatalf("raw read: %v", err)
		}
		if h[0]&0x0f != 0x1 { // not a text frame
			continue
		}
		var f frame
		if err := json.Unmarshal(payload, &f); err != nil {
			t.Fatalf("raw frame %q: %v", payload, err)
		}
		return f
	}
}
