package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/coder/websocket"
)

// firstRejection is an ingest answer's first refusal, for the attack table.
func firstRejection(r ingestReply) string {
	if len(r.Rejected) == 0 {
		return r.Error
	}
	return r.Rejected[0].Error
}

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
	changed := time.Now()
	eventually(t, "the removed dispatcher is signed out", func() bool {
		return disp.do(t, "GET", s.URL+"/api/v1/session", "").StatusCode == http.StatusUnauthorized
	})
	took := time.Since(changed)
	clear := disp.do(t, "POST", s.URL+"/api/v1/dispatches/d-none/clear", "{}").StatusCode
	audit := adm.do(t, "GET", s.URL+"/api/v1/audit", "").StatusCode
	attacked(t, "7. a removed dispatcher's and a lowered admin's sessions", "401 and 403 within the 2 s reload",
		fmt.Sprintf("signed out after %v; clear %d; audit %d", took.Round(100*time.Millisecond), clear, audit))
	if clear != http.StatusUnauthorized {
		t.Errorf("a removed dispatcher clears a dispatch: %d", clear)
	}
	if audit != http.StatusForbidden {
		t.Errorf("an admin lowered to wall reads the audit: %d", audit)
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
	revoked := time.Now()
	var observed []string
	for _, w := range []struct {
		name string
		conn *websocket.Conn
	}{{"the revoked key's", byKey}, {"the removed person's", byCookie}} {
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
		var err error
		for err == nil {
			_, _, err = w.conn.Read(ctx)
		}
		cancel()
		observed = append(observed, fmt.Sprintf("%s closed (%d) after %v", strings.TrimPrefix(w.name, "the "), websocket.CloseStatus(err), time.Since(revoked).Round(100*time.Millisecond)))
		if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
			t.Errorf("%s websocket: %v, want closed for the revoked credential", w.name, err)
		}
	}
	attacked(t, "8. websockets of a revoked key and a removed person", "closed (1008) within about 2 s", strings.Join(observed, "; "))
}

// A key made for one source posts for it only; the dedupe key is the source
// and the id, so another source's incidents cannot be suppressed by using
// their ids first; every incident says which key posted it.
func TestFeedKeysAreBoundToTheirSource(t *testing.T) {
	c := newCreds(t)
	var out strings.Builder
	if err := runAdmin([]string{"keys", "add", "-auth", c.path, "-role", "admin", "ops-admin"}, nil, &out, os.Getenv); err != nil {
		t.Fatal(err)
	}
	adminKey := strings.TrimSpace(out.String())
	rs := redistest.Start(t)
	s := startServer(t, rs.URL(), redistest.Prefix(t), "-auth", c.path)
	feed := caller{name: "feed-110", key: c.keys["feed"]}
	adm := caller{name: "admin", key: adminKey}
	wall := caller{name: "wall", key: c.keys["wallkey"]}
	p := place(31.31, 120.61)
	post := func(who caller, body string) (int, ingestReply) {
		resp, b := who.send(t, "POST", s.URL+"/api/v1/incidents", body)
		var r ingestReply
		_ = json.Unmarshal(b, &r.IngestAnswer)
		return resp.StatusCode, r
	}
	one := func(id, src string) string {
		return fmt.Sprintf(`{"id":%q,"source":%q,"lat":%v,"lng":%v,"severity":4,"category":"theft"}`, id, src, p.lat, p.lng)
	}
	// In another source's name: refused, naming the source.
	code, r := post(feed, one("x-1", "12345"))
	_, r2 := post(adm, one("x-9", "12345"))
	_, r3 := post(feed, one("x-9", "110"))
	attacked(t, "5. the 110 feed's key posts as 12345; 110 reuses 12345's id", "refused; (source, id) are different incidents",
		fmt.Sprintf("%d %s; 12345 accepted %d, 110 accepted %d of the same id", code, firstRejection(r), r2.Accepted, r3.Accepted))
	if r2.Accepted != 1 || r3.Accepted != 1 {
		t.Fatalf("one id in two sources: %+v, %+v", r2.IngestAnswer, r3.IngestAnswer)
	}
	if code != 400 || len(r.Rejected) != 1 || !strings.HasPrefix(r.Rejected[0].Error, "source:") {
		t.Fatalf("the 110 key posting as 12345: %d %+v", code, r.IngestAnswer)
	}
	// Its own, with the source left out: stored as 110's.
	if code, r := post(feed, "["+one("x-1", "")+","+one("x-2", "12345")+"]"); code != 202 || r.Accepted != 1 || len(r.Rejected) != 1 || r.Rejected[0].Index != 1 {
		t.Fatalf("a batch of its own and another's: %d %+v", code, r.IngestAnswer)
	}
	// 12345's incident of the same id is not a duplicate of 110's.
	if code, r := post(adm, one("x-1", "12345")); code != 202 || r.Accepted != 1 || r.Duplicates != 0 {
		t.Fatalf("12345's x-1 after 110's: %d %+v", code, r.IngestAnswer)
	}
	if code, r := post(feed, one("x-1", "110")); code != 202 || r.Duplicates != 1 {
		t.Fatalf("110's x-1 again: %d %+v", code, r.IngestAnswer)
	}
	var got struct {
		Incidents []struct{ ID, Source, By string } `json:"incidents"`
	}
	eventually(t, "both x-1 and both x-9 are readable", func() bool {
		_, b := wall.send(t, "GET", s.URL+"/api/v1/incidents?window=1h&cell="+p.cell.String(), "")
		return json.Unmarshal(b, &got) == nil && len(got.Incidents) == 4
	})
	by := map[string]string{}
	for _, in := range got.Incidents {
		if in.ID == "x-1" {
			by[in.Source] = in.By
		}
	}
	if by["110"] != "feed-110" || by["12345"] != "ops-admin" {
		t.Fatalf("who posted what: %+v", got.Incidents)
	}
}

// Guesses at one account from many addresses meet one bound: ten are
// checked, the rest refused before any password is hashed; other accounts
// sign in as before.
func TestSignInsAreThrottledPerAccount(t *testing.T) {
	c := newCreds(t)
	s := startServer(t, "", "guess", "-auth", c.path)
	try := func(user, password, ip string) int {
		client := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}}
		resp, err := client.Post(s.URL+"/api/v1/session", "application/json", strings.NewReader(`{"user":"`+user+`","password":"`+password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	codes := map[int]int{}
	for i := range 20 {
		codes[try("operator-person", "wrong guess", fmt.Sprintf("127.0.1.%d", 40+i))]++
	}
	right := try("operator-person", testPassword, "127.0.1.90")
	other := try("dispatcher-person", testPassword, "127.0.1.91")
	attacked(t, "3. 20 password guesses at one account from 20 addresses", "10 checked, the rest 429; other accounts sign in",
		fmt.Sprintf("%d checked (401), %d refused (429); the throttled account %d; another account %d",
			codes[http.StatusUnauthorized], codes[http.StatusTooManyRequests], right, other))
	if codes[http.StatusUnauthorized] != 10 || codes[http.StatusTooManyRequests] != 10 {
		t.Fatalf("20 guesses from 20 addresses: %v, want 10 checked and 10 refused", codes)
	}
	if right != http.StatusTooManyRequests {
		t.Errorf("the right password while the account is throttled: %d", right)
	}
	if other != http.StatusOK {
		t.Errorf("another account: %d", other)
	}
}

// A flood of bad keys meets the address's rate limit, and writes one audit
// record a minute, not one each: it cannot push older records out.
func TestBadKeysMeetTheRateLimitAndDoNotFloodTheAudit(t *testing.T) {
	c := newCreds(t)
	var out strings.Builder
	if err := runAdmin([]string{"keys", "add", "-auth", c.path, "-role", "admin", "auditor"}, nil, &out, os.Getenv); err != nil {
		t.Fatal(err)
	}
	auditor := caller{name: "auditor", key: strings.TrimSpace(out.String())}
	s := startServer(t, "", "badkeys", "-auth", c.path, "-rate-limit", "5")
	client := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.2.1")}}).DialContext}}
	codes := map[int]int{}
	for range 200 {
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/heat", nil)
		req.Header.Set("Authorization", "Bearer cg_nonsense-key-that-is-not-one")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes[resp.StatusCode]++
	}
	if codes[http.StatusTooManyRequests] < 150 || codes[http.StatusUnauthorized] == 0 {
		t.Fatalf("200 bad keys from one address: %v, want most refused by the rate limit", codes)
	}
	_, b := auditor.send(t, "GET", s.URL+"/api/v1/audit", "")
	var audit struct {
		Events []struct{ Action, From string } `json:"events"`
	}
	if err := json.Unmarshal(b, &audit); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range audit.Events {
		if e.Action == "key.fail" && e.From == "127.0.2.1" {
			n++
		}
	}
	attacked(t, "2. 200 requests with a bad key from one address", "most 429; one audit record a minute",
		fmt.Sprintf("%d got 401, %d got 429; %d key.fail audit record(s)", codes[http.StatusUnauthorized], codes[http.StatusTooManyRequests], n))
	if n != 1 {
		t.Fatalf("%d key.fail records for %d refused keys; want one until the minute is over", n, codes[http.StatusUnauthorized])
	}
}

// A vehicle terminal's key reports its own units only, and no report may be
// stamped far enough ahead to outlive the unit's real ones.
func TestVehicleKeysAreBoundToTheirUnits(t *testing.T) {
	c := newCreds(t)
	var out strings.Builder
	if err := runAdmin([]string{"keys", "add", "-auth", c.path, "-role", "feed", "-units", "SU-car-*", "car-fleet"}, nil, &out, os.Getenv); err != nil {
		t.Fatal(err)
	}
	fleet := caller{name: "car-fleet", key: strings.TrimSpace(out.String())}
	s := startServer(t, "", "units", "-auth", c.path)
	post := func(body string) (int, ingestReply) {
		resp, b := fleet.send(t, "POST", s.URL+"/api/v1/positions", body)
		var r ingestReply
		_ = json.Unmarshal(b, &r.IngestAnswer)
		return resp.StatusCode, r
	}
	pos := func(unit, status string, at time.Time) string {
		return fmt.Sprintf(`{"unit":%q,"status":%q,"lat":31.3,"lng":120.6,"time":%q}`, unit, status, at.UTC().Format(time.RFC3339Nano))
	}
	now := time.Now()
	code1, r1 := post(pos("SU-foot-009", "off-duty", now))
	code2, r2 := post(pos("SU-car-002", "off-duty", now.Add(5*time.Minute)))
	attacked(t, "6. a car fleet's key: a foot patrol off duty; a car stamped 5 min ahead", "both refused, naming unit and time",
		fmt.Sprintf("%d %s; %d %s", code1, firstRejection(r1), code2, firstRejection(r2)))
	if code, r := post("[" + pos("SU-car-001", "available", now) + "," + pos("SU-foot-009", "off-duty", now) + "]"); code != 202 || r.Accepted != 1 ||
		len(r.Rejected) != 1 || !strings.HasPrefix(r.Rejected[0].Error, "unit: this key reports for SU-car-* only") {
		t.Fatalf("a car fleet's key reporting a foot patrol: %d %+v", code, r.IngestAnswer)
	}
	if code, r := post(pos("SU-car-001", "off-duty", now.Add(5*time.Minute))); code != 400 || len(r.Rejected) != 1 || !strings.HasPrefix(r.Rejected[0].Error, "time: more than 30s ahead") {
		t.Fatalf("a report stamped 5 minutes ahead: %d %+v", code, r.IngestAnswer)
	}
}

// In open mode, a change a web page on another site could send (a form, plain
// text, no type) is refused; JSON, any other type, or the header is taken;
// and only loopback names are answered.
func TestOpenModeRefusesCrossSiteChanges(t *testing.T) {
	s := startServer(t, "", "csrf")
	body := `{"id":"csrf-1","lat":31.3,"lng":120.6}`
	for _, ct := range []string{"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/incidents", strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("Content-Type %q: %d, want 403", ct, resp.StatusCode)
		}
		if ct == "text/plain" {
			attacked(t, "open mode: a cross-site text/plain POST", "403", fmt.Sprint(resp.StatusCode))
		}
	}
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/incidents", strings.NewReader(body))
	req.Header.Set("X-Requested-With", "citygrid")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("with the header: %d", resp.StatusCode)
	}
	if r := s.post("/api/v1/incidents", "application/json", []byte(`{"id":"csrf-2","lat":31.3,"lng":120.6}`)); r.Status != http.StatusAccepted {
		t.Errorf("JSON: %d", r.Status)
	}
	// A name another site points at 127.0.0.1 (DNS rebinding) is not this
	// machine's: refused, reading or changing.
	for host, want := range map[string]int{"rebind.example:8080": http.StatusMisdirectedRequest, "localhost:8080": http.StatusOK, "[::1]:8080": http.StatusOK} {
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/units", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
		if want != http.StatusOK {
			attacked(t, "open mode: Host "+host+" (DNS rebinding)", fmt.Sprint(want), fmt.Sprint(resp.StatusCode))
		}
	}
}
