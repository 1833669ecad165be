package main

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func admin(t *testing.T, c *creds, args ...string) {
	t.Helper()
	if err := runAdmin(append(args[:2:2], append([]string{"-auth", c.path}, args[2:]...)...), strings.NewReader(testPassword+"\n"), &strings.Builder{}, os.Getenv); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
}

// Removing a person or lowering their role holds at once for their open
// sessions (within the 2 s the credentials are re-read in).
func TestRemovedAndLoweredPeopleLoseWhatTheyHad(t *testing.T) {
	c := newCreds(t)
	s := startServer(t, "", "lowered", "-auth", c.path)
	disp := caller{name: "dispatcher", cookie: signInFrom(t, s, "dispatcher-person", "127.0.0.31")}
	adm := caller{name: "admin", cookie: signInFrom(t, s, "admin-person", "127.0.0.31")}
	if r := adm.do(t, "GET", s.URL+"/api/v1/audit", ""); r.StatusCode != 200 {
		t.Fatalf("admin reads the audit: %d", r.StatusCode)
	}
	admin(t, c, "users", "remove", "dispatcher-person")
	admin(t, c, "users", "add", "-role", "wall", "admin-person")
	eventually(t, "the removed dispatcher is signed out", func() bool {
		return disp.do(t, "GET", s.URL+"/api/v1/session", "").StatusCode == http.StatusUnauthorized
	})
	if r := disp.do(t, "POST", s.URL+"/api/v1/dispatches/d-none/clear", "{}"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("a removed dispatcher clears a dispatch: %d", r.StatusCode)
	}
	if r := adm.do(t, "GET", s.URL+"/api/v1/audit", ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("an admin lowered to wall reads the audit: %d", r.StatusCode)
	}
	if _, b := adm.send(t, "GET", s.URL+"/api/v1/session", ""); !strings.Contains(string(b), `"role":"wall"`) {
		t.Errorf("the lowered admin's session: %s", b)
	}
}

// A websocket whose key is revoked, or whose person is removed, is closed
// within the credentials' reload.
func TestRevokedCredentialsCloseTheirWebsockets(t *testing.T) {
	c := newCreds(t)
	admin(t, c, "users", "add", "-role", "wall", "lobby-person")
	s := startServer(t, "", "wsrevoke", "-auth", c.path)
	person := signInFrom(t, s, "lobby-person", "127.0.0.32")
	open := func(h http.Header) *websocket.Conn {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/ws", &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.CloseNow() })
		if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","layers":["alerts"]}`)); err != nil {
			t.Fatal(err)
		}
		return conn
	}
	byKey := open(http.Header{"Authorization": {"Bearer " + c.keys["wallkey"]}})
	byCookie := open(http.Header{"Cookie": {person.String()}})
	admin(t, c, "keys", "revoke", "lobby-wall")
	admin(t, c, "users", "remove", "lobby-person")
	for name, conn := range map[string]*websocket.Conn{"the revoked key's": byKey, "the removed person's": byCookie} {
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
		var err error
		for err == nil {
			_, _, err = conn.Read(ctx)
		}
		cancel()
		if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
			t.Errorf("%s websocket: %v, want closed for the revoked credential", name, err)
		}
	}
}
