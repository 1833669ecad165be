// Package localredis runs a private redis-server for a citygrid started with
// no -redis: on loopback, with a random password, keeping its data in a
// folder with an append-only file, so the zero-setup default keeps its events,
// alerts, dispatches and cases across a restart. The embedded in-memory server
// lost everything at each restart (a 1 h count of 2,229 came back as 16).
package localredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotInstalled is returned by Start when no redis-server is on the PATH.
var ErrNotInstalled = errors.New("localredis: redis-server is not installed")

// A Server is a redis-server owned by this process.
type Server struct {
	URL string // redis://:password@127.0.0.1:port/0
	Dir string

	cmd  *exec.Cmd
	lock *os.File
}

// DefaultDir is where the data is kept when no folder is given: the user's
// data directory ($XDG_DATA_HOME or ~/.local/share), citygrid/redis.
func DefaultDir() string {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Join(os.TempDir(), "citygrid", "redis")
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "citygrid", "redis")
}

// Start runs redis-server on a free loopback port with its data in dir
// (created if missing), and waits until it answers. One process at a time
// may use a folder: two servers on one append-only file would corrupt it.
func Start(ctx context.Context, dir string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(dir, "citygrid.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("localredis: %s is in use by another citygrid (give each its own -data)", dir)
	}
	port, err := freePort()
	if err != nil {
		lock.Close()
		return nil, err
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	pass := hex.EncodeToString(secret)
	cmd := exec.Command(bin, "-")
	// The configuration goes in on stdin, so the password is not in the
	// process list.
	cmd.Stdin = strings.NewReader(fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode yes\nrequirepass %s\ndir %s\n"+
		"appendonly yes\nappendfsync everysec\nsave \"\"\ndaemonize no\nloglevel warning\n", port, pass, quote(dir)))
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		lock.Close()
		return nil, err
	}
	s := &Server{URL: fmt.Sprintf("redis://:%s@127.0.0.1:%d/0", pass, port), Dir: dir, cmd: cmd, lock: lock}
	if err := s.wait(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// wait pings until the server answers (it may be replaying a large file).
func (s *Server) wait(ctx context.Context) error {
	opts, err := redis.ParseURL(s.URL)
	if err != nil {
		return err
	}
	opts.MaxRetries = -1
	c := redis.NewClient(opts)
	defer c.Close()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := c.Ping(pctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("localredis: redis-server in %s did not answer: %w", s.Dir, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the server (SIGTERM: it finishes writing its file) and frees
// the folder.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
		s.cmd = nil
	}
	if s.lock != nil {
		s.lock.Close()
		s.lock = nil
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// quote writes a folder as a redis.conf string.
func quote(s string) string { return strconv.Quote(s) }
