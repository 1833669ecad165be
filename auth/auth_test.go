package auth_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/auth"
)

func init() { auth.PasswordIterations = 1000 }

func TestRoles(t *testing.T) {
	cases := []struct {
		r, need auth.Role
		can     bool
	}{
		{auth.Wall, auth.Wall, true}, {auth.Wall, auth.Operator, false},
		{auth.Dispatcher, auth.Operator, true}, {auth.Admin, auth.Dispatcher, true},
		{auth.Feed, auth.Wall, false}, {auth.Feed, auth.Feed, true},
		{auth.Admin, auth.Feed, true}, {auth.Dispatcher, auth.Feed, false},
	}
	for _, c := range cases {
		if got := c.r.Can(c.need); got != c.can {
			t.Errorf("%s.Can(%s) = %v, want %v", c.r, c.need, got, c.can)
		}
	}
	if _, err := auth.ParseRole("root"); err == nil {
		t.Error("ParseRole accepted root")
	}
}

func TestPasswords(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "pbkdf2-sha256$1000$") || strings.Contains(h, "correct") {
		t.Fatalf("hash %q", h)
	}
	if !auth.CheckPassword(h, "correct horse battery") || auth.CheckPassword(h, "correct horse batterY") {
		t.Fatal("CheckPassword")
	}
	for _, bad := range []string{"", "pbkdf2-sha256$x$y$z", "md5$1$a$b", "pbkdf2-sha256$99999999999$AA$AA"} {
		if auth.CheckPassword(bad, "x") {
			t.Errorf("CheckPassword(%q) accepted", bad)
		}
	}
}

func TestStoreKeysAndUsers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth.json")
	s, err := auth.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := s.AddKey("feed-110", auth.Feed, "110")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddKey("feed-110", auth.Feed, ""); err == nil {
		t.Fatal("duplicate key id accepted")
	}
	if err := s.SetUser("ada", auth.Dispatcher, "short"); err == nil {
		t.Fatal("short password accepted")
	}
	if err := s.SetUser("ada", auth.Dispatcher, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), key) || strings.Contains(string(b), "a long enough password") {
		t.Fatal("a secret is stored in the clear")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, want 0600", fi.Mode().Perm())
	}

	loaded, err := auth.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	id, err := loaded.Key(key)
	if err != nil || id.Name != "feed-110" || id.Role != auth.Feed || id.Source != "110" || !id.Key {
		t.Fatalf("Key: %+v %v", id, err)
	}
	if _, err := loaded.Key(key + "x"); !errors.Is(err, auth.ErrUnknown) {
		t.Fatalf("tampered key: %v", err)
	}
	if _, err := loaded.Key("cgk_nobody_abc"); !errors.Is(err, auth.ErrUnknown) {
		t.Fatalf("unknown key: %v", err)
	}
	if id, err := loaded.User("ada", "a long enough password"); err != nil || id.Role != auth.Dispatcher {
		t.Fatalf("User: %+v %v", id, err)
	}
	if _, err := loaded.User("ada", "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if _, err := loaded.User("nobody", "x"); err == nil {
		t.Fatal("unknown user accepted")
	}

	// Revoking in the file reaches a loaded store on Reload.
	if err := s.RevokeKey("feed-110"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // a new modification time
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if err := loaded.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := loaded.Key(key); !errors.Is(err, auth.ErrRevoked) {
		t.Fatalf("revoked key: %v", err)
	}
}

func TestBrokenFileKeepsPreviousCredentials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth.json")
	s, _ := auth.Open(path)
	key, _ := s.AddKey("k", auth.Wall, "")
	s.Save()
	loaded, err := auth.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	os.WriteFile(path, []byte("{not json"), 0o600)
	if err := loaded.Reload(); err == nil {
		t.Fatal("a broken file reloaded without error")
	}
	if _, err := loaded.Key(key); err != nil {
		t.Fatalf("previous credentials lost: %v", err)
	}
}
