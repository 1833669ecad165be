package wire_test

import (
	"strings"
	"testing"

	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/wire"
)

// One parser for the heat topic, whether a client asks over REST or the
// websocket: the defaults, the normal form of equivalent filters, and an error
// naming the field.
func TestQueryParse(t *testing.T) {
	cases := []struct {
		q    wire.Query
		view heat.ViewKey
		err  string
	}{
		{wire.Query{}, heat.ViewKey{Res: 8, Window: "1h"}, ""},
		{wire.Query{Res: "9", Window: "15m", Category: "theft", MinSeverity: "3"}, heat.ViewKey{Res: 9, Window: "15m", Filter: heat.Filter{Category: "theft", MinSeverity: 3}}, ""},
		{wire.Query{MinSeverity: "1"}, heat.ViewKey{Res: 8, Window: "1h"}, ""}, // keeps every severity, as none does
		{wire.Query{Res: "6"}, heat.ViewKey{}, "res: must be one of [7 8 9]"},
		{wire.Query{Res: "eight"}, heat.ViewKey{}, "res: must be one of [7 8 9]"},
		{wire.Query{Window: "2h"}, heat.ViewKey{}, "window: must be 15m, 1h or 24h"},
		{wire.Query{MinSeverity: "0"}, heat.ViewKey{}, "minSeverity: must be between 1 and 4"},
		{wire.Query{MinSeverity: "5"}, heat.ViewKey{}, "minSeverity: must be between 1 and 4"},
		{wire.Query{Category: strings.Repeat("c", 65)}, heat.ViewKey{}, "category: longer than 64 bytes"},
		{wire.Query{BBox: []float64{1, 2, 3}}, heat.ViewKey{}, "bbox: must be [minLng, minLat, maxLng, maxLat]"},
		{wire.Query{BBox: []float64{121, 31, 120, 32}}, heat.ViewKey{}, "bbox: min must not exceed max"},
		{wire.Query{BBox: []float64{-181, 31, 120, 32}}, heat.ViewKey{}, "bbox: outside lng -180..180, lat -90..90"},
	}
	for _, tc := range cases {
		got, err := tc.q.Parse()
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%+v: %v, want %q", tc.q, err, tc.err)
		case tc.err == "" && (err != nil || got.View != tc.view):
			t.Errorf("%+v: %+v %v, want %+v", tc.q, got.View, err, tc.view)
		}
	}
	got, err := wire.Query{BBox: []float64{120.5, 31.2, 120.8, 31.4}}.Parse()
	if err != nil || got.BBox == nil || got.BBox.Min[0] != 120.5 || got.BBox.Max[1] != 31.4 {
		t.Errorf("bbox: %+v %v", got.BBox, err)
	}
	if v, err := wire.SplitBBox("120.5, 31.2,120.8,31.4"); err != nil || len(v) != 4 || v[1] != 31.2 {
		t.Errorf("SplitBBox: %v %v", v, err)
	}
	if _, err := wire.SplitBBox("120.5,north,120.8,31.4"); err == nil || err.Error() != "bbox: must be minLng,minLat,maxLng,maxLat" {
		t.Errorf("SplitBBox of a word: %v", err)
	}
}

// A bbox of NaN or infinities is refused, not taken as the whole city.
func TestBBoxMustBeFinite(t *testing.T) {
	for _, s := range []string{"NaN,NaN,NaN,NaN", "120,31,Inf,32", "-Inf,31,121,32", "120,NaN,121,32"} {
		v, err := wire.SplitBBox(s)
		if err == nil {
			_, err = wire.ParseBBox(v)
		}
		if err == nil || !strings.Contains(err.Error(), "bbox:") {
			t.Errorf("bbox=%s: %v", s, err)
		}
	}
}
