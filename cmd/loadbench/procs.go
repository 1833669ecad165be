package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// redisServer is a throwaway redis-server: loopback, temp dir, no persistence.
type redisServer struct {
	cmd  *exec.Cmd
	port int
	rdb  *redis.Client
}

func startRedis(ctx context.Context, dir string) (*redisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no",
		"--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("redis-server: %w", err)
	}
	r := &redisServer{cmd: cmd, port: port, rdb: redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:" + strconv.Itoa(port), PoolSize: 16})}
	deadline := time.Now().Add(10 * time.Second)
	for r.rdb.Ping(ctx).Err() != nil {
		if time.Now().After(deadline) {
			r.stop()
			return nil, errors.New("redis-server: no PONG within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r, nil
}

func (r *redisServer) url() string { return "redis://127.0.0.1:" + strconv.Itoa(r.port) }

func (r *redisServer) stop() {
	r.rdb.Close()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		<-done
	}
}

func (r *redisServer) usedMemory(ctx context.Context) (int64, error) {
	info, err := r.rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	return infoField(info, "used_memory")
}

// server is a citygrid subprocess.
type server struct {
	cmd     *exec.Cmd
	addr    string
	pprof   string // host:port of the pprof listener, or empty
	started time.Time
	ready   time.Duration // from start to the first 200 of /readyz
	done    chan struct{}
}

// startServer starts citygrid and waits for /readyz. pprofAddr, if not empty,
// is where a binary built with the pprof overlay serves profiles; onStart, if
// not nil, runs as soon as the process started (to profile the rebuild).
func startServer(ctx context.Context, bin, redisURL string, extra []string, logFile *os.File,
	pprofAddr string, onStart func()) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := append([]string{"-addr", addr}, extra...)
	if redisURL != "" {
		args = append([]string{"-redis", redisURL}, args...)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if pprofAddr != "" {
		cmd.Env = append(os.Environ(), "LOADBENCH_PPROF="+pprofAddr)
	}
	s := &server{cmd: cmd, addr: addr, pprof: pprofAddr, done: make(chan struct{})}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("citygrid: %w", err)
	}
	if onStart != nil {
		go onStart()
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	c := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("citygrid exited before /readyz (see %s)", logFile.Name())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		default:
		}
		resp, err := c.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.ready = time.Since(s.started)
				return s, nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) metric(name string) (float64, error) {
	resp, err := http.Get(s.url("/metrics"))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return metricSum(b.String(), name)
}

// rssKiB is VmRSS of a process, in KiB.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS")
}

// cpuTime is user+system CPU time of a process so far.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command: state is field 3; utime 14, stime 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const hz = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / hz
}

// cpuMeter measures CPU used by the server, Redis and the harness itself over
// a scenario, as fractions of one core.
type cpuMeter struct {
	pids  map[string]int
	start map[string]time.Duration
	busy0 time.Duration
	t0    time.Time
}

func newCPUMeter(pids map[string]int) *cpuMeter {
	m := &cpuMeter{pids: pids, start: map[string]time.Duration{}, t0: time.Now()}
	m.busy0, _ = machineCPU()
	for k, p := range pids {
		m.start[k] = cpuTime(p)
	}
	return m
}

// cores returns, per process, CPU seconds per wall second since the start,
// and "others": the rest of the machine's busy time (other sessions, the
// kernel's softirq work for loopback traffic not charged to a process).
func (m *cpuMeter) cores() map[string]float64 {
	wall := time.Since(m.t0).Seconds()
	out := map[string]float64{}
	var ours float64
	for k, p := range m.pids {
		c := (cpuTime(p) - m.start[k]).Seconds() / wall
		ours += c
		out[k] = round(c, 2)
	}
	busy, _ := machineCPU()
	out["others"] = round(max(0, (busy-m.busy0).Seconds()/wall-ours), 2)
	return out
}

// cpu is the CPU seconds a process used since the start.
func (m *cpuMeter) cpu(name string) time.Duration { return cpuTime(m.pids[name]) - m.start[name] }
