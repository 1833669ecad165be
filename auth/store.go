package auth

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// An Identity is who a request is: a key's id or a user's name, and a role.
type Identity struct {
	Name   string `json:"user"`
	Role   Role   `json:"role"`
	Source string `json:"source,omitempty"` // for feed keys: the source they speak for
	// Units, for a vehicle terminal's feed key, is the unit it reports for,
	// or a prefix ending in "*" for a fleet's ("SU-car-*"); empty: any.
	Units string `json:"units,omitempty"`
	// Scope is the code of the region a person is confined to (their
	// street's staff see and move only its cases); empty for the whole city.
	Scope string `json:"scope,omitempty"`
	Key   bool   `json:"-"` // authenticated by API key, not a session
}

// Key is an API key as stored: never the key itself, only its hash.
type Key struct {
	ID      string    `json:"id"`
	Role    Role      `json:"role"`
	Source  string    `json:"source,omitempty"`
	Units   string    `json:"units,omitempty"` // the units a vehicle key reports for (see Identity.Units)
	Hash    string    `json:"hash"`
	Created time.Time `json:"created"`
	Revoked bool      `json:"revoked,omitempty"`
}

// User is a person who signs in.
type User struct {
	Name  string `json:"name"`
	Role  Role   `json:"role"`
	Hash  string `json:"hash"`
	Scope string `json:"scope,omitempty"` // a region code; empty: the whole city
}

// File is the credentials file's content.
type File struct {
	Keys  []Key  `json:"keys"`
	Users []User `json:"users"`
}

// Errors of authentication; handlers map them all to 401 without saying which.
var (
	ErrUnknown = errors.New("auth: unknown credential")
	ErrRevoked = errors.New("auth: key revoked")
)

// A Store answers who a credential belongs to. It is safe for concurrent use.
type Store struct {
	path string // empty for a store read from memory (env)

	mu      sync.RWMutex
	file    File
	keys    map[string]*Key
	users   map[string]*User
	modTime time.Time
}

// Load reads a credentials file.
func Load(path string) (*Store, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	s := &Store{path: path}
	if err := s.set(b); err != nil {
		return nil, fmt.Errorf("auth: %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil {
		s.modTime = fi.ModTime()
	}
	return s, nil
}

// Parse reads credentials from JSON (for example from an environment variable).
func Parse(b []byte) (*Store, error) {
	s := &Store{}
	if err := s.set(b); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return s, nil
}

// Open reads the file at path, or starts an empty store there if there is none
// (for the keys and users commands).
func Open(path string) (*Store, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return &Store{path: path, keys: map[string]*Key{}, users: map[string]*User{}}, nil
	}
	return Load(path)
}

func (s *Store) set(b []byte) error {
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	keys := map[string]*Key{}
	users := map[string]*User{}
	for i := range f.Keys {
		k := &f.Keys[i]
		if _, err := ParseRole(string(k.Role)); err != nil {
			return fmt.Errorf("key %q: %v", k.ID, err)
		}
		keys[k.ID] = k
	}
	for i := range f.Users {
		u := &f.Users[i]
		if _, err := ParseRole(string(u.Role)); err != nil || u.Role == Feed {
			return fmt.Errorf("user %q: role must be wall, operator, dispatcher or admin", u.Name)
		}
		users[u.Name] = u
	}
	s.mu.Lock()
	s.file, s.keys, s.users = f, keys, users
	s.mu.Unlock()
	return nil
}

// Empty reports whether the store holds no usable credential.
func (s *Store) Empty() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, k := range s.keys {
		if !k.Revoked {
			return false
		}
	}
	return len(s.users) == 0
}

// Reload re-reads the file if it changed since it was read.
func (s *Store) Reload() error {
	if s.path == "" {
		return nil
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	s.mu.RLock()
	same := fi.ModTime().Equal(s.modTime)
	s.mu.RUnlock()
	if same {
		return nil
	}
	b, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if err := s.set(b); err != nil {
		return fmt.Errorf("auth: %s: %w (keeping the previous credentials)", s.path, err)
	}
	s.mu.Lock()
	s.modTime = fi.ModTime()
	s.mu.Unlock()
	return nil
}

// Key authenticates an API key.
func (s *Store) Key(key string) (Identity, error) {
	id, ok := splitKey(key)
	if !ok {
		return Identity{}, ErrUnknown
	}
	s.mu.RLock()
	k := s.keys[id]
	s.mu.RUnlock()
	if k == nil || subtle.ConstantTimeCompare([]byte(hashKey(key)), []byte(k.Hash)) != 1 {
		return Identity{}, ErrUnknown
	}
	if k.Revoked {
		return Identity{}, ErrRevoked
	}
	return Identity{Name: k.ID, Role: k.Role, Source: k.Source, Units: k.Units, Key: true}, nil
}

// dummyHash makes a sign-in with an unknown name cost what one with a known
// name costs, so timing does not tell which names exist. It is made on first
// use: hashing costs a noticeable fraction of a second.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("citygrid-dummy")
	return h
})

// User authenticates a person by name and password.
func (s *Store) User(name, password string) (Identity, error) {
	s.mu.RLock()
	u := s.users[name]
	s.mu.RUnlock()
	if u == nil {
		CheckPassword(dummyHash(), password)
		return Identity{}, ErrUnknown
	}
	if !CheckPassword(u.Hash, password) {
		return Identity{}, ErrUnknown
	}
	return Identity{Name: u.Name, Role: u.Role, Scope: u.Scope}, nil
}

// ReportsFor reports whether the identity may post positions of unit: any
// unit when it is bound to none.
func (id Identity) ReportsFor(unit string) bool {
	switch {
	case id.Units == "":
		return true
	case strings.HasSuffix(id.Units, "*"):
		return strings.HasPrefix(unit, strings.TrimSuffix(id.Units, "*"))
	}
	return unit == id.Units
}

// Person returns who the user called name is now (their role and scope), and
// false if there is no such user: a session holds who someone was when they
// signed in, and is checked against this on every request.
func (s *Store) Person(name string) (Identity, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[name]
	if u == nil {
		return Identity{}, false
	}
	return Identity{Name: u.Name, Role: u.Role, Scope: u.Scope}, true
}

// AddKey creates a key, returning it (the only time it is seen) and saving its hash.
func (s *Store) AddKey(id string, role Role, source string) (string, error) {
	return s.AddBoundKey(id, role, source, "")
}

// AddBoundKey is AddKey for a key that reports for some units only: one unit,
// or a prefix ending in "*".
func (s *Store) AddBoundKey(id string, role Role, source, units string) (string, error) {
	if units != "" && (len(units) > 64 || strings.ContainsFunc(units, func(r rune) bool { return r <= ' ' || r == 0x7f })) {
		return "", fmt.Errorf("auth: -units %q: a unit id, or a prefix ending in *", units)
	}
	key, hash, err := NewKey(id)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.keys[id]; dup {
		return "", fmt.Errorf("auth: key %q exists; revoke it or pick another id", id)
	}
	s.file.Keys = append(s.file.Keys, Key{ID: id, Role: role, Source: source, Units: units, Hash: hash, Created: time.Now().UTC()})
	s.reindex()
	return key, nil
}

// RevokeKey marks a key revoked; it is kept so the audit trail still names it.
func (s *Store) RevokeKey(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.file.Keys {
		if s.file.Keys[i].ID == id {
			s.file.Keys[i].Revoked = true
			s.reindex()
			return nil
		}
	}
	return fmt.Errorf("auth: no key %q", id)
}

// SetUser adds a user or changes their role and password; the user has no
// scope (the whole city).
func (s *Store) SetUser(name string, role Role, password string) error {
	return s.SetScopedUser(name, role, password, "")
}

// SetScopedUser is SetUser confining the user to the region with code scope
// (empty: the whole city).
func (s *Store) SetScopedUser(name string, role Role, password, scope string) error {
	if err := checkID(scope); scope != "" && err != nil {
		return fmt.Errorf("auth: scope: %w", err)
	}
	if err := checkID(name); err != nil {
		return err
	}
	if role == Feed {
		return errors.New("auth: people cannot have the feed role; make a key")
	}
	if len(password) < 10 {
		return errors.New("auth: a password needs at least 10 characters")
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.file.Users {
		if s.file.Users[i].Name == name {
			s.file.Users[i] = User{Name: name, Role: role, Hash: hash, Scope: scope}
			s.reindex()
			return nil
		}
	}
	s.file.Users = append(s.file.Users, User{Name: name, Role: role, Hash: hash, Scope: scope})
	s.reindex()
	return nil
}

// RemoveUser deletes a user.
func (s *Store) RemoveUser(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.file.Users {
		if s.file.Users[i].Name == name {
			s.file.Users = append(s.file.Users[:i], s.file.Users[i+1:]...)
			s.reindex()
			return nil
		}
	}
	return fmt.Errorf("auth: no user %q", name)
}

// reindex rebuilds the maps after a change; s.mu is held.
func (s *Store) reindex() {
	s.keys = map[string]*Key{}
	for i := range s.file.Keys {
		s.keys[s.file.Keys[i].ID] = &s.file.Keys[i]
	}
	s.users = map[string]*User{}
	for i := range s.file.Users {
		s.users[s.file.Users[i].Name] = &s.file.Users[i]
	}
}

// Snapshot returns the stored keys and users (hashes included), sorted.
func (s *Store) Snapshot() File {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f := File{Keys: append([]Key(nil), s.file.Keys...), Users: append([]User(nil), s.file.Users...)}
	sort.Slice(f.Keys, func(i, j int) bool { return f.Keys[i].ID < f.Keys[j].ID })
	sort.Slice(f.Users, func(i, j int) bool { return f.Users[i].Name < f.Users[j].Name })
	return f
}

// Save writes the store to its file atomically, readable by its owner only.
func (s *Store) Save() error {
	if s.path == "" {
		return errors.New("auth: this store has no file")
	}
	b, err := json.MarshalIndent(s.Snapshot(), "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".auth-*.json")
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("auth: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("auth: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	return nil
}
