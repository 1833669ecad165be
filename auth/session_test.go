package auth_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citygrid/citygrid/auth"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// A session in constant use still ends SessionMaxAge after the sign-in.
func TestSessionsEndAfterTheirMaxAge(t *testing.T) {
	rs := redistest.Start(t)
	opts, _ := redis.ParseURL(rs.URL())
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC).UnixNano())
	s := auth.NewSessions(rdb, redistest.Prefix(t), func() time.Time { return time.Unix(0, now.Load()) })
	ctx := context.Background()
	token, err := s.Create(ctx, auth.Identity{Name: "li", Role: auth.Dispatcher, Scope: "320508024"})
	if err != nil {
		t.Fatal(err)
	}
	// Used every few hours for most of a day: still signed in, as who.
	for range 7 {
		now.Add(int64(3 * time.Hour))
		id, err := s.Get(ctx, token)
		if err != nil || id.Name != "li" || id.Role != auth.Dispatcher || id.Scope != "320508024" {
			t.Fatalf("after %v: %+v %v", time.Duration(now.Load()), id, err)
		}
	}
	now.Add(int64(4 * time.Hour)) // 25 h after the sign-in
	if _, err := s.Get(ctx, token); !errors.Is(err, auth.ErrUnknown) {
		t.Fatalf("a day and an hour on: %v", err)
	}
	if _, err := s.Get(ctx, token); !errors.Is(err, auth.ErrUnknown) {
		t.Fatalf("asked again: %v", err)
	}
}
