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

// Sessions keeps signed-in people in Redis, so every node knows them and a
// restart signs nobody out. The cookie holds a random token; Redis holds the
// identity under a hash of it, so a copy of Redis holds no usable token.
type Sessions struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewSessions returns sessions stored under prefix (for example "citygrid").
func NewSessions(rdb redis.UniversalClient, prefix string) *Sessions {
	return &Sessions{rdb: rdb, prefix: prefix}
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
	b, _ := json.Marshal(id)
	if err := s.rdb.Set(ctx, s.key(token), b, SessionTTL).Err(); err != nil {
		return "", fmt.Errorf("auth: session: %w", err)
	}
	return token, nil
}

// Get returns the session's identity and extends it.
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
	var id Identity
	if err := json.Unmarshal(b, &id); err != nil {
		return Identity{}, ErrUnknown
	}
	return id, nil
}

// Delete ends a session.
func (s *Sessions) Delete(ctx context.Context, token string) error {
	return s.rdb.Del(ctx, s.key(token)).Err()
}
