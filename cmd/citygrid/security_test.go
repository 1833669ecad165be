package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/citygrid/citygrid/api"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/auth"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/apidoc"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/coder/websocket"
	"github.com/paulmach/orb"
)

func init() {
	// Sign-ins in tests need not cost what they cost in production.
	auth.PasswordIterations = 1000
}

// creds is a credentials file with one person per role and a few keys.
type creds struct {
	path string
	keys map[string]string // name → key
}

const testPassword = "correct horse battery"

func newCreds(t *testing.T) *creds {
	c := &creds{path: filepath.Join(t.TempDir(), "auth.json"), keys: map[string]string{}}
	admin := func(args ...string) string {
		var out bytes.Buffer
		if err := runAdmin(append(args[:2:2], append([]string{"-auth", c.path}, args[2:]...)...), strings.NewReader(testPassword+"\n"), &out, os.Getenv); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return strings.TrimSpace(out.String())
	}
	for _, r := range []string{"wall", "operator", "dispatcher", "admin"} {
		admin("users", "add", "-role", r, r+"-person")
	}
	c.keys["feed"] = admin("keys", "add", "-role", "feed", "-source", "110", "feed-110")
	c.keys["wallkey"] = admin("keys", "add", "-role", "wall", "lobby-wall")
	c.keys["revoked"] = admin("keys", "add", "-role", "feed", "old-feed")
	admin("keys", "revoke", "old-feed")
	return c
}

// caller is one way of presenting oneself to the server.
type caller struct {
	name   string
	key    string
	cookie *http.Cookie
}

func signIn(t *testing.T, s *server, user string) *http.Cookie {
	t.Helper()
	resp, err := http.Post(s.URL+"/api/v1/session", "application/json", strings.NewReader(`{"user":"`+user+`","password":"`+testPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("sign in %s: %d %s", user, resp.StatusCode, b)
	}
	for _, c := range resp.Cookies() {
		if c.Name == api.SessionCookie {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie not HttpOnly/SameSite=Strict: %+v", c)
			}
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

func (c caller) do(t *testing.T, method, url, body string) *http.Response {
	t.Helper()
	resp, _ := c.send(t, method, url, body)
	return resp
}

// send makes the request and returns the response with its body read.
func (c caller) send(t *testing.T, method, url, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
		req.Header.Set(api.CSRFHeader, "citygrid")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

func (c caller) dialStatus(t *testing.T, s *server) int {
	t.Helper()
	h := http.Header{}
	if c.key != "" {
		h.Set("Authorization", "Bearer "+c.key)
	}
	if c.cookie != nil {
		h.Set("Cookie", c.cookie.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/ws", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return resp.StatusCode
	}
	defer conn.CloseNow()
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","layers":["heat"]}`)); err != nil {
		t.Fatal(err)
	}
	_, b, err := conn.Read(ctx)
	if err != nil || !bytes.Contains(b, []byte(`"type":"snapshot"`)) {
		t.Fatalf("after upgrade: %s %v", b, err)
	}
	return http.StatusSwitchingProtocols
}

// TestAccessMatrix tries every route and the websocket with no credential, each
// role and a revoked key, against one table of expected statuses; every
// answer is also held to docs/openapi.yaml (status and body).
func TestAccessMatrix(t *testing.T) {
	doc := apidoc.Load(t)
	c := newCreds(t)
	s := startServer(t, "", "matrix", "-auth", c.path)
	callers := []caller{
		{name: "none"},
		{name: "revoked", key: c.keys["revoked"]},
		{name: "feed", key: c.keys["feed"]},
		{name: "wallkey", key: c.keys["wallkey"]},
	}
	for _, r := range []string{"wall", "operator", "dispatcher", "admin"} {
		callers = append(callers, caller{name: r, cookie: signIn(t, s, r+"-person")})
	}
	incident := func() string {
		return fmt.Sprintf(`{"id":"m-%d","lat":31.3,"lng":120.6}`, time.Now().UnixNano())
	}
	empty := func() string { return `{}` }
	//                      none revoked feed wallkey wall operator dispatcher admin
	routes := []struct {
		method, path string
		body         func() string
		want         [8]int
	}{
		{"POST", "/api/v1/incidents", incident, [8]int{401, 401, 202, 403, 403, 403, 403, 202}},
		{"POST", "/api/v1/positions", func() string { return `{"unit":"u1","lat":31.3,"lng":120.6}` }, [8]int{401, 401, 202, 403, 403, 403, 403, 202}},
		{"GET", "/api/v1/heat", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/units", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/audit", nil, [8]int{401, 401, 403, 403, 403, 403, 403, 200}},
		{"GET", "/api/v1/regions/district?window=1h", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/places?cell=8830992a27fffff", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/search?q=%E5%90%B4%E4%B8%AD", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/basemap", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/basemap.pmtiles", nil, [8]int{401, 401, 403, 404, 404, 404, 404, 404}},
		{"PUT", "/api/v1/regions/grid", func() string { return `{}` }, [8]int{401, 401, 403, 403, 403, 403, 403, 400}},
		{"GET", "/tiles/regions/9/427/209.pbf", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/metrics", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/session", nil, [8]int{401, 401, 200, 200, 200, 200, 200, 200}},
		{"GET", "/healthz", nil, [8]int{200, 401, 200, 200, 200, 200, 200, 200}},
		{"GET", "/ws", nil, [8]int{401, 401, 403, 101, 101, 101, 101, 101}},
		{"GET", "/api/v1/incidents?cell=" + geo.CellOf(orb.Point{120.6, 31.3}, 8).String(), nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/incidents/m-none", nil, [8]int{401, 401, 403, 404, 404, 404, 404, 404}},
		{"GET", "/api/v1/alerts", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"POST", "/api/v1/alerts/a-none/ack", empty, [8]int{401, 401, 403, 403, 403, 404, 404, 404}},
		{"POST", "/api/v1/alerts/a-none/resolve", empty, [8]int{401, 401, 403, 403, 403, 404, 404, 404}},
		{"GET", "/api/v1/dispatches", nil, [8]int{401, 401, 200, 200, 200, 200, 200, 200}},
		{"POST", "/api/v1/dispatches", func() string { return `{"unit":"nobody","cell":"893098af1c3ffff"}` }, [8]int{401, 401, 403, 403, 403, 403, 400, 400}},
		{"POST", "/api/v1/dispatches/d-none/clear", empty, [8]int{401, 401, 403, 403, 403, 403, 404, 404}},
		{"POST", "/api/v1/dispatches/d-none/cancel", empty, [8]int{401, 401, 403, 403, 403, 403, 404, 404}},
		{"GET", "/api/v1/dispatch/suggest?cell=893098af1c3ffff", nil, [8]int{401, 401, 403, 403, 403, 200, 200, 200}},
		{"POST", "/api/v1/cases", func() string {
			return fmt.Sprintf(`{"id":"m-%d","title":"t","subcategory":"env.exposed-garbage","lat":31.3,"lng":120.6,"channel":"grid-worker"}`, time.Now().UnixNano())
		}, [8]int{401, 401, 201, 403, 403, 201, 201, 201}},
		{"GET", "/api/v1/cases", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/cases/catalogue", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/cases/stats?level=street", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/cases/c-none", nil, [8]int{401, 401, 403, 404, 404, 404, 404, 404}},
		{"GET", "/api/v1/index?level=street", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/index/nowhere", nil, [8]int{401, 401, 403, 404, 404, 404, 404, 404}},
		{"GET", "/api/v1/briefing", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/briefing.csv?table=districts", nil, [8]int{401, 401, 403, 200, 200, 200, 200, 200}},
		{"POST", "/api/v1/cases/c-none/accept", empty, [8]int{401, 401, 403, 403, 403, 403, 404, 404}},
	}
	for _, rt := range routes {
		for i, cl := range callers {
			var got int
			if rt.path == "/ws" {
				got = cl.dialStatus(t, s)
			} else {
				body := ""
				if rt.body != nil {
					body = rt.body()
				}
				resp, b := cl.send(t, rt.method, s.URL+rt.path, body)
				got = resp.StatusCode
				if err := doc.Check(resp.Request, resp, b); err != nil {
					t.Errorf("as %s: %v", cl.name, err)
				}
			}
			if got != rt.want[i] {
				t.Errorf("%s %s as %s: %d, want %d", rt.method, rt.path, cl.name, got, rt.want[i])
			}
		}
	}

	// A session cookie alone cannot change state: the CSRF header is required.
	admin := callers[len(callers)-1]
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/incidents", strings.NewReader(incident()))
	req.AddCookie(admin.cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cookie POST without %s: %d, want 403", api.CSRFHeader, resp.StatusCode)
	}

	// Every response carries the security headers.
	resp = callers[0].do(t, "GET", s.URL+"/", "")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no X-Content-Type-Options")
	}

	// Failed sign-ins and key failures are audited, with where they came from.
	if r := callers[0].do(t, "POST", s.URL+"/api/v1/session", `{"user":"admin-person","password":"wrong"}`); r.StatusCode != 401 {
		t.Errorf("wrong password: %d", r.StatusCode)
	}
	var audit struct {
		Events []struct {
			Who, Action, From string
			OK                bool
		}
	}
	req, _ = http.NewRequest("GET", s.URL+"/api/v1/audit?limit=1000", nil)
	req.AddCookie(admin.cookie)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&audit)
	resp.Body.Close()
	seen := map[string]bool{}
	for _, e := range audit.Events {
		seen[fmt.Sprintf("%s/%s/%v", e.Action, e.Who, e.OK)] = true
		if e.From == "" {
			t.Errorf("audit event without an address: %+v", e)
		}
	}
	for _, want := range []string{"signin/admin-person/false", "signin/admin-person/true", "key.fail//false", "regions.put/admin-person/false", "dispatch.assign/dispatcher-person/false", "alert.ack/operator-person/false"} {
		if !seen[want] {
			t.Errorf("audit lacks %s; has %v", want, seen)
		}
	}
}

// TestRevokedKeyStopsWorking revokes a key while the server runs.
func TestRevokedKeyStopsWorking(t *testing.T) {
	c := newCreds(t)
	s := startServer(t, "", "revoke", "-auth", c.path)
	feed := caller{key: c.keys["feed"]}
	if r := feed.do(t, "POST", s.URL+"/api/v1/incidents", `{"id":"r1","lat":31.3,"lng":120.6}`); r.StatusCode != 202 {
		t.Fatalf("before revoking: %d", r.StatusCode)
	}
	if err := runAdmin([]string{"keys", "revoke", "-auth", c.path, "feed-110"}, nil, io.Discard, os.Getenv); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := feed.do(t, "POST", s.URL+"/api/v1/incidents", `{"id":"r2","lat":31.3,"lng":120.6}`)
		if r.StatusCode == 401 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("revoked key still answered %d after 10 s", r.StatusCode)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestRateLimit floods with one key: it gets 429 with Retry-After, and another
// key is served all the while.
func TestRateLimit(t *testing.T) {
	c := newCreds(t)
	s := startServer(t, "", "flood", "-auth", c.path, "-rate-limit", "5")
	flood, other := caller{key: c.keys["feed"]}, caller{key: c.keys["wallkey"]}
	limited := 0
	for i := range 40 {
		r := flood.do(t, "POST", s.URL+"/api/v1/incidents", fmt.Sprintf(`{"id":"f%d","lat":31.3,"lng":120.6}`, i))
		if r.StatusCode == http.StatusTooManyRequests {
			limited++
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if limited == 0 {
		t.Fatal("40 requests at once were never limited at 5/s")
	}
	if r := other.do(t, "GET", s.URL+"/api/v1/heat", ""); r.StatusCode != 200 {
		t.Fatalf("another key during the flood: %d", r.StatusCode)
	}
}

// TestRefusesOpenNonLoopback: no credentials on a public address is refused
// with a way to fix it.
func TestRefusesOpenNonLoopback(t *testing.T) {
	cfg, err := parseConfig([]string{"-addr", "0.0.0.0:0"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	_, err = newApp(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "refusing") || !strings.Contains(err.Error(), "citygrid users add") {
		t.Fatalf("err = %v", err)
	}
}

// TestBodyLimit: a body over -max-body is refused as a whole with 413 and a
// reason naming the limit, and none of its items is stored, even the valid
// ones before the limit; a body under it is taken.
func TestBodyLimit(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	s := startServer(t, rs.URL(), prefix, "-max-body", "1024")
	items, _ := randomIncidents(t, 20, 5, "big", 8) // about 3 KiB of NDJSON
	body := ndjson(t, items)
	if len(body) <= 1024 {
		t.Fatalf("test body of %d bytes is not over the limit", len(body))
	}
	r := s.post("/api/v1/incidents", "application/x-ndjson", body)
	if r.Status != http.StatusRequestEntityTooLarge || r.Accepted != 0 || !strings.Contains(r.Error, "1024-byte limit") {
		t.Fatalf("%d bytes over a 1 KiB limit: %d %+v, want 413 naming the limit", len(body), r.Status, r.IngestAnswer)
	}
	small := ndjson(t, items[:2])
	if r := s.post("/api/v1/incidents", "application/x-ndjson", small); r.Status != http.StatusAccepted || r.Accepted != 2 {
		t.Fatalf("%d bytes under the limit: %d %+v", len(small), r.Status, r.IngestAnswer)
	}
	// Only the small batch was stored: nothing of the big one, not even what
	// came before the limit.
	rdb := rs.Client()
	keys, err := rdb.Keys(t.Context(), prefix+":*:incidents").Result()
	if err != nil {
		t.Fatal(err)
	}
	var stored int64
	for _, k := range keys {
		n, _ := rdb.XLen(t.Context(), k).Result()
		stored += n
	}
	if stored != 2 {
		t.Fatalf("%d incidents stored after one refused and one taken batch, want 2", stored)
	}
}

// TestSimulatorFeedsASecuredServer: -simulate works with credentials on, through
// a key that exists only in the process.
func TestSimulatorFeedsASecuredServer(t *testing.T) {
	c := newCreds(t)
	s := startServer(t, "", "simauth", "-auth", c.path, "-simulate", "-sim-rate", "50")
	wall := caller{key: c.keys["wallkey"]}
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/heat?res=7&window=15m", nil)
		req.Header.Set("Authorization", "Bearer "+wall.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var h heatReply
		json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if h.Total > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no simulated incident reached a secured server in 20 s (status %d)", resp.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
