package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/api"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// holdFirstPipeline is a Redis hook that stops the first pipeline sent with a
// script (the writer's) until released, and says when it has it: a test can
// then act while a request is certainly in flight.
type holdFirstPipeline struct {
	once    sync.Once
	held    chan struct{}
	release chan struct{}
}

func (h *holdFirstPipeline) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *holdFirstPipeline) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *holdFirstPipeline) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && strings.HasPrefix(strings.ToLower(cmds[0].Name()), "eval") {
			h.once.Do(func() {
				close(h.held)
				<-h.release
			})
		}
		return next(ctx, cmds)
	}
}

// TestShutdownFinishesInFlightRequests stops the server while a large batch is
// being stored: the request still gets its answer, and every event it
// acknowledged is in Redis. The timing is held, not raced: the batch's first
// write to Redis waits until the server has stopped listening.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	hold := &holdFirstPipeline{held: make(chan struct{}), release: make(chan struct{})}
	s := startServerWith(t, func(c *Config) { c.redisHook = hold }, rs.URL(), prefix)
	items, _ := randomIncidents(t, 10000, 7, "shut", 8)
	body := ndjson(t, items)

	type result struct {
		status   int
		accepted int
		err      error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Post(s.URL+"/api/v1/incidents", "application/x-ndjson", bytes.NewReader(body))
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		var a api.IngestAnswer
		err = json.NewDecoder(resp.Body).Decode(&a)
		done <- result{status: resp.StatusCode, accepted: a.Accepted, err: err}
	}()
	<-hold.held // the request is in flight, its first write held
	stopped := make(chan struct{})
	go func() { s.stop(); close(stopped) }()
	// Once the listener is closed, the shutdown has begun: let the write go.
	addr := strings.TrimPrefix(s.URL, "http://")
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 10 s after it was told to stop")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(hold.release)
	r := <-done
	<-stopped
	if r.err != nil || r.status != http.StatusAccepted {
		t.Fatalf("in-flight request: %d %v", r.status, r.err)
	}
	var stored int64
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	keys, _ := rdb.Keys(t.Context(), prefix+":*:incidents").Result()
	for _, k := range keys {
		n, _ := rdb.XLen(t.Context(), k).Result()
		stored += n
	}
	if stored != int64(r.accepted) || r.accepted != 10000 {
		t.Fatalf("acknowledged %d, stored %d", r.accepted, stored)
	}
}

// A reply Redis sends but the server never gets (a network or a stalled
// machine lost it): the events were stored, yet the server cannot know. It
// must not retry the write blindly, for the retry finds the first attempt's
// events and answers "duplicates" for 50 events never sent before; it
// answers 503 (nothing acknowledged), and the feed's own retry is answered
// truly: stored once, each counted once.
func TestALostReplyIsNotAnsweredWithDuplicates(t *testing.T) {
	rs := redistest.Start(t)
	proxy := redistest.NewProxy(t, rs)
	s := startServer(t, proxy.URL(), redistest.Prefix(t))
	items, want := randomIncidents(t, 50, 11, "lost", 9)
	body := ndjson(t, items)
	post := func() (int, api.IngestAnswer) {
		resp, err := http.Post(s.URL+"/api/v1/incidents", "application/x-ndjson", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a api.IngestAnswer
		_ = json.NewDecoder(resp.Body).Decode(&a)
		return resp.StatusCode, a
	}
	// One post first, so Redis has the writer's script: the lost reply is
	// then the one of a write carried out.
	first, more := randomIncidents(t, 1, 12, "warm", 9)
	for c, n := range more {
		want[c] += n
	}
	if resp, err := http.Post(s.URL+"/api/v1/incidents", "application/x-ndjson", bytes.NewReader(ndjson(t, first))); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("first post: %v %v", resp, err)
	}
	proxy.LoseReplyTo("evalsha")
	code, a := post()
	code2, a2 := post()
	attacked(t, "10. the reply to a write of 50 new events is lost", "503 (not acknowledged), never \"duplicates\"; the retry true",
		fmt.Sprintf("%d (accepted %d, duplicates %d); the feed's retry %d: %d duplicates (stored once)", code, a.Accepted, a.Duplicates, code2, a2.Duplicates))
	if code == http.StatusAccepted {
		t.Fatalf("with the reply lost: 202 with %d accepted and %d duplicates of 50 never sent before", a.Accepted, a.Duplicates)
	}
	if code != http.StatusServiceUnavailable {
		t.Fatalf("with the reply lost: %d %+v, want 503", code, a)
	}
	// The feed retries: the events were stored by the first attempt.
	if code2 != http.StatusAccepted || a2.Duplicates != 50 {
		t.Fatalf("the feed's retry: %d %+v, want 50 duplicates", code2, a2)
	}
	s.waitHeat("res=9&window=1h", want)
}

// A Redis that comes back empty is noticed, said (in /readyz and the
// metrics), and the live state rebuilt from what Redis holds: the heat no
// longer counts events that are gone. A restart over the same Redis is not a
// loss.
func TestARedisThatLostItsDataIsNoticedAndTheStateRebuilt(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	fast := func(c *Config) { c.epochEvery = 50 * time.Millisecond }
	s := startServerWith(t, fast, rs.URL(), prefix)
	// What the server answers, or nothing while it starts again.
	get := func(path string, out any) bool {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(out) == nil
	}
	readyz := func() map[string]any {
		var body map[string]any
		eventually(t, "ready", func() bool { return get("/readyz", &body) })
		return body
	}
	total := func() int {
		var h heatReply
		if !get("/api/v1/heat?res=7&window=1h", &h) {
			return -1
		}
		return h.Total
	}
	stored := func() (n int64) {
		c := rs.Client()
		keys, err := c.Keys(context.Background(), prefix+":*:incidents").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			n += c.XLen(context.Background(), k).Val()
		}
		return n
	}
	time.Sleep(300 * time.Millisecond)
	s.stop()
	s = startServerWith(t, fast, rs.URL(), prefix)
	time.Sleep(300 * time.Millisecond)
	if body := readyz(); body["historyLost"] != nil {
		t.Fatalf("a restart over the same Redis: %v", body)
	}
	items, _ := randomIncidents(t, 20, 21, "before", 9)
	if r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items)); r.Accepted != 20 {
		t.Fatalf("before the loss: %+v", r)
	}
	s.waitHeatTotal(t, 20)
	if err := rs.Client().FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	flushed := time.Now()
	eventually(t, "the loss is noticed and the state rebuilt", func() bool {
		var body map[string]any
		return get("/readyz", &body) && body["historyLost"] != nil && total() == 0
	})
	rebuilt := time.Since(flushed)
	// What comes after counts as before; ids sent again are new to a Redis
	// that lost their tags (docs/OPERATIONS.md says so).
	after, _ := randomIncidents(t, 5, 22, "after", 9)
	r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, append(after, items[:5]...)))
	s.waitHeatTotal(t, 10)
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	metric := strings.Contains(b.String(), "\ncitygrid_history_lost 1\n")
	attacked(t, "9. Redis flushed under a running node (20 events acknowledged)", "noticed; heat rebuilt from what Redis holds; said in /readyz",
		fmt.Sprintf("rebuilt after %v: heat 20 → 0, historyLost in /readyz, metric %v; then %d posted, heat %d, streams %d",
			rebuilt.Round(100*time.Millisecond), metric, r.Accepted, total(), stored()))
	if r.Accepted != 10 || stored() != 10 {
		t.Errorf("after the loss: %+v accepted, %d stored", r, stored())
	}
	if !metric {
		t.Error("the metric does not say so")
	}
}

// With no -redis, the server keeps its data in a folder (a private
// redis-server with an append-only file): a restart keeps every event.
func TestTheDefaultKeepsItsDataAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	private := func(c *Config) { c.Redis, c.Data = "", dir }
	s := startServerWith(t, private, "", "citygrid")
	items, want := randomIncidents(t, 30, 31, "kept", 9)
	if r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items)); r.Accepted != 30 {
		t.Fatalf("post: %+v", r)
	}
	s.waitHeat("res=9&window=1h", want)
	s.stop()
	s = startServerWith(t, private, "", "citygrid")
	s.waitHeat("res=9&window=1h", want)
	if r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items)); r.Duplicates != 30 {
		t.Fatalf("the same events after the restart: %+v, want 30 duplicates", r)
	}
}
