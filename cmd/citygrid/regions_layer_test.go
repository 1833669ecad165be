package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/profiles"
	"github.com/paulmach/orb"
)

type regionsFrame struct {
	Type    string `json:"type"`
	Level   string `json:"level"`
	Regions []struct {
		Code      string `json:"code"`
		Incidents int    `json:"incidents"`
	} `json:"regions"`
}

// The websocket's regions layer carries the same figures as GET
// /api/v1/regions/{level}, and follows new incidents.
func TestRegionsLayer(t *testing.T) {
	s := startServer(t, "", "regionslayer")
	items, _ := randomIncidents(t, 500, 11, "reg", 8)
	if r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items)); r.Accepted != 500 {
		t.Fatalf("post: %+v", r)
	}
	s.waitHeatTotal(t, 500)

	rest := func() map[string]int {
		resp, err := http.Get(s.URL + "/api/v1/regions/district?window=1h")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var ans regionsFrame
		if err := json.Unmarshal(b, &ans); err != nil || resp.StatusCode != 200 {
			t.Fatalf("regions: %d %s", resp.StatusCode, b)
		}
		return regionCounts(ans)
	}
	want := rest()
	sum := 0
	for _, n := range want {
		sum += n
	}
	if len(want) < 9 || sum == 0 {
		t.Fatalf("REST regions: %d districts, %d incidents", len(want), sum)
	}

	ws := s.dial(`{"type":"subscribe","layers":["regions"],"level":"district","window":"1h"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := ws.conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var snap regionsFrame
	if err := json.Unmarshal(b, &snap); err != nil || snap.Type != "snapshot" || snap.Level != "district" {
		t.Fatalf("snapshot: %s", b)
	}
	if got := regionCounts(snap); !equalCounts(got, want) {
		t.Fatalf("snapshot regions differ from REST: %s", diffCounts(got, want))
	}

	// More incidents: a delta within a few heartbeats carries the new figures.
	more, _ := randomIncidents(t, 200, 12, "reg2", 8)
	if r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, more)); r.Accepted != 200 {
		t.Fatalf("post more: %+v", r)
	}
	s.waitHeatTotal(t, 700)
	want = rest()
	for {
		_, b, err := ws.conn.Read(ctx)
		if err != nil {
			t.Fatalf("no delta with the new figures: %v (want %v)", err, want)
		}
		var f regionsFrame
		json.Unmarshal(b, &f)
		if f.Regions != nil && equalCounts(regionCounts(f), want) {
			return
		}
	}
}

func regionCounts(f regionsFrame) map[string]int {
	m := map[string]int{}
	for _, r := range f.Regions {
		m[r.Code] = r.Incidents
	}
	return m
}

func (s *server) waitHeatTotal(t *testing.T, total int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.heat("res=7&window=1h").Total != total {
		if time.Now().After(deadline) {
			t.Fatalf("heat total never reached %d", total)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The region figures of every level add up to the level above, through the
// whole path (ingest assigns the codes, the fold counts them, the API lists
// them): a briefing's districts and their streets never disagree.
func TestRegionFiguresAddUp(t *testing.T) {
	s := startServer(t, "", "regionsums")
	items, _ := randomIncidents(t, 3000, 31, "sum", 8)
	// A 503 says nothing was acknowledged: a feed retries the whole batch, as
	// here (a busy machine's Redis may time out a write; the sums are the test).
	r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items))
	for try := 0; r.Status == 503 && try < 3; try++ {
		r = s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items))
	}
	if r.Accepted+r.Duplicates != 3000 {
		t.Fatalf("post: %+v", r)
	}
	s.waitHeatTotal(t, 3000)
	type row struct {
		Code      string `json:"code"`
		Parent    string `json:"parent"`
		Incidents int    `json:"incidents"`
	}
	level := func(name string) []row {
		var ans struct {
			Regions []row `json:"regions"`
		}
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/regions/"+name+"?window=1h", nil)
		resp, b := s.do(req)
		if err := json.Unmarshal(b, &ans); err != nil || resp.StatusCode != 200 {
			t.Fatalf("regions %s: %d %s", name, resp.StatusCode, b)
		}
		return ans.Regions
	}
	levels := []string{"district", "street", "community", "grid"}
	rows := map[string][]row{}
	for _, lv := range levels {
		rows[lv] = level(lv)
	}
	total := 0
	for _, r := range rows["district"] {
		total += r.Incidents
	}
	if total < 2900 {
		t.Fatalf("the districts count %d of 3,000 incidents in the city", total)
	}
	for i := 1; i < len(levels); i++ {
		sums, kids := map[string]int{}, map[string]bool{}
		for _, r := range rows[levels[i]] {
			sums[r.Parent] += r.Incidents
			kids[r.Parent] = true
		}
		for _, r := range rows[levels[i-1]] {
			if kids[r.Code] && sums[r.Code] != r.Incidents {
				t.Errorf("%s %s counts %d, its %ss %d", levels[i-1], r.Code, r.Incidents, levels[i], sums[r.Code])
			}
		}
	}
}

// An uploaded level is applied by every node on the same Redis, and kept
// across restarts.
func TestUploadedRegionsReachEveryNodeAndOutliveARestart(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	a := startServer(t, rs.URL(), prefix)
	b := startServer(t, rs.URL(), prefix)
	profile, err := geo.LoadProfile(profiles.FS, "suzhou")
	if err != nil {
		t.Fatal(err)
	}
	regions, err := geo.LoadRegions(profiles.FS, profile)
	if err != nil {
		t.Fatal(err)
	}
	lng, lat := 120.62, 31.31
	community := regions.Assign(orb.Point{lng, lat}).Community
	d := 0.002
	layer := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"UPLOADED-1","name":"上传网格","parent":%q},"geometry":{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}}]}`,
		community, lng-d, lat-d, lng+d, lat-d, lng+d, lat+d, lng-d, lat+d, lng-d, lat-d)
	req, _ := http.NewRequest("PUT", a.URL+"/api/v1/regions/grid", strings.NewReader(layer))
	req.Header.Set("Content-Type", "application/geo+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	grids := func(s *server) map[string]int {
		var ans regionsFrame
		if code := s.call("GET", "/api/v1/regions/grid?window=1h", nil, &ans); code != 200 {
			t.Fatalf("regions: %d", code)
		}
		return regionCounts(ans)
	}
	has := func(s *server) bool { _, ok := grids(s)["UPLOADED-1"]; return ok }
	if !has(a) {
		t.Fatal("the node that took the upload does not have it")
	}
	uploaded := time.Now()
	eventually(t, "the other node applies the upload", func() bool { return has(b) && len(grids(b)) == 1 })
	applied := time.Since(uploaded)
	a.stop()
	b.stop()
	c := startServer(t, rs.URL(), prefix)
	eventually(t, "a node started again applies it", func() bool { return has(c) && len(grids(c)) == 1 })
	attacked(t, "11. a region level uploaded to node 1 of 2, then both restarted", "every node applies it within 2 s, and after a restart",
		fmt.Sprintf("node 2 applied it after %v; a node started again has it", applied.Round(100*time.Millisecond)))
}
