package hub

import (
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
)

// whole are the whole-state layers of a loop with an ops board.
var whole = []string{"alerts", "dispatches"}

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
		sub, err := parseSubscribe([]byte(tc.msg), whole)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.msg, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.msg, err, tc.err)
		}
		if tc.err == "" && (!sub.heat && !sub.units && !sub.regions && len(sub.whole) == 0) {
			t.Errorf("%s: no layer", tc.msg)
		}
	}
	// Whole layers come in the loop's order, whatever the message's.
	if sub, _ := parseSubscribe([]byte(`{"type":"subscribe","layers":["dispatches","alerts"]}`), whole); strings.Join(sub.whole, ",") != "alerts,dispatches" || sub.heat {
		t.Errorf("ops layers: %+v", sub)
	}
	if _, err := parseSubscribe([]byte(`{"type":"subscribe","layers":["alerts"]}`), nil); err == nil || !strings.Contains(err.Error(), "(heat, units, regions)") {
		t.Errorf("a layer no fold publishes: %v", err)
	}
	sub, _ := parseSubscribe([]byte(`{"type":"subscribe"}`), whole)
	if sub.View != (heat.ViewKey{Res: 8, Window: "1h"}) || !sub.heat || !sub.units || sub.BBox != nil {
		t.Errorf("defaults: %+v", sub)
	}
	if sub, _ := parseSubscribe([]byte(`{"type":"subscribe","layers":["regions"],"level":"street","window":"24h"}`), whole); sub.regionTopic() != (heat.RegionTopic{Level: geo.LevelStreet, Window: "24h"}) {
		t.Errorf("regions: %+v", sub)
	}
}

func FuzzSubscribe(f *testing.F) {
	f.Add([]byte(`{"type":"subscribe","layers":["heat","units"],"res":8,"window":"1h","bbox":[120.5,31.2,120.8,31.4]}`))
	f.Add([]byte(`{"type":"subscribe","minSeverity":2,"category":"theft"}`))
	f.Add([]byte(`{"type":"subscribe","layers":["alerts","dispatches"]}`))
	f.Add([]byte(`{"type":"subscribe","res":-1}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		sub, err := parseSubscribe(msg, whole)
		if err != nil {
			return
		}
		if !slices.Contains(geo.HeatResolutions, sub.View.Res) {
			t.Fatalf("res %d accepted", sub.View.Res)
		}
		if !slices.ContainsFunc(geo.Windows, func(w geo.Window) bool { return w.Name == sub.View.Window }) {
			t.Fatalf("window %q accepted", sub.View.Window)
		}
		if sub.BBox != nil && (sub.BBox.Min[0] > sub.BBox.Max[0] || sub.BBox.Min[1] > sub.BBox.Max[1]) {
			t.Fatalf("inverted bbox accepted: %v", sub.BBox)
		}
	})
}
