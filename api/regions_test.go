package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/tiles"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
)

// regionServer serves the regions and tiles endpoints over a small
// hierarchy: two square districts, one street in the first.
func regionServer(t *testing.T) (http.Handler, *geo.RegionStore) {
	t.Helper()
	sq := func(x0, y0, x1, y1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
	}
	dl, err := geo.NewLayer(geo.LevelDistrict, []geo.Division{
		{Code: "D1", Name: "一区", Shape: sq(120.50, 31.20, 120.60, 31.30)},
		{Code: "D2", Name: "二区", Shape: sq(120.60, 31.20, 120.70, 31.30)},
	})
	if err != nil {
		t.Fatal(err)
	}
	sl, err := geo.NewLayer(geo.LevelStreet, []geo.Division{{Code: "S1", Name: "街", Parent: "D1", Generated: true, Shape: sq(120.50, 31.20, 120.55, 31.25)}})
	if err != nil {
		t.Fatal(err)
	}
	regions, err := geo.NewRegions(dl, sl)
	if err != nil {
		t.Fatal(err)
	}
	store := geo.NewRegionStore(regions)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	loop := live.NewLoop(live.Config{Now: clock}, heat.NewState(now))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = loop.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	p := &geo.Profile{Bound: orb.Bound{Min: orb.Point{120.5, 31.2}, Max: orb.Point{120.7, 31.3}}}
	h := New(Config{Loop: loop, Regions: store, MaxLayer: 4 << 10, Now: clock,
		Tiles: tiles.New(tiles.Config{Regions: store.Load, Bound: p.Bound})})

	// Incidents and units, with codes as ingest assigns them.
	var es []geo.Event
	for i, pt := range []orb.Point{{120.52, 31.22}, {120.58, 31.28}, {120.65, 31.25}, {121, 31}} {
		in := geo.Incident{ID: string(rune('a' + i)), Category: "theft", Severity: 1 + i%4, Lat: pt.Lat(), Lng: pt.Lon(), Time: now.Add(-time.Minute)}
		in.Regions = store.Load().Assign(pt)
		es = append(es, geo.IncidentEvent(in))
	}
	for i, st := range []string{geo.StatusAvailable, geo.StatusOffDuty} {
		pt := orb.Point{120.52, 31.22}
		es = append(es, geo.PositionEvent(geo.Position{Unit: string(rune('u' + i)), Status: st, Lat: pt.Lat(), Lng: pt.Lon(), Time: now, Regions: store.Load().Assign(pt)}))
	}
	if err := loop.Add(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	return h, store
}

func do(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	w := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Host = "127.0.0.1" // open mode answers loopback names only
	req.Header.Set("Content-Type", "application/geo+json")
	h.ServeHTTP(w, req)
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return w.Code, m
}

func TestRegionFiguresEndpoint(t *testing.T) {
	h, _ := regionServer(t)
	code, m := do(t, h, "GET", "/api/v1/regions/district?window=1h", "")
	if code != 200 {
		t.Fatalf("%d %v", code, m)
	}
	rows := m["regions"].([]any)
	if len(rows) != 2 {
		t.Fatalf("%d regions, want 2: %v", len(rows), m)
	}
	d1 := rows[0].(map[string]any)
	if d1["code"] != "D1" || d1["incidents"] != 2.0 || d1["unitsOnDuty"] != 1.0 || d1["name"] != "一区" {
		t.Fatalf("D1 = %v", d1)
	}
	if d2 := rows[1].(map[string]any); d2["incidents"] != 1.0 || d2["unitsOnDuty"] != 0.0 {
		t.Fatalf("D2 = %v", d2)
	}
	// D1's one (generated) street counts both of D1's incidents, the one
	// outside its shape too: the streets of a district add up to it.
	code, m = do(t, h, "GET", "/api/v1/regions/street?parent=D1", "")
	if s := m["regions"].([]any)[0].(map[string]any); code != 200 || s["incidents"] != 2.0 || s["generated"] != true {
		t.Fatalf("street: %d %v", code, m)
	}
	for _, path := range []string{"/api/v1/regions/city", "/api/v1/regions/ward", "/api/v1/regions/district?window=2h"} {
		if code, m := do(t, h, "GET", path, ""); code != 400 || m["error"] == nil {
			t.Errorf("%s: %d %v, want 400 with an error", path, code, m)
		}
	}
	if code, _ := do(t, h, "GET", "/api/v1/regions/district?code=D9", ""); code != 404 {
		t.Errorf("unknown code: %d, want 404", code)
	}
}

// Every bad upload gets its own clear error and leaves the serving layer as
// it was; a good one replaces it.
func TestRegionUploads(t *testing.T) {
	h, store := regionServer(t)
	before := store.Load()
	feature := func(geom, props string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + geom + `,"properties":` + props + `}]}`
	}
	square := `{"type":"Polygon","coordinates":[[[120.5,31.2],[120.6,31.2],[120.6,31.3],[120.5,31.3],[120.5,31.2]]]}`
	cases := []struct {
		name, level, body string
		code              int
		want              string
	}{
		{"not json", "district", `{"type":`, 400, "not a GeoJSON FeatureCollection"},
		{"no features", "district", `{"type":"FeatureCollection","features":[]}`, 400, "features: empty"},
		{"line", "district", feature(`{"type":"LineString","coordinates":[[120.5,31.2],[120.6,31.3]]}`, `{"code":"X"}`), 400, "feature 0: geometry: LineString, want Polygon or MultiPolygon"},
		{"unclosed", "district", feature(`{"type":"Polygon","coordinates":[[[120.5,31.2],[120.6,31.2],[120.6,31.3],[120.5,31.3]]]}`, `{"code":"X"}`), 400, "not closed"},
		{"bowtie", "district", feature(`{"type":"Polygon","coordinates":[[[120.5,31.2],[120.6,31.3],[120.6,31.2],[120.5,31.3],[120.5,31.2]]]}`, `{"code":"X"}`), 400, "self-intersecting"},
		{"no code", "district", feature(square, `{"name":"x"}`), 400, "feature 0: properties.code: missing"},
		{"no parent", "street", feature(square, `{"code":"S2"}`), 400, "properties.parent: missing"},
		{"unknown parent", "street", feature(square, `{"code":"S2","parent":"D9"}`), 400, `parent "D9" is not a district`},
		{"city", "city", feature(square, `{"code":"C"}`), 400, "level"},
		{"too big", "district", feature(square, `{"code":"X","name":"`+strings.Repeat("x", 5000)+`"}`), 413, "limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, m := do(t, h, "PUT", "/api/v1/regions/"+c.level, c.body)
			if code != c.code || !strings.Contains(m["error"].(string), c.want) {
				t.Fatalf("%d %v, want %d and an error containing %q", code, m, c.code, c.want)
			}
			if store.Load() != before {
				t.Fatal("a bad upload changed the serving regions")
			}
		})
	}
	code, m := do(t, h, "PUT", "/api/v1/regions/street", feature(square, `{"code":"S2","name":"新街","parent":"D1"}`))
	if code != 200 || m["regions"] != 1.0 {
		t.Fatalf("good upload: %d %v", code, m)
	}
	// The new street is D1's square: it nests, and the report says so.
	slivers, _ := m["slivers"].([]any)
	if len(slivers) != 1 {
		t.Fatalf("good upload: slivers %v, want one report (street in district)", m["slivers"])
	}
	if sl := slivers[0].(map[string]any); sl["level"] != "street" || sl["parent"] != "district" || sl["outsideParentKm2"].(float64) > 0.05 {
		t.Fatalf("slivers of a street that nests: %v", sl)
	}
	if store.Load().Layer(geo.LevelStreet).Division("S2") == nil || store.Load().Layer(geo.LevelDistrict) != before.Layer(geo.LevelDistrict) {
		t.Fatal("the upload did not replace just the street level")
	}
}

func TestTilesRoute(t *testing.T) {
	h, _ := regionServer(t)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, localRequest("GET", "/tiles/regions/10/855/418.pbf"))
	if w.Code != 200 || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	if _, err := mvt.UnmarshalGzipped(w.Body.Bytes()); err != nil {
		t.Fatal(err)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, localRequest("GET", "/tiles/regions/10/9999/418.pbf"))
	if w.Code != 400 {
		t.Fatalf("bad x: %d", w.Code)
	}
}

// localRequest is a request to a server in open mode, as a browser on the
// same machine sends it.
func localRequest(method, path string) *http.Request {
	r := httptest.NewRequest(method, path, nil)
	r.Host = "localhost:8080"
	return r
}

// A place is named by the regions holding its centre: the street where there
// is one, the district elsewhere; bad cells are refused by field.
func TestPlacesAreNamedByRegion(t *testing.T) {
	h, _ := regionServer(t)
	inStreet := geo.CellOf(orb.Point{120.52, 31.22}, 9).String()
	inD2 := geo.CellOf(orb.Point{120.65, 31.25}, 8).String()
	outside := geo.CellOf(orb.Point{121.5, 31.0}, 8).String()
	code, m := do(t, h, "GET", "/api/v1/places?cell="+inStreet+"&cells="+inD2+","+outside, "")
	if code != 200 {
		t.Fatalf("%d %v", code, m)
	}
	places := m["places"].([]any)
	if len(places) != 3 {
		t.Fatalf("%d places: %v", len(places), m)
	}
	first, second, third := places[0].(map[string]any), places[1].(map[string]any), places[2].(map[string]any)
	if first["cell"] != inStreet || first["name"] != "街" || first["district"].(map[string]any)["code"] != "D1" {
		t.Errorf("in the street: %v", first)
	}
	if second["name"] != "二区" || second["street"] != nil {
		t.Errorf("in D2, no street: %v", second)
	}
	if third["name"] != "" || third["district"] != nil {
		t.Errorf("outside the city: %v", third)
	}
	for _, q := range []string{"", "cell=nonsense", "cells=" + strings.Repeat(inD2+",", 201)} {
		if code, m := do(t, h, "GET", "/api/v1/places?"+q, ""); code != 400 || !strings.HasPrefix(m["error"].(string), "cell:") {
			t.Errorf("%.40s: %d %v", q, code, m)
		}
	}
}
