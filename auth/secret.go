package auth

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PasswordIterations is the PBKDF2 iteration count for new password hashes
// (OWASP's 2023 advice for PBKDF2-HMAC-SHA256). Each hash records its own
// count, so raising this leaves existing hashes valid.
var PasswordIterations = 600_000

// HashPassword hashes a password as "pbkdf2-sha256$<iterations>$<salt>$<hash>".
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, pw, salt, PasswordIterations, 32)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("pbkdf2-sha256$%d$%s$%s", PasswordIterations,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches a hash from HashPassword, in time
// that does not depend on how much of it matches.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 10_000_000 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pw, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// keyPrefix starts every API key, so a leaked one is easy to spot in logs and
// by secret scanners.
const keyPrefix = "cgk_"

// NewKey makes an API key for id: "cgk_<id>_<secret>", and its stored hash.
// The key is shown once; only the hash is kept.
func NewKey(id string) (key, hash string, err error) {
	if err := checkID(id); err != nil {
		return "", "", err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", "", err
	}
	key = keyPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(secret)
	return key, hashKey(key), nil
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// splitKey returns the id a key names, so it can be looked up before hashing.
func splitKey(key string) (id string, ok bool) {
	rest, ok := strings.CutPrefix(key, keyPrefix)
	if !ok {
		return "", false
	}
	i := strings.IndexByte(rest, '_') // ids have no "_"; the base64url secret may
	if i <= 0 {
		return "", false
	}
	return rest[:i], true
}

// checkID keeps ids and user names to characters that are safe in keys, logs
// and URLs.
func checkID(id string) error {
	if id == "" || len(id) > 64 {
		return errors.New("auth: an id or name must be 1 to 64 characters")
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '@') {
			return fmt.Errorf("auth: %q: use letters, digits, '-', '.' and '@' only", id)
		}
	}
	return nil
}
