package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// SessionTTL is how long a sign-in lasts without use.
const SessionTTL = 12 * time.Hour

// SessionMaxAge is how long a sign-in lasts however much it is used: a
// session is extended on every request, and one in constant use must still
// end (a day: one duty shift and the handover).
const SessionMaxAge = 24 * time.Hour

// session is what Redis holds of a session: who, and since when.
type session struct {
	Identity
	Since int64 `json:"since"` // Unix seconds of the sign-in
}

// Sessions keeps signed-in people in Redis, so every node knows them and a
// restart signs nobody out. The cookie holds a random token; Redis holds the
// identity under a hash of it, so a copy of Redis holds no usable token.
type Sessions struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// NewSessions returns sessions stored under prefix (for example "citygrid").
// now is the clock; nil means time.Now.
func NewSessions(rdb redis.UniversalClient, prefix string, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{rdb: rdb, prefix: prefix, now: now}
}

func (s *Sessions) key(token string) string {
	sum := sha256.Sum256([]byte(token))
	return s.prefix + ":session:" + hex.EncodeToString(sum[:])
}

// Create starts a session for id and returns its token.
func (s *Sessions) Create(ctx context.Context, id Identity) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	b, _ := json.Marshal(session{Identity: id, Since: s.now().Unix()})
	if err := s.rdb.Set(ctx, s.key(token), b, SessionTTL).Err(); err != nil {
		return "", fmt.Errorf("auth: session: %w", err)
	}
	return token, nil
}

// Get returns the session's identity and extends it; a session older than
// SessionMaxAge has ended.
func (s *Sessions) Get(ctx context.Context, token string) (Identity, error) {
	if len(token) != 43 {
		return Identity{}, ErrUnknown
	}
	b, err := s.rdb.GetEx(ctx, s.key(token), SessionTTL).Bytes()
	if errors.Is(err, redis.Nil) {
		return Identity{}, ErrUnknown
	}
	if err != nil {
		return Identity{}, fmt.Errorf("auth: session: %w", err)
	}
	var ses session
	if err := json.Unmarshal(b, &ses); err != nil {
		return Identity{}, ErrUnknown
	}
	if s.now().Sub(time.Unix(ses.Since, 0)) > SessionMaxAge {
		_ = s.rdb.Del(ctx, s.key(token)).Err()
		return Identity{}, ErrUnknown
	}
	return ses.Identity, nil
}

// Delete ends a session.
func (s *Sessions) Delete(ctx context.Context, token string) error {
	return s.rdb.Del(ctx, s.key(token)).Err()
}
