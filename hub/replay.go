package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/replay"
	"github.com/citygrid/citygrid/wire"
)

// The message types a client may send.
const (
	msgSubscribe = "subscribe"
	msgReplay    = "replay"
	msgLive      = "live"
)

// parseMessage reads a client's message and checks its type.
func parseMessage(data []byte) (message, error) {
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("message: not a JSON object: %v", err)
	}
	switch m.Type {
	case msgSubscribe, msgReplay, msgLive:
		return m, nil
	}
	return m, fmt.Errorf("type: unknown message type %q (send subscribe, replay or live)", m.Type)
}

// replayRequest reads a replay message that starts a replay: its span and
// speed, and the heat view and layers as a subscribe gives them (the whole
// layers the player can replay, Player.Check says which).
func (m message) replayRequest(whole []string) (replay.Request, subscription, error) {
	var req replay.Request
	sub, err := m.subscription(whole)
	if err != nil {
		return req, sub, err
	}
	if sub.regions {
		return req, sub, fmt.Errorf("layers: a replay does not show the regions layer")
	}
	req.Layers = sub.whole
	for _, f := range []struct {
		name, v string
		t       *time.Time
	}{{"from", m.From, &req.From}, {"to", m.To, &req.To}} {
		if f.v == "" {
			return req, sub, fmt.Errorf("%s: required (RFC 3339)", f.name)
		}
		if *f.t, err = time.Parse(time.RFC3339, f.v); err != nil {
			return req, sub, fmt.Errorf("%s: not an RFC 3339 time: %q", f.name, f.v)
		}
	}
	req.Speed = m.Speed
	if req.Speed == 0 {
		req.Speed = defaultSpeed
	}
	req.View = sub.View
	return req, sub, nil
}

// defaultSpeed is a replay's speed when the message gives none: an hour a
// minute.
const defaultSpeed = 60

// replayMessage starts or controls the client's replay.
func (c *client) replayMessage(m message) error {
	p := c.hub.cfg.Replays
	if p == nil {
		return errors.New("replay: not available on this server")
	}
	if m.Action == "" || m.Action == "start" {
		req, sub, err := m.replayRequest(c.hub.whole)
		if err == nil {
			err = p.Check(req)
		}
		if err != nil {
			return err // the client keeps what it had
		}
		c.endReplay()
		c.mu.Lock()
		c.replaying, c.pending, c.resync = true, nil, false
		c.mu.Unlock()
		s, err := p.Start(c.hub.ctx, req, func(f replay.Frame) bool { return c.enqueueReplay(f, sub) })
		if err != nil {
			c.mu.Lock()
			c.replaying = false
			c.mu.Unlock()
			c.requestResync() // back to live, which it missed meanwhile
			return err
		}
		c.mu.Lock()
		c.replay = s
		c.mu.Unlock()
		return nil
	}
	c.mu.Lock()
	s := c.replay
	c.mu.Unlock()
	if s == nil {
		return errors.New("replay: no replay is running (start one)")
	}
	switch m.Action {
	case "pause":
		return s.Pause()
	case "resume":
		return s.Resume()
	case "speed":
		return s.SetSpeed(m.Speed)
	case "seek":
		at, err := time.Parse(time.RFC3339, m.At)
		if err != nil {
			return fmt.Errorf("at: not an RFC 3339 time: %q", m.At)
		}
		return s.Seek(at)
	}
	return fmt.Errorf("action: unknown replay action %q (start, pause, resume, seek, speed)", m.Action)
}

// endReplay stops the client's replay, if any, and drops its frames not yet
// written; the client is then live again (and needs a snapshot: requestResync).
func (c *client) endReplay() {
	c.mu.Lock()
	s := c.replay
	c.replay, c.replaying, c.replayOut = nil, false, nil
	c.mu.Unlock()
	if s != nil {
		s.Stop()
	}
}

// enqueueReplay queues a replay frame, on the session's goroutine. A client
// whose queue is full drops its queued deltas and this frame, and the session
// sends a snapshot next (it returns false); snapshots and the last frame are
// always queued, in place of what waits.
func (c *client) enqueueReplay(f replay.Frame, sub subscription) bool {
	body := encodeReplay(f, sub)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.replaying || c.done {
		return true
	}
	ok := true
	switch {
	case f.Snapshot || f.Ended:
		if f.Snapshot {
			c.replayOut = c.replayOut[:0]
		}
	case len(c.replayOut) >= c.hub.cfg.Queue:
		c.replayOut = nil
		c.resyncs()
		ok = false
	}
	if ok {
		c.replayOut = append(c.replayOut, body)
	}
	c.wakeLocked()
	return ok
}

func (c *client) resyncs() { c.hub.resyncs.Add(1) }

// encodeReplay encodes a replay frame as the live frames of its layers are,
// with the replay member: the session's frame number as the tick, the replayed
// time as asOf.
func encodeReplay(f replay.Frame, sub subscription) []byte {
	typ := "delta"
	if f.Snapshot {
		typ = "snapshot"
	}
	b := appendHeader(make([]byte, 0, 256+32*len(f.Cells)), typ, f.Seq, sub, f.At)
	if sub.heat {
		if f.Snapshot {
			b = wire.AppendHeat(b, f.Cells, sub.BBox)
		} else {
			if sub.BBox == nil {
				b = append(b, `,"total":`...)
				b = strconv.AppendInt(b, f.Total, 10)
			}
			b = append(b, `,"cells":`...)
			b = wire.AppendCells(b, f.Cells, sub.BBox)
		}
		if sub.BBox == nil {
			b = wire.AppendTotals(b, f.Totals)
		}
	}
	if sub.units {
		b = append(b, `,"units":`...)
		b = wire.AppendUnits(b, f.Units, sub.BBox)
	}
	for _, name := range sub.whole {
		if members, ok := f.Layers[name]; ok {
			b = append(b, ',')
			b = append(b, members...)
		}
	}
	b = append(b, `,"replay":{"at":`...)
	b = wire.AppendTime(b, f.At)
	b = append(b, `,"from":`...)
	b = wire.AppendTime(b, f.From)
	b = append(b, `,"to":`...)
	b = wire.AppendTime(b, f.To)
	b = append(b, `,"speed":`...)
	b = strconv.AppendFloat(b, f.Speed, 'f', -1, 64)
	b = append(b, `,"paused":`...)
	b = strconv.AppendBool(b, f.Paused)
	b = append(b, `,"ended":`...)
	b = strconv.AppendBool(b, f.Ended)
	if f.Err != "" {
		e, _ := json.Marshal(f.Err)
		b = append(b, `,"error":`...)
		b = append(b, e...)
	}
	return append(b, '}')
}

// Replays is how many replays are running on the node.
func (h *Hub) Replays() int {
	if h.cfg.Replays == nil {
		return 0
	}
	return h.cfg.Replays.Running()
}
