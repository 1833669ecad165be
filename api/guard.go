package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/citygrid/citygrid/auth"
	"github.com/citygrid/citygrid/stream"
	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// SessionCookie names the cookie that carries a person's session token.
const SessionCookie = "citygrid_session"

// CSRFHeader must accompany every state-changing request authenticated by
// cookie. A page of another origin cannot set it without a CORS preflight,
// which citygrid never grants; with SameSite=Strict cookies that makes
// cross-site request forgery fail twice over.
const CSRFHeader = "X-Requested-With"

type identityKey struct{}

// identityOf is who made a request; ok is false for an anonymous one.
func identityOf(r *http.Request) (auth.Identity, bool) {
	id, ok := r.Context().Value(identityKey{}).(auth.Identity)
	return id, ok
}

// guard authenticates requests and enforces roles and limits. With no store
// (open mode: no credentials, loopback only) everyone is an anonymous admin.
type guard struct {
	store    *auth.Store
	sessions *auth.Sessions
	audit    *stream.Audit
	tls      bool
	limits   *limiter
	// failures counts failed sign-ins per account (see accountFailures).
	failures *limiter
	// keyFails counts bad keys per address for the audit.
	keyFails failCounts
	wsPerIP  int
	logf     func(format string, args ...any)
	// simKey lets the built-in simulator (-simulate) feed this process: a
	// random key that lives in its memory only and can do nothing but feed.
	simKey string

	// csp is the Content-Security-Policy: same origin only, plus the
	// origin of the profile's base map tile server when it has one.
	csp string

	mu   sync.Mutex
	conn map[string]int // open websockets per address
}

// policy is the page's Content-Security-Policy; extra origins may be
// connected to (fetch: a city's own tile server).
func policy(extra ...string) string {
	connect := strings.Join(append([]string{"'self'"}, extra...), " ")
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src " +
		connect + "; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'"
}

// originOf is a URL's scheme://host, or "" for a relative or bad one.
func originOf(raw string) string {
	u, err := url.Parse(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(raw, "{z}", "0"), "{x}", "0"), "{y}", "0"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// newGuard guards with the config's credentials (none: open).
func newGuard(cfg Config) *guard {
	g := &guard{
		store: cfg.Credentials, sessions: cfg.Sessions, audit: cfg.Audit, tls: cfg.TLS, logf: cfg.Logf,
		conn: map[string]int{}, failures: newLimiter(accountFailureRate, accountFailureBurst),
		csp: policy(),
	}
	if o := originOf(cfg.Basemap.URL); o != "" {
		g.csp = policy(o)
	}
	if g.open() {
		return g
	}
	g.simKey = cfg.SimulatorKey
	g.limits = newLimiter(cfg.RateLimit, int(2*cfg.RateLimit)+1)
	g.wsPerIP = cfg.WSPerIP
	return g
}

func (g *guard) open() bool { return g.store == nil }

// identify finds who a request is, from an API key (Authorization: Bearer, or
// X-API-Key) or a session cookie. A request presenting a bad key is refused
// here and audited; one presenting nothing goes on, anonymous.
func (g *guard) identify(c *gin.Context) {
	if g.open() {
		g.set(c, auth.Identity{Name: "anonymous", Role: auth.Admin})
		return
	}
	key := c.GetHeader("X-API-Key")
	if h := c.GetHeader("Authorization"); key == "" && h != "" {
		var ok bool
		if key, ok = strings.CutPrefix(h, "Bearer "); !ok {
			g.unauthorized(c, "authorization: use 'Bearer <key>'")
			return
		}
	}
	if key != "" && g.simKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(g.simKey)) == 1 {
		g.set(c, auth.Identity{Name: "simulator", Role: auth.Feed, Key: true})
		return
	}
	if key != "" {
		id, err := g.store.Key(key)
		if err != nil {
			// Bad keys meet the address's rate limit before anything else,
			// and the audit keeps one record per address and reason a
			// minute: a flood of them can neither hold a core nor flush the
			// audit.
			if g.limits != nil {
				if wait, ok := g.limits.allow("ip:" + clientIP(c.Request)); !ok {
					c.Header("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
					c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "too many requests; slow down"})
					return
				}
			}
			if g.keyFails.first(clientIP(c.Request), err.Error(), time.Now()) {
				g.record(c, stream.AuditEvent{Action: "key.fail", OK: false, Detail: err.Error()})
			}
			g.unauthorized(c, "invalid or revoked API key")
			return
		}
		g.set(c, id)
		return
	}
	if token, err := c.Cookie(SessionCookie); err == nil && token != "" {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		id, err := g.sessions.Get(ctx, token)
		switch {
		case errors.Is(err, auth.ErrUnknown):
			// An expired session: carry on anonymous, so the page can sign in again.
		case err != nil:
			g.fail(c, unavailable("sessions", err))
			c.Abort()
			return
		default:
			// The session says who signed in; the credentials say who they
			// are now: a removed person is signed out, a changed role or
			// scope holds at once.
			cur, ok := g.store.Person(id.Name)
			if !ok {
				_ = g.sessions.Delete(ctx, token)
				return
			}
			g.set(c, cur)
		}
	}
}

// simpleBody reports whether the request's body is of a kind another site's
// page can send without a CORS preflight: none, or a form's or plain text.
func simpleBody(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return true
	}
	switch mt {
	case "text/plain", "application/x-www-form-urlencoded", "multipart/form-data":
		return true
	}
	return false
}

// StillAllowed reports whether the request's credential still admits it to
// the wall: its key not revoked, its person not removed nor lowered below
// the wall role. An open websocket is checked with it after each reload of
// the credentials, and closed when it says no.
func (a *API) StillAllowed(r *http.Request) bool {
	g := a.guard
	if g.open() {
		return true
	}
	id, ok := identityOf(r)
	if !ok {
		return false
	}
	if id.Key {
		key := r.Header.Get("X-API-Key")
		if h := r.Header.Get("Authorization"); key == "" {
			key, _ = strings.CutPrefix(h, "Bearer ")
		}
		cur, err := g.store.Key(key)
		return err == nil && cur.Role.Can(auth.Wall)
	}
	cur, ok := g.store.Person(id.Name)
	return ok && cur.Role.Can(auth.Wall)
}

func (g *guard) set(c *gin.Context, id auth.Identity) {
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), identityKey{}, id))
}

func (g *guard) unauthorized(c *gin.Context, msg string) {
	c.Header("WWW-Authenticate", `Bearer realm="citygrid"`)
	c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": msg})
}

// requireAny lets a request through only for identities whose role can do
// one of needs (the route's least roles).
func (g *guard) requireAny(needs ...auth.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := identityOf(c.Request)
		if !ok {
			g.unauthorized(c, "sign in or send an API key")
			return
		}
		if !slices.ContainsFunc(needs, id.Role.Can) {
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": fmt.Sprintf("role %s may not do this (needs %s)", id.Role, needs[0])})
			return
		}
		change := c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead
		switch {
		case !change || id.Key || c.GetHeader(CSRFHeader) != "":
		case !g.open():
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "missing " + CSRFHeader + " header (required with a session cookie)"})
			return
		case simpleBody(c.Request):
			// Open mode trusts whoever reaches loopback, so a web page the
			// developer visits must not be able to change anything: a
			// cross-site form or a plain fetch sends only these types; any
			// other (JSON) or the header needs a preflight, never granted.
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "a change needs Content-Type: application/json (or another JSON type) or the " + CSRFHeader + " header"})
			return
		}
		c.Next()
	}
}

// limit throttles each identity (or address, for the anonymous) to the
// configured rate, answering 429 with Retry-After beyond it.
func (g *guard) limit(c *gin.Context) {
	if g.limits == nil {
		return
	}
	who := "ip:" + clientIP(c.Request)
	if id, ok := identityOf(c.Request); ok {
		who = "id:" + id.Name
	}
	if wait, ok := g.limits.allow(who); !ok {
		c.Header("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "too many requests; slow down"})
	}
}

// wsSlot takes one of the address's websocket slots, or answers 429 and
// reports false; wsRelease frees it when the socket closes.
func (g *guard) wsSlot(c *gin.Context) bool {
	if g.wsPerIP <= 0 {
		return true
	}
	ip := clientIP(c.Request)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conn[ip] >= g.wsPerIP {
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "too many websocket connections from this address"})
		return false
	}
	g.conn[ip]++
	return true
}

func (g *guard) wsRelease(c *gin.Context) {
	if g.wsPerIP <= 0 {
		return
	}
	ip := clientIP(c.Request)
	g.mu.Lock()
	if g.conn[ip]--; g.conn[ip] <= 0 {
		delete(g.conn, ip)
	}
	g.mu.Unlock()
}

// record appends to the audit stream; a failure to audit is logged, not fatal.
// failCounts aggregates repeated failures for the audit: the first of a
// minute from one address, for one reason, is recorded as it happens; the
// rest are counted, and recorded as one event when the minute is over.
type failCounts struct {
	mu    sync.Mutex
	m     map[failKey]*failWindow
	ended []endedWindow // windows a new one replaced before they were taken
}

type endedWindow struct {
	k failKey
	w failWindow
}

type failKey struct{ from, reason string }

type failWindow struct {
	start time.Time
	more  int // failures after the first
}

// first counts a failure and reports whether it is the first of its minute.
func (f *failCounts) first(from, reason string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[failKey]*failWindow{}
	}
	k := failKey{from, reason}
	if w := f.m[k]; w != nil {
		if now.Sub(w.start) < time.Minute {
			w.more++
			return false
		}
		if w.more > 0 {
			f.ended = append(f.ended, endedWindow{k, *w})
		}
		delete(f.m, k)
	}
	if len(f.m) >= maxFailWindows {
		return false // counted nowhere rather than grow without bound
	}
	f.m[k] = &failWindow{start: now}
	return true
}

// maxFailWindows bounds the addresses counted at once.
const maxFailWindows = 100_000

// due takes the windows that ended by now, and the counts to record.
func (f *failCounts) due(now time.Time) map[failKey]failWindow {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[failKey]failWindow{}
	for _, e := range f.ended {
		out[e.k] = e.w
	}
	f.ended = nil
	for k, w := range f.m {
		if now.Sub(w.start) >= time.Minute {
			if w.more > 0 {
				out[k] = *w
			}
			delete(f.m, k)
		}
	}
	return out
}

// FlushAudit records the repeated failures of the minutes that have ended,
// one event per address and reason. The server calls it every few seconds.
func (a *API) FlushAudit() {
	g := a.guard
	if g.audit == nil {
		return
	}
	for k, w := range g.keyFails.due(time.Now()) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := g.audit.Add(ctx, stream.AuditEvent{Action: "key.fail", From: k.from, OK: false,
			Detail: fmt.Sprintf("%s: %d more times in the minute from %s", k.reason, w.more, w.start.UTC().Format(time.RFC3339))})
		cancel()
		if err != nil {
			g.logf("audit: %v", err)
		}
	}
}

func (g *guard) record(c *gin.Context, e stream.AuditEvent) {
	if id, ok := identityOf(c.Request); ok && e.Who == "" {
		e.Who, e.Role = id.Name, string(id.Role)
	}
	e.From = clientIP(c.Request)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := g.audit.Add(ctx, e); err != nil {
		g.logf("audit: %v", err)
	}
}

// headers sets the security headers of every response. The CSP allows the
// page's own origin only: no request leaves the command center's network.
// host refuses, in open mode, a request naming a host that is not this
// machine's loopback: open mode listens on loopback only, so another name
// means a page of another site whose name was pointed at 127.0.0.1 (DNS
// rebinding) is reading or changing it through the developer's browser.
func (g *guard) host(c *gin.Context) {
	if !g.open() || loopbackHost(c.Request.Host) {
		return
	}
	c.AbortWithStatusJSON(http.StatusMisdirectedRequest, gin.H{"error": "host: citygrid without credentials answers localhost and loopback addresses only"})
}

// loopbackHost reports whether a Host header names this machine's loopback:
// localhost, or a loopback address, with or without a port.
func loopbackHost(h string) bool {
	host, _, err := net.SplitHostPort(h)
	if err != nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (g *guard) headers(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", g.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if g.tls {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
}

// clientIP is the peer address. Forwarded headers are not trusted: a proxy in
// front must be configured, not assumed.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter holds a token bucket per identity, forgetting idle ones.
type limiter struct {
	rate  rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newLimiter allows perSecond on average with bursts of burst; nil (no limit)
// when perSecond is not positive.
func newLimiter(perSecond float64, burst int) *limiter {
	if perSecond <= 0 {
		return nil
	}
	return &limiter{rate: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}}
}

// peek reports whether who has a token left, without taking it (and, if
// not, how long until one comes).
func (l *limiter) peek(who string) (time.Duration, bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[who]
	if b == nil || b.lim.TokensAt(now) >= 1 {
		return 0, true
	}
	r := b.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return d, false
}

func (l *limiter) allow(who string) (time.Duration, bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[who]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[who] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// AuthorizeMessage checks a websocket message type against the role of the
// request that opened the socket (hub.Config.Authorize).
func AuthorizeMessage(r *http.Request, msgType string) error {
	need, ok := messageRoles[msgType]
	if !ok {
		return fmt.Errorf("type: %q is not allowed", msgType)
	}
	id, ok := identityOf(r)
	if !ok || !id.Role.Can(need) {
		return fmt.Errorf("%s: your role may not send it (needs %s)", msgType, need)
	}
	return nil
}

// messageRoles is the least role each websocket message type needs.
var messageRoles = map[string]auth.Role{"subscribe": auth.Wall, "replay": auth.Wall, "live": auth.Wall}

// auditDetail is the gin context key under which a handler says what it did
// (the unit and target of a dispatch, the refusal), for auditChange.
const auditDetail = "audit.detail"

// auditChange records a change (who, what, from where, and whether it took)
// once the handler has answered.
func (g *guard) auditChange(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		status := c.Writer.Status()
		detail := http.StatusText(status)
		if more := c.GetString(auditDetail); more != "" {
			detail += ": " + more
		}
		g.record(c, stream.AuditEvent{
			Action: action, Target: c.Request.URL.Path, OK: status < 300, Detail: detail,
		})
	}
}
