package stream

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// An AuditEvent records who did what, when and from where: sign-ins, key use
// failures, dispatches, acknowledgements, configuration changes.
type AuditEvent struct {
	ID     string    `json:"id"` // the stream entry id
	Time   time.Time `json:"time"`
	Who    string    `json:"who"`  // user name or key id; empty if unknown
	Role   string    `json:"role"` // the role they acted as
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"`
	From   string    `json:"from"` // remote address
	OK     bool      `json:"ok"`
	Detail string    `json:"detail,omitempty"`
}

// Audit appends to and reads the audit stream, <prefix>:{audit}:events. It
// keeps events for AuditRetention, however many: trimming by count would let
// a flood of requests push the sign-ins and dispatches before it out. When the
// stream grows past AuditAlarm entries it says so (Logf), at most once an hour.
type Audit struct {
	rdb redis.UniversalClient
	key string
	// Logf reports the size alarm; nil means no logging.
	Logf func(format string, args ...any)

	alarmed atomic.Int64 // Unix seconds of the last alarm
	added   atomic.Int64 // events added, to look at the size now and then
}

// AuditRetention is how long audit events are kept: six months, as China's
// Cybersecurity Law asks of network logs.
const AuditRetention = 183 * 24 * time.Hour

// AuditAlarm is the length past which the audit stream raises its alarm:
// a flood that aggregation did not hold.
const AuditAlarm = 5_000_000

// NewAudit returns the audit stream of a layout.
func NewAudit(rdb redis.UniversalClient, l Layout) *Audit {
	return &Audit{rdb: rdb, key: l.withDefaults().Prefix + ":{audit}:events"}
}

// Add appends an event. Strings are clipped so a hostile client cannot grow it.
func (a *Audit) Add(ctx context.Context, e AuditEvent) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	values := []string{
		"t", strconv.FormatInt(e.Time.UnixMilli(), 10),
		"who", clipText(e.Who, 128), "role", clipText(e.Role, 32),
		"action", clipText(e.Action, 64), "target", clipText(e.Target, 256),
		"from", clipText(e.From, 64), "ok", strconv.FormatBool(e.OK), "detail", clipText(e.Detail, 512),
	}
	minID := strconv.FormatInt(time.Now().Add(-AuditRetention).UnixMilli(), 10)
	err := a.rdb.XAdd(ctx, &redis.XAddArgs{Stream: a.key, MinID: minID, Approx: true, Values: values}).Err()
	if err != nil {
		return fmt.Errorf("stream: audit: %w", err)
	}
	if a.added.Add(1)%1000 == 1 {
		a.checkSize(ctx)
	}
	return nil
}

// checkSize raises the size alarm when the stream has grown past AuditAlarm.
func (a *Audit) checkSize(ctx context.Context) {
	n, err := a.rdb.XLen(ctx, a.key).Result()
	now := time.Now().Unix()
	if err != nil || n < AuditAlarm || a.Logf == nil || now-a.alarmed.Load() < 3600 {
		return
	}
	a.alarmed.Store(now)
	a.Logf("ALARM: the audit stream holds %d events (alarm at %d): something is writing far more than people do; see GET /api/v1/audit", n, AuditAlarm)
}

// Recent returns up to n events, newest first.
func (a *Audit) Recent(ctx context.Context, n int64) ([]AuditEvent, error) {
	msgs, err := a.rdb.XRevRangeN(ctx, a.key, "+", "-", n).Result()
	if err != nil {
		return nil, fmt.Errorf("stream: audit: %w", err)
	}
	out := make([]AuditEvent, 0, len(msgs))
	for _, m := range msgs {
		d := fieldReader{f: m.Values}
		ok, _ := strconv.ParseBool(d.str("ok"))
		out = append(out, AuditEvent{
			ID: m.ID, Time: time.UnixMilli(d.int("t")).UTC(), Who: d.str("who"), Role: d.str("role"),
			Action: d.str("action"), Target: d.str("target"), From: d.str("from"), OK: ok, Detail: d.str("detail"),
		})
	}
	return out, nil
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
