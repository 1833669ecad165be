package hub

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/replay"
)

func TestParseReplay(t *testing.T) {
	cases := []struct {
		msg, err string
	}{
		{`{"type":"replay","from":"2026-12-04T22:00:00Z","to":"2026-12-05T06:00:00Z"}`, ""},
		{`{"type":"replay","from":"2026-12-04T22:00:00.250+08:00","to":"2026-12-05T06:00:00Z","speed":600,"res":9,"window":"15m","layers":["heat"]}`, ""},
		{`{"type":"replay","to":"2026-12-05T06:00:00Z"}`, "from: required"},
		{`{"type":"replay","from":"yesterday","to":"2026-12-05T06:00:00Z"}`, "from: not an RFC 3339 time"},
		{`{"type":"replay","from":"2026-12-04T22:00:00Z","to":"2026-12-05T06:00:00Z","layers":["heat","alerts"]}`, ""},
		{`{"type":"replay","from":"2026-12-04T22:00:00Z","to":"2026-12-05T06:00:00Z","layers":["regions"]}`, "layers: a replay does not show the regions layer"},
		{`{"type":"replay","from":"2026-12-04T22:00:00Z","to":"2026-12-05T06:00:00Z","res":5}`, "res: must be one of"},
	}
	for _, tc := range cases {
		m, err := parseMessage([]byte(tc.msg))
		if err != nil {
			t.Fatalf("%s: %v", tc.msg, err)
		}
		req, _, err := m.replayRequest(whole)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.msg, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.msg, err, tc.err)
		case tc.err == "" && (req.Speed < 1 || req.From.IsZero() || req.To.IsZero()):
			t.Errorf("%s: %+v", tc.msg, req)
		}
	}
	m, _ := parseMessage([]byte(`{"type":"replay","from":"2026-12-04T22:00:00Z","to":"2026-12-05T06:00:00Z"}`))
	req, sub, _ := m.replayRequest(whole)
	if req.Speed != 60 || req.View != (heat.ViewKey{Res: 8, Window: "1h"}) || !sub.heat || !sub.units {
		t.Errorf("defaults: %+v %+v", req, sub)
	}
	m, _ = parseMessage([]byte(`{"type":"replay","from":"2026-12-04T22:00:00Z","to":"2026-12-05T06:00:00Z","layers":["heat","alerts","units"]}`))
	if req, _, _ := m.replayRequest(whole); strings.Join(req.Layers, ",") != "alerts" {
		t.Errorf("the whole layers asked for: %q, want [alerts]", req.Layers)
	}
	if _, err := parseMessage([]byte(`{"type":"rewind"}`)); err == nil || !strings.Contains(err.Error(), "send subscribe, replay or live") {
		t.Errorf("an unknown type: %v", err)
	}
}

// TestEncodeReplay: a replay frame is a live frame's shape with the replay
// member, valid JSON once closed.
func TestEncodeReplay(t *testing.T) {
	at := time.Date(2026, 12, 5, 3, 30, 0, 0, time.UTC)
	m, _ := parseMessage([]byte(`{"type":"replay","from":"2026-12-04T22:00:00Z","to":"2026-12-05T06:00:00Z"}`))
	req, sub, _ := m.replayRequest(whole)
	for _, snap := range []bool{true, false} {
		f := replay.Frame{Snapshot: snap, Seq: 3, At: at, From: req.From, To: req.To, Speed: 60, Paused: true,
			View: req.View, Total: 5, Totals: heat.Totals{"15m": 1, "1h": 5, "24h": 9}, Err: "x"}
		var got struct {
			Type   string `json:"type"`
			Tick   int    `json:"tick"`
			AsOf   string `json:"asOf"`
			Seq    int    `json:"seq"`
			Replay struct {
				At, From, To string
				Speed        float64
				Paused       bool
				Ended        bool
				Error        string
			} `json:"replay"`
		}
		b := closeFrame(encodeReplay(f, sub), 7)
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		want := map[bool]string{true: "snapshot", false: "delta"}[snap]
		if got.Type != want || got.Tick != 3 || got.Seq != 7 || got.AsOf != "2026-12-05T03:30:00.000Z" ||
			got.Replay.At != got.AsOf || got.Replay.From != "2026-12-04T22:00:00.000Z" || !got.Replay.Paused || got.Replay.Speed != 60 || got.Replay.Error != "x" {
			t.Errorf("%s", b)
		}
	}
}

// TestEncodeReplayLayers: the whole layers asked for that the frame carries
// go in as their members, in the order asked; the others are left out.
func TestEncodeReplayLayers(t *testing.T) {
	m, _ := parseMessage([]byte(`{"type":"replay","from":"2026-12-04T22:00:00Z","to":"2026-12-05T06:00:00Z","layers":["heat","dispatches","alerts"]}`))
	req, sub, err := m.replayRequest(whole)
	if err != nil {
		t.Fatal(err)
	}
	f := replay.Frame{Seq: 2, At: req.From, From: req.From, To: req.To, Speed: 60, View: req.View,
		Layers: map[string][]byte{"alerts": []byte(`"alerts":{"active":[1]}`), "cases": []byte(`"cases":{}`)}}
	var got map[string]json.RawMessage
	b := closeFrame(encodeReplay(f, sub), 2)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if string(got["alerts"]) != `{"active":[1]}` {
		t.Errorf("alerts: %s in %s", got["alerts"], b)
	}
	if _, ok := got["cases"]; ok {
		t.Errorf("a layer not asked for was sent: %s", b)
	}
	if _, ok := got["dispatches"]; ok {
		t.Errorf("a layer the frame does not carry (unchanged) was sent: %s", b)
	}
}
