package hub

import (
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
)

func TestParseSubscribe(t *testing.T) {
	cases := []struct {
		msg, err string
	}{
		{`{"type":"subscribe"}`, ""},
		{`{"type":"subscribe","layers":["heat"],"res":9,"window":"15m","bbox":[120.5,31.2,120.8,31.4],"category":"theft","minSeverity":3}`, ""},
		{`{"type":"subscribe","res":6}`, "res: must be one of"},
		{`{"type":"subscribe","window":"2h"}`, "window: must be 15m, 1h or 24h"},
		{`{"type":"subscribe","layers":["pizza"]}`, "layers: unknown layer"},
		{`{"type":"subscribe","bbox":[1,2,3]}`, "bbox: must be"},
		{`{"type":"subscribe","bbox":[121,31,120,32]}`, "bbox: min must not exceed max"},
		{`{"type":"subscribe","minSeverity":9}`, "minSeverity: must be between 1 and 4"},
		{`{"type":"dance"}`, "type: unknown message type"},
		{`{"type":"subscribe","layers":["regions"],"level":"street"}`, ""},
		{`{"type":"subscribe","layers":["regions"],"level":"city"}`, "level: must be district"},
		{`{"type":"subscribe","layers":["heat"],"level":"street"}`, "level: only with the regions layer"},
		{`not json`, "message: not a JSON object"},
		{`{"type":"subscribe","layers":["alerts","dispatches"]}`, ""},
	}
	for _, tc := range cases {
		sub, err := parseSubscribe([]byte(tc.msg))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.msg, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.msg, err, tc.err)
		}
		if tc.err == "" && (!sub.heat && !sub.units && sub.regions == "" && !sub.alerts && !sub.dispatches) {
			t.Errorf("%s: no layer", tc.msg)
		}
	}
	if sub, _ := parseSubscribe([]byte(`{"type":"subscribe","layers":["alerts","dispatches"]}`)); !sub.alerts || !sub.dispatches || sub.heat {
		t.Errorf("ops layers: %+v", sub)
	}
	sub, _ := parseSubscribe([]byte(`{"type":"subscribe"}`))
	if sub.key != (live.ViewKey{Res: 8, Window: "1h"}) || !sub.heat || !sub.units || sub.bbox != nil {
		t.Errorf("defaults: %+v", sub)
	}
}

func FuzzSubscribe(f *testing.F) {
	f.Add([]byte(`{"type":"subscribe","layers":["heat","units"],"res":8,"window":"1h","bbox":[120.5,31.2,120.8,31.4]}`))
	f.Add([]byte(`{"type":"subscribe","minSeverity":2,"category":"theft"}`))
	f.Add([]byte(`{"type":"subscribe","layers":["alerts","dispatches"]}`))
	f.Add([]byte(`{"type":"subscribe","res":-1}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		sub, err := parseSubscribe(msg)
		if err != nil {
			return
		}
		if !slices.Contains(geo.HeatResolutions, sub.key.Res) {
			t.Fatalf("res %d accepted", sub.key.Res)
		}
		if _, err := live.WindowByName(sub.key.Window); err != nil {
			t.Fatalf("window %q accepted", sub.key.Window)
		}
		if sub.bbox != nil && (sub.bbox.Min[0] > sub.bbox.Max[0] || sub.bbox.Min[1] > sub.bbox.Max[1]) {
			t.Fatalf("inverted bbox accepted: %v", sub.bbox)
		}
	})
}
