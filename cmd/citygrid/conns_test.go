package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/redistest"
)

// idleClient connects from ip, sends one request and reads its answer, then
// holds the connection idle, as the attack did 20,000 times.
func idleClient(t *testing.T, s *server, ip string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: time.Second}
	c, err := d.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: citygrid\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("from %s: %v", ip, err)
	}
	resp.Body.Close()
	return c
}

// closedByServer reports whether the server has closed c.
func closedByServer(c net.Conn, within time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(within))
	_, err := c.Read(make([]byte, 1))
	ne, ok := err.(net.Error)
	return err != nil && !(ok && ne.Timeout())
}

func healthFrom(t *testing.T, s *server, ip string) int {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}}
	resp, err := client.Get(s.URL + "/healthz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Idle connections are closed, and one address cannot hold more than its
// share: the server keeps answering everyone else.
func TestIdleConnectionsCannotTakeTheServerDown(t *testing.T) {
	s := startServer(t, "", "idle", "-idle-timeout", "2s", "-max-conns-per-ip", "10")
	var idle []net.Conn
	for range 10 {
		idle = append(idle, idleClient(t, s, "127.0.0.21"))
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.21")}}
	extra, err := d.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extraClosed := closedByServer(extra, 3*time.Second) // at once, unless the machine is busy
	other := healthFrom(t, s, "127.0.0.22")
	closed := 0
	for _, c := range idle {
		if closedByServer(c, 3*time.Second) {
			closed++
		}
	}
	again := healthFrom(t, s, "127.0.0.21")
	attacked(t, "1. idle connections: 10 from one address (its cap), then an 11th", "11th closed; others served; idle ones closed",
		fmt.Sprintf("11th closed %v; other address %d; %d/10 idle closed after the 2 s timeout; then %d", extraClosed, other, closed, again))
	if !extraClosed {
		t.Error("an eleventh connection from one address was held")
	}
	if other != 200 {
		t.Errorf("another address while one holds its share: %d", other)
	}
	if closed != len(idle) {
		t.Fatalf("%d of %d idle connections still open after the idle timeout", len(idle)-closed, len(idle))
	}
	if again != 200 {
		t.Errorf("the address once its idle connections are gone: %d", again)
	}
}

// A websocket lives on past the read and write timeouts that bound requests.
func TestWebsocketOutlivesTheRequestTimeouts(t *testing.T) {
	rs := redistest.Start(t)
	s := startServer(t, rs.URL(), redistest.Prefix(t), "-read-timeout", "500ms", "-write-timeout", "500ms")
	ws := s.dial(`{"type":"subscribe","res":9,"window":"1h"}`)
	if f, _ := ws.next(5 * time.Second); f.Type != "snapshot" {
		t.Fatalf("first frame %q", f.Type)
	}
	time.Sleep(1500 * time.Millisecond)
	// A plain request is bound by the timeouts: on a busy machine one may
	// take longer and be cut off; the incident is deduplicated, so it is
	// sent again.
	p := place(31.3, 120.6)
	body := fmt.Sprintf(`{"id":"late-ws-1","lat":%v,"lng":%v,"severity":2,"category":"theft"}`, p.lat, p.lng)
	for try := 0; ; try++ {
		resp, err := http.Post(s.URL+"/api/v1/incidents", "application/json", strings.NewReader(body))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusAccepted {
				break
			}
		}
		if try == 5 {
			t.Fatalf("POST: %v", err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, _ := ws.next(5 * time.Second)
		if f.Type == "delta" && len(f.Cells) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delta after the timeouts passed")
		}
	}
}
