package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/safety"
	"github.com/citygrid/citygrid/stream"
)

// handWorked is testdata/safety/three-streets.json.
type handWorked struct {
	Now      time.Time `json:"now"`
	District string    `json:"district"`
	Streets  []struct {
		Code       string     `json:"code"`
		Name       string     `json:"name"`
		Population float64    `json:"population"`
		Square     [4]float64 `json:"square"`
	} `json:"streets"`
	History struct {
		From   string                          `json:"from"`
		To     string                          `json:"to"`
		PerDay map[string]map[string][4]uint32 `json:"perDay"`
	} `json:"history"`
	Week []struct {
		Street   string `json:"street"`
		Category string `json:"category"`
		Severity int    `json:"severity"`
		PerDay   int    `json:"perDay"`
		Once     bool   `json:"once"`
		Count    int    `json:"count"`
	} `json:"week"`
	Expected []safety.Row `json:"expected"`
}

// The API answers exactly the index worked out by hand in
// testdata/safety/three-streets.json: three uploaded streets, four weeks of
// stored history read back at start, a week of incidents posted.
func TestIndexOfTheHandWorkedExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "safety", "three-streets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ex handWorked
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	cfg, err := safety.Load(os.DirFS(filepath.Join("..", "..", "profiles")), "suzhou")
	if err != nil {
		t.Fatal(err)
	}
	loc := cfg.Location()
	// The stored history, as the safety store keeps days (docs/SAFETY.md).
	store := stream.NewSafetyStore(rs.Client(), stream.Layout{Prefix: prefix})
	from, _ := time.ParseInLocation(time.DateOnly, ex.History.From, loc)
	to, _ := time.ParseInLocation(time.DateOnly, ex.History.To, loc)
	days := map[string][]byte{}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		rows := map[string]safety.Counts{}
		for code, subs := range ex.History.PerDay {
			var n safety.Counts
			for k, key := range safety.SubKeys {
				n[k] = subs[key]
			}
			rows[code] = n
		}
		days[d.Format(time.DateOnly)] = gzipJSON(t, map[string]any{"v": 1, "date": d.Format(time.DateOnly), "from": d, "rows": rows})
	}
	if err := store.SaveDays(context.Background(), days); err != nil {
		t.Fatal(err)
	}

	now := ex.Now
	s := startServerClock(t, func() time.Time { return now }, rs.URL(), prefix)
	// The three streets, in place of the district's.
	var features []string
	for _, st := range ex.Streets {
		q := st.Square
		features = append(features, fmt.Sprintf(`{"type":"Feature","properties":{"code":%q,"name":%q,"parent":%q,"population":%v},`+
			`"geometry":{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}}`,
			st.Code, st.Name, ex.District, st.Population, q[0], q[1], q[2], q[1], q[2], q[3], q[0], q[3], q[0], q[1]))
	}
	layer := `{"type":"FeatureCollection","features":[` + join(features) + `]}`
	if code := s.call("PUT", "/api/v1/regions/street", json.RawMessage(layer), nil); code != 200 {
		t.Fatalf("PUT streets: %d", code)
	}
	// The week: at noon on each of its days ("once" and "count" on the third).
	centre := map[string][2]float64{}
	for _, st := range ex.Streets {
		centre[st.Code] = [2]float64{(st.Square[0] + st.Square[2]) / 2, (st.Square[1] + st.Square[3]) / 2}
	}
	var incidents []map[string]any
	start := now.AddDate(0, 0, -7)
	add := func(street, cat string, sev int, day time.Time) {
		c := centre[street]
		incidents = append(incidents, map[string]any{"id": fmt.Sprintf("ex-%d", len(incidents)), "lng": c[0], "lat": c[1],
			"category": cat, "severity": sev, "time": day.Add(12 * time.Hour).Format(time.RFC3339)})
	}
	for _, w := range ex.Week {
		for d := range 7 {
			day := start.AddDate(0, 0, d)
			for range w.PerDay {
				add(w.Street, w.Category, w.Severity, day)
			}
			if d == 2 {
				if w.Once {
					add(w.Street, w.Category, w.Severity, day)
				}
				for range w.Count {
					add(w.Street, w.Category, w.Severity, day)
				}
			}
		}
	}
	ws := s.dial(`{"type":"subscribe","layers":["index"]}`)
	body, _ := json.Marshal(incidents)
	if r := s.post("/api/v1/incidents", "application/json", body); r.Status != 202 {
		t.Fatalf("post: %d %+v", r.Status, r.IngestAnswer)
	}
	var got safety.List
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code := s.call("GET", "/api/v1/index?level=street&period=7d&fresh=1", nil, &got); code != 200 {
			t.Fatalf("GET index: %d", code)
		}
		if matches(got.Rows, ex.Expected) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !matches(got.Rows, ex.Expected) {
		for _, code := range []string{"EX-A", "EX-B", "EX-C"} {
			var d safety.Detail
			s.call("GET", "/api/v1/index/"+code+"?period=7d", nil, &d)
			t.Logf("%s: %+v %+v", code, d.Row, d.Inputs)
		}
		t.Fatalf("rows %+v\nwant %+v", got.Rows, ex.Expected)
	}
	// The websocket layer carries the same rows, from the recomputation.
	for {
		f, _ := ws.next(5 * time.Second)
		if f.Index != nil && matches(f.Index.Streets, ex.Expected) {
			var districts safety.List
			s.call("GET", "/api/v1/index?level=district", nil, &districts)
			if f.Index.Period != "7d" || f.Index.City == nil || f.Index.City.Code != "3205" || len(f.Index.Districts) != len(districts.Rows) ||
				f.Index.Districts[0] != districts.Rows[0] {
				t.Fatalf("index layer: %+v", f.Index)
			}
			break
		}
	}
	// Refusals, each documented.
	for path, want := range map[string]int{
		"/api/v1/index?level=planet":          400,
		"/api/v1/index?period=1y":             400,
		"/api/v1/index/EX-A?days=-1":          400,
		"/api/v1/index/EX-A?days=9999":        400,
		"/api/v1/index/EX-Z":                  404,
		"/api/v1/index?level=city&period=24h": 200,
	} {
		if code := s.call("GET", path, nil, nil); code != want {
			t.Errorf("GET %s: %d, want %d", path, code, want)
		}
	}
	// The detail explains it: the points lost add up to what the index lacks.
	var d safety.Detail
	if code := s.call("GET", "/api/v1/index/EX-B?period=7d&days=30", nil, &d); code != 200 {
		t.Fatalf("GET EX-B: %d", code)
	}
	lost := 0.0
	for _, in := range d.Inputs {
		lost += in.Lost
	}
	if d.Index != 80.3 || d.Inputs[0].Weighted != 15 || d.Inputs[0].Expected != 7 || d.Inputs[0].Count != 8 || fmt.Sprintf("%.1f", 100-lost) != "80.3" {
		t.Fatalf("EX-B detail: %+v", d)
	}
}

// matches reports whether rows hold exactly the expected rows (code, index,
// band, sub-indices, ranks), and nothing else.
func matches(rows, want []safety.Row) bool {
	if len(rows) != len(want) {
		return false
	}
	for i, w := range want {
		r := rows[i]
		if r.Code != w.Code || r.Index != w.Index || r.Band != w.Band || r.Sub != w.Sub || r.Rank != w.Rank || r.RankInLevel != w.RankInLevel {
			return false
		}
	}
	return true
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

func gzipJSON(t *testing.T, v any) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}
