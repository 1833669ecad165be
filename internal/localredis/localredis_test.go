package localredis

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// What is written before a stop is there after a start on the same folder,
// and a second server on a folder in use is refused.
func TestDataOutlivesARestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Start(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Start(ctx, dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("a second server on the folder: %v", err)
	}
	write := func(s *Server) *redis.Client {
		opts, err := redis.ParseURL(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		return redis.NewClient(opts)
	}
	c := write(s)
	if err := c.XAdd(ctx, &redis.XAddArgs{Stream: "events", Values: []string{"id", "e-1"}}).Err(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// Without the password, nothing.
	opts, err := redis.ParseURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	opts.Password = ""
	anon := redis.NewClient(opts)
	if err := anon.Ping(ctx).Err(); err == nil {
		t.Error("the server answers without its password")
	}
	anon.Close()
	s.Stop()

	s2, err := Start(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Stop()
	c2 := write(s2)
	defer c2.Close()
	if n, err := c2.XLen(ctx, "events").Result(); err != nil || n != 1 {
		t.Fatalf("after the restart: %d events (%v), want 1", n, err)
	}
}
