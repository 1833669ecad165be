package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/auth"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/stream"
	"github.com/gin-gonic/gin"
)

// signInLimit allows each address one sign-in attempt every 6 s on average,
// with bursts of 5: enough for a person who mistyped, too few to guess.
var signInLimit = newLimiter(1.0/6, 5)

// Each account may fail 10 sign-ins, then one every 30 s: guesses spread over
// many addresses still meet one bound. Only failures count, so the person
// themself is held up only while someone guesses.
const (
	accountFailureRate  = 1.0 / 30
	accountFailureBurst = 10
)

// hashing bounds the password checks running at once to half the cores
// (at least one): a flood of sign-ins queues here instead of taking every
// core from the feeds, the wall and the person signing in.
var hashing = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

// hashWait is how long a sign-in waits for a turn before it is told to retry.
const hashWait = 5 * time.Second

// getSession answers who the caller is: 200 with the identity, or 401.
func (g *guard) getSession(c *gin.Context) {
	if g.open() {
		c.JSON(http.StatusOK, gin.H{"user": "anonymous", "role": auth.Admin, "open": true})
		return
	}
	id, ok := identityOf(c.Request)
	if !ok {
		c.JSON(http.StatusUnauthorized, gin.H{"error": "not signed in"})
		return
	}
	c.JSON(http.StatusOK, sessionBody(id))
}

// sessionBody is who a session is: name, role, and scope when they have one
// (the region whose cases they see and move).
func sessionBody(id auth.Identity) gin.H {
	body := gin.H{"user": id.Name, "role": id.Role}
	if id.Scope != "" {
		body["scope"] = id.Scope
	}
	return body
}

// postSession signs a person in and sets the session cookie.
func (g *guard) postSession(c *gin.Context) {
	if g.open() {
		g.getSession(c)
		return
	}
	if wait, ok := signInLimit.allow(clientIP(c.Request)); !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		c.JSON(http.StatusTooManyRequests, gin.H{"error": "too many sign-in attempts; wait"})
		return
	}
	var body struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 4<<10))
	if err := dec.Decode(&body); err != nil || body.User == "" || body.Password == "" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "body: send {\"user\":\"…\",\"password\":\"…\"}"})
		return
	}
	account := "account:" + clipName(body.User)
	if wait, ok := g.failures.peek(account); !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		c.JSON(http.StatusTooManyRequests, gin.H{"error": "too many failed sign-ins for this user; wait"})
		return
	}
	select {
	case hashing <- struct{}{}:
	case <-time.After(hashWait):
		c.Header("Retry-After", "2")
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "sign-in: busy; retry"})
		return
	}
	id, err := g.store.User(body.User, body.Password)
	<-hashing
	if err != nil {
		g.failures.allow(account)
		g.record(c, stream.AuditEvent{Who: clipName(body.User), Action: "signin", OK: false})
		c.JSON(http.StatusUnauthorized, gin.H{"error": "wrong user or password"})
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	token, err := g.sessions.Create(ctx, id)
	if err != nil {
		g.fail(c, unavailable("sessions", err))
		return
	}
	g.set(c, id)
	g.record(c, stream.AuditEvent{Action: "signin", OK: true})
	http.SetCookie(c.Writer, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", MaxAge: int(auth.SessionTTL / time.Second),
		HttpOnly: true, Secure: g.tls, SameSite: http.SameSiteStrictMode,
	})
	c.JSON(http.StatusOK, sessionBody(id))
}

// deleteSession signs out.
func (g *guard) deleteSession(c *gin.Context) {
	if token, err := c.Cookie(SessionCookie); err == nil && !g.open() {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		_ = g.sessions.Delete(ctx, token)
		g.record(c, stream.AuditEvent{Action: "signout", OK: true})
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: g.tls, SameSite: http.SameSiteStrictMode})
	c.Status(http.StatusNoContent)
}

// getAudit lists the newest audit events (admins only).
func (g *guard) getAudit(c *gin.Context) {
	n, err := limitParam(c, 100, 10000)
	if err != nil {
		g.fail(c, err)
		return
	}
	ctx, cancel := within(c)
	defer cancel()
	events, err := g.audit.Recent(ctx, int64(n))
	if err != nil {
		g.fail(c, unavailable("audit", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"events": events})
}

// unavailable says a Redis call of what failed: a 503, nothing changed.
func unavailable(what string, err error) error {
	return fmt.Errorf("%s: %w: %v", what, stream.ErrUnavailable, err)
}

func clipName(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	// A name someone typed goes into the audit: no bytes that are not text,
	// nothing that would read otherwise than it is.
	s = strings.ToValidUTF8(s, "?")
	return strings.Map(func(r rune) rune {
		if geo.HiddenRune(r) {
			return '?'
		}
		return r
	}, s)
}
