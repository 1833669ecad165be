package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// replayFrame is a frame of a replay as a client reads it.
type replayFrame struct {
	Type   string `json:"type"`
	Error  string `json:"error"`
	Tick   uint64 `json:"tick"`
	Seq    uint64 `json:"seq"`
	Res    int    `json:"res"`
	Window string `json:"window"`
	AsOf   string `json:"asOf"`
	Total  *int   `json:"total"`
	Cells  []struct {
		Cell  string `json:"cell"`
		Count int    `json:"count"`
	} `json:"cells"`
	Units []struct {
		Unit string `json:"unit"`
		Gone bool   `json:"gone"`
	} `json:"units"`
	Replay *struct {
		At     time.Time `json:"at"`
		From   time.Time `json:"from"`
		To     time.Time `json:"to"`
		Speed  float64   `json:"speed"`
		Paused bool      `json:"paused"`
		Ended  bool      `json:"ended"`
		Error  string    `json:"error"`
	} `json:"replay"`
}

func (f replayFrame) counts() map[string]int {
	m := map[string]int{}
	for _, c := range f.Cells {
		m[c.Cell] = c.Count
	}
	return m
}

// send sends a message, at most 4 a second: the hub closes a client that
// sends more than 5 (a scrubber throttles its seeks the same way).
func (c *wsClient) send(v any) {
	c.t.Helper()
	if wait := time.Until(c.lastSend.Add(250 * time.Millisecond)); wait > 0 {
		time.Sleep(wait) // the hub's rate limit runs on the real clock
	}
	c.lastSend = time.Now()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *wsClient) nextReplay(timeout time.Duration) (replayFrame, time.Time) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	at := time.Now()
	var f replayFrame
	if err := json.Unmarshal(b, &f); err != nil {
		c.t.Fatalf("frame %q: %v", b, err)
	}
	return f, at
}

// until reads frames until one satisfies ok, failing on an error frame.
func (c *wsClient) until(what string, ok func(replayFrame) bool) replayFrame {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		f, _ := c.nextReplay(10 * time.Second)
		if f.Type == "error" {
			c.t.Fatalf("waiting for %s: error frame %q", what, f.Error)
		}
		if ok(f) {
			return f
		}
	}
	c.t.Fatalf("no %s in 10 s", what)
	return replayFrame{}
}

func replayMsg(from, to time.Time, speed float64, window string) map[string]any {
	return map[string]any{"type": "replay", "from": from.Format(time.RFC3339Nano), "to": to.Format(time.RFC3339Nano),
		"speed": speed, "res": 8, "window": window}
}

// TestReplayHeatEqualsLive feeds incidents (some late) and positions over
// an hour and a half of a test clock, Redis's clock moved with it so entry
// ids are the arrivals the live fold saw, recording the live REST heat at
// several times; then it replays the span, seeks to each of those times,
// and holds the replayed heat to what the live API answered.
func TestReplayHeatEqualsLive(t *testing.T) {
	clock := newTestClock(testStart())
	s := startServerClock(t, clock.Now, "", "replay-eq")
	redis := s.app.embedded
	redis.SetTime(clock.Now())
	advance := func(d time.Duration) {
		clock.Advance(d)
		redis.SetTime(clock.Now())
	}
	places := []at{place(31.30, 120.60), place(31.32, 120.63), place(31.27, 120.58), place(31.35, 120.70)}
	windows := []string{"15m", "1h"}
	type record struct {
		at    time.Time
		heat  map[string]map[string]int // by window
		units int
	}
	var records []record
	start := clock.Now()
	posted := 0
	units := map[string]bool{}
	for step := range 18 {
		now := clock.Now()
		var in []incidentIn
		for i, p := range places {
			n := 1 + (step+i)%3
			in = append(in, burst(p, n, now.Add(-time.Duration(i)*20*time.Second), 2)...)
			if (step+i)%4 == 0 { // late: happened 40 minutes before it arrived
				in = append(in, burst(p, 2, now.Add(-40*time.Minute), 3)...)
			}
		}
		posted += len(in)
		s.send("/api/v1/incidents", in)
		unit := fmt.Sprintf("car-%d", step%5)
		units[unit] = true
		s.send("/api/v1/positions", positionIn{Unit: unit, Kind: "car", Status: "available", Lat: places[step%4].lat, Lng: places[step%4].lng, Time: now})
		// Wait until the live fold has every incident posted (all in 24h).
		deadline := time.Now().Add(10 * time.Second)
		for s.heat("res=8&window=24h").Total != posted {
			if time.Now().After(deadline) {
				t.Fatalf("step %d: live heat never reached %d incidents", step, posted)
			}
			time.Sleep(5 * time.Millisecond) // the fold is asynchronous; its clock is not the matter here
		}
		if step%3 == 2 {
			r := record{at: clock.Now(), heat: map[string]map[string]int{}}
			for _, w := range windows {
				h := s.heat("res=8&window=" + w)
				if asOf, _ := time.Parse(time.RFC3339Nano, h.AsOf); !asOf.Equal(r.at) {
					t.Fatalf("live heat asOf %s, want the test clock %s", h.AsOf, r.at)
				}
				r.heat[w] = h.counts()
			}
			r.units = len(units)
			records = append(records, r)
		}
		advance(5*time.Minute + 3*time.Second)
	}
	end := clock.Now()
	// The windows must have moved: the last 15m heat holds less than all.
	if last := records[len(records)-1].heat["15m"]; sum(last) >= posted || sum(last) == 0 {
		t.Fatalf("the last 15m heat holds %d of %d incidents: the test does not exercise expiry", sum(last), posted)
	}
	c := s.dial(`{"type":"subscribe","layers":["heat"],"res":8,"window":"15m"}`)
	for _, w := range windows {
		c.send(replayMsg(start, end, 1, w))
		c.until("the replay's first snapshot", func(f replayFrame) bool { return f.Type == "snapshot" && f.Replay != nil })
		c.send(map[string]any{"type": "replay", "action": "pause"})
		c.until("the paused frame", func(f replayFrame) bool { return f.Replay != nil && f.Replay.Paused })
		// Seek back and forth: builds from scratch and moves on.
		order := slices.Clone(records)
		slices.Reverse(order)
		order = append(order, records...)
		for _, r := range order {
			c.send(map[string]any{"type": "replay", "action": "seek", "at": r.at.Format(time.RFC3339Nano)})
			f := c.until("the snapshot at "+r.at.String(), func(f replayFrame) bool {
				return f.Type == "snapshot" && f.Replay != nil && f.Replay.At.Equal(r.at)
			})
			if f.Window != w || f.Res != 8 {
				t.Fatalf("snapshot of res %d window %s, want 8 %s", f.Res, f.Window, w)
			}
			if got := f.counts(); !equalCounts(got, r.heat[w]) {
				t.Errorf("window %s at %s: replay differs from live: %s", w, r.at.Format(time.TimeOnly), diffCounts(got, r.heat[w]))
			}
			if asOf, _ := time.Parse(time.RFC3339Nano, f.AsOf); !asOf.Equal(r.at) {
				t.Errorf("snapshot asOf %s, want the replayed time %s", f.AsOf, r.at)
			}
		}
	}
	// Units: the replayed units at the last record are the live ones then.
	c.send(replayMsg(start, end, 1, "1h"))
	last := records[len(records)-1]
	c.send(map[string]any{"type": "replay", "action": "seek", "at": last.at.Format(time.RFC3339Nano)})
	f := c.until("the units' snapshot", func(f replayFrame) bool {
		return f.Type == "snapshot" && f.Replay != nil && f.Replay.At.Equal(last.at)
	})
	if len(f.Units) != last.units {
		t.Errorf("replay at %s has %d units, want %d", last.at, len(f.Units), last.units)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
