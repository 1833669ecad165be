package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// The attacks of a hostile client and of a bad night in the machine room are
// tests of this package, each against a real server on loopback, bounded in
// requests and time. Each records what it tried, what it expected, and what
// it observed; `make attack` runs them (see ATTACKS in the Makefile) with
// CITYGRID_ATTACK_TABLE naming a file, which TestMain writes the table to.
var attackRows struct {
	sync.Mutex
	rows []*attackRow
}

type attackRow struct {
	attack, expected, observed string
	held                       bool
}

// attacked records one attack of test t. Whether it held is known when t
// ends: a failed test marks its rows as not held.
func attacked(t *testing.T, attack, expected, observed string) {
	t.Helper()
	row := &attackRow{attack: attack, expected: expected, observed: observed}
	attackRows.Lock()
	attackRows.rows = append(attackRows.rows, row)
	attackRows.Unlock()
	t.Cleanup(func() { row.held = !t.Failed() })
}

func TestMain(m *testing.M) {
	code := m.Run()
	if path := os.Getenv("CITYGRID_ATTACK_TABLE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			printAttacks(f)
			err = f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "attack table:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func printAttacks(out io.Writer) {
	attackRows.Lock()
	defer attackRows.Unlock()
	// In the order: numbered items first, then the smaller holes.
	number := func(r *attackRow) int {
		n, err := strconv.Atoi(strings.SplitN(r.attack, ".", 2)[0])
		if err != nil {
			return 1 << 30
		}
		return n
	}
	slices.SortStableFunc(attackRows.rows, func(a, b *attackRow) int { return cmp.Compare(number(a), number(b)) })
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ATTACK\tEXPECTED\tOBSERVED\tHELD")
	for _, r := range attackRows.rows {
		held := "yes"
		if !r.held {
			held = "NO"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.attack, r.expected, r.observed, held)
	}
	w.Flush()
}

// answered is how a refused request reads in the table: its status and
// the first error it gave.
func answered(code int, body string) string {
	var a struct {
		Error    string `json:"error"`
		Rejected []struct {
			Error string `json:"error"`
		} `json:"rejected"`
	}
	_ = json.Unmarshal([]byte(body), &a)
	if a.Error == "" && len(a.Rejected) > 0 {
		a.Error = a.Rejected[0].Error
	}
	if len(a.Error) > 60 {
		a.Error = a.Error[:57] + "..."
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", code, a.Error))
}

// zigzagRing is a closed ring of n vertices that zig-zags without crossing
// itself: the worst case of a naive self-intersection check (every edge
// against every other).
func zigzagRing(n int, lng, lat float64) string {
	var b strings.Builder
	half := n / 2
	step := 0.01 / float64(half)
	b.WriteString("[")
	for i := range half { // along the bottom, teeth down
		y := lat
		if i%2 == 1 {
			y -= 0.0005
		}
		fmt.Fprintf(&b, "[%.7f,%.7f],", lng+float64(i)*step, y)
	}
	for i := half - 1; i >= 0; i-- { // back along the top, teeth up
		y := lat + 0.002
		if i%2 == 1 {
			y += 0.0005
		}
		fmt.Fprintf(&b, "[%.7f,%.7f],", lng+float64(i)*step, y)
	}
	fmt.Fprintf(&b, "[%.7f,%.7f]]", lng, lat)
	return b.String()
}

// The smaller holes: hidden characters, empty batches, NaN boxes, markup in
// region codes, a huge ring to validate.
func TestSmallerHolesAreClosed(t *testing.T) {
	s := startServer(t, "", "holes")
	send := func(method, path, ct, body string) (int, string) {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct{ attack, body, field string }{
		{"title with U+202E (right-to-left override)", `{"id":"h-1","lat":31.3,"lng":120.6,"title":"a` + "\u202e" + `b"}`, `"title:`},
		{"title with U+0085 (C1 next line)", `{"id":"h-2","lat":31.3,"lng":120.6,"title":"a` + "\u0085" + `b"}`, `"title:`},
		{"title with invalid UTF-8", "{\"id\":\"h-3\",\"lat\":31.3,\"lng\":120.6,\"title\":\"a\xffb\"}", `"title:`},
	} {
		code, body := send("POST", "/api/v1/incidents", "application/json", c.body)
		if code != 400 || !strings.Contains(body, c.field) {
			t.Errorf("%s: %d %s", c.attack, code, body)
		}
		attacked(t, "incident: "+c.attack, "400 naming the field", answered(code, body))
	}
	code, body := send("POST", "/api/v1/incidents", "application/json", `[]`)
	if code != 400 || !strings.Contains(body, "no items") {
		t.Errorf("[]: %d %s", code, body)
	}
	attacked(t, "incidents: an empty batch []", "400 with an error text", answered(code, body))
	code, body = send("GET", "/api/v1/heat?res=8&window=1h&bbox=NaN,NaN,NaN,NaN", "", "")
	if code != 400 {
		t.Errorf("NaN bbox: %d %s", code, body)
	}
	attacked(t, "heat: bbox=NaN,NaN,NaN,NaN", "400, not an unfiltered 200", answered(code, body))
	s.send("/api/v1/positions", positionIn{Unit: "car-1", Status: "available", Lat: 31.3, Lng: 120.6, Time: time.Now()})
	eventually(t, "the unit known", func() bool { return len(s.units().Units) == 1 })
	beijing := geo.CellOf(orb.Point{116.40, 39.90}, geo.FineRes).String()
	code, body = send("POST", "/api/v1/dispatches", "application/json", `{"unit":"car-1","cell":"`+beijing+`"}`)
	if code != 400 || !strings.Contains(body, "outside the city") {
		t.Errorf("a dispatch to Beijing: %d %s", code, body)
	}
	attacked(t, "dispatch: to a cell in Beijing", "400 naming the cell", answered(code, body))
	layer := func(code, ring string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":` + code +
			`,"name":"x"},"geometry":{"type":"Polygon","coordinates":[` + ring + `]}}]}`
	}
	square := "[[120.6,31.3],[120.61,31.3],[120.61,31.31],[120.6,31.31],[120.6,31.3]]"
	code, body = send("PUT", "/api/v1/regions/district", "application/geo+json", layer(`"<img src=x onerror=alert(1)>"`, square))
	if code != 400 || !strings.Contains(body, "code") {
		t.Errorf("markup code: %d %s", code, body)
	}
	attacked(t, "regions: a code holding markup", "400 naming the code", answered(code, body))
	// A ring that crosses itself once, at its far end, after 40,000
	// vertices of teeth: the whole ring must be checked.
	ring := zigzagRing(40_000, 120.60, 31.30)
	ring = strings.TrimSuffix(ring, "]") + ",[120.61,31.299],[120.60,31.3]]"
	start := time.Now()
	code, body = send("PUT", "/api/v1/regions/district", "application/geo+json", layer(`"ZZ-1"`, ring))
	took := time.Since(start)
	if code != 400 || !strings.Contains(body, "cross") {
		t.Errorf("zig-zag ring: %d %.200s", code, body)
	}
	attacked(t, "4. regions: a 40,000-vertex zig-zag ring crossing itself", "400, checked in O(n log n)",
		fmt.Sprintf("%d in %v", code, took.Round(time.Millisecond)))
}
