package hub_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The broadcast benchmarks' clients run in a child process (this test binary,
// run again with benchClientsEnv set), so the benchmark's process is the
// server alone and its CPU time is the server's.
const benchClientsEnv = "HUB_BENCH_CLIENTS"

func TestMain(m *testing.M) {
	if v := os.Getenv(benchClientsEnv); v != "" {
		if err := runBenchClients(v, os.Getenv(benchClientsEnv+"_N")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// benchClients are n subscribed clients in a child process. Wait returns once
// all of them have read one more frame.
type benchClients struct {
	cmd *exec.Cmd
	out *bufio.Reader
}

func startBenchClients(tb testing.TB, url string, n int) *benchClients {
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), benchClientsEnv+"="+url, benchClientsEnv+"_N="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	c := &benchClients{cmd: cmd, out: bufio.NewReader(stdout)}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := c.out.ReadString('\n'); err != nil || line != "ready\n" {
		tb.Fatalf("bench clients: %q %v", line, err)
	}
	return c
}

// wait returns once every client has read the next frame.
func (c *benchClients) wait(tb testing.TB) {
	if _, err := c.out.ReadByte(); err != nil {
		tb.Fatalf("bench clients: %v", err)
	}
}

// runBenchClients is the child: it connects n clients, says "ready", then
// writes a byte each time all n have read one more frame.
func runBenchClients(url, ns string) error {
	n, err := strconv.Atoi(ns)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var read atomic.Int64
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	for range n {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c, _, err := websocket.Dial(dctx, url, nil)
		if err != nil {
			cancel()
			return err
		}
		c.SetReadLimit(64 << 20)
		err = c.Write(dctx, websocket.MessageText, []byte(`{"type":"subscribe","layers":["heat"],"res":9,"window":"15m"}`))
		if err == nil {
			_, _, err = c.Read(dctx) // the snapshot
		}
		cancel()
		if err != nil {
			return err
		}
		go func() {
			for {
				// Discarded through a pooled buffer: the clients' CPU is the
				// least it can be, though it is not the benchmark's.
				_, rd, err := c.Reader(ctx)
				if err != nil {
					os.Exit(0)
				}
				if _, err := io.Copy(io.Discard, rd); err != nil {
					os.Exit(0)
				}
				if read.Add(1)%int64(n) == 0 {
					mu.Lock()
					out.WriteByte('.')
					out.Flush()
					mu.Unlock()
				}
			}
		}()
	}
	mu.Lock()
	out.WriteString("ready\n")
	out.Flush()
	mu.Unlock()
	select {}
}
