package connlimit_test

import (
	"net"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/connlimit"
)

// dialFrom connects to addr from a loopback address of the test's choosing.
func dialFrom(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closed c (a read ends at once).
func closedByServer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	ne, timeout := err.(net.Error)
	return err != nil && !(timeout && ne.Timeout())
}

func TestBoundsPerAddressAndInTotal(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := connlimit.New(inner, 5, 3)
	defer l.Close()
	accepted := make(chan net.Conn, 100)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	addr := inner.Addr().String()
	var held []net.Conn
	for range 3 {
		dialFrom(t, "127.0.0.1", addr)
		held = append(held, <-accepted)
	}
	// The fourth from the same address is closed at once; another address
	// is served.
	if c := dialFrom(t, "127.0.0.1", addr); !closedByServer(c) {
		t.Error("a fourth connection from one address was held")
	}
	for range 2 {
		dialFrom(t, "127.0.0.2", addr)
		held = append(held, <-accepted)
	}
	// Five in all: the sixth is refused, whatever its address.
	if c := dialFrom(t, "127.0.0.3", addr); !closedByServer(c) {
		t.Error("a sixth connection was held")
	}
	if l.Open() != 5 || l.Refused() != 2 {
		t.Fatalf("open %d, refused %d", l.Open(), l.Refused())
	}
	// Closing one gives its slot back (once, however often it is closed).
	held[0].Close()
	held[0].Close()
	dialFrom(t, "127.0.0.1", addr)
	select {
	case <-accepted:
	case <-time.After(2 * time.Second):
		t.Fatal("the freed slot was not given again")
	}
	if l.Open() != 5 {
		t.Fatalf("open %d after one closed and one came", l.Open())
	}
}
