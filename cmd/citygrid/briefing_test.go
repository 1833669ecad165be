package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/stream"
)

// briefingReply is what the test reads of GET /api/v1/briefing.
type briefingReply struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Incidents struct {
		Total              int                       `json:"total"`
		ByCategory         map[string]int            `json:"byCategory"`
		ByDistrict         map[string]int            `json:"byDistrict"`
		DistrictCategories map[string]map[string]int `json:"districtCategories"`
		ByHour             []struct {
			Start time.Time `json:"start"`
			Count int       `json:"count"`
		} `json:"byHour"`
		Previous   *periodReply `json:"previous"`
		WeekBefore *periodReply `json:"weekBefore"`
		Hottest    []struct {
			Cell  string `json:"cell"`
			Name  string `json:"name"`
			Count int    `json:"count"`
		} `json:"hottest"`
		LateArrivals int `json:"lateArrivals"`
	} `json:"incidents"`
	Alerts struct {
		Total      int                    `json:"total"`
		ByKind     map[string]int         `json:"byKind"`
		ByDistrict map[string]int         `json:"byDistrict"`
		Ack        timingReply            `json:"ack"`
		AckByKind  map[string]timingReply `json:"ackByKind"`
		AckByDist  map[string]timingReply `json:"ackByDistrict"`
	} `json:"alerts"`
	Dispatches struct {
		Total      int            `json:"total"`
		Cancelled  int            `json:"cancelled"`
		Arrived    int            `json:"arrived"`
		ByDistrict map[string]int `json:"byDistrict"`
		Response   timingReply    `json:"response"`
	} `json:"dispatches"`
	Districts map[string]string `json:"districts"`
	Error     string            `json:"error"`
}

// periodReply is a comparison period of the briefing.
type periodReply struct {
	From       time.Time      `json:"from"`
	To         time.Time      `json:"to"`
	Total      int            `json:"total"`
	ByDistrict map[string]int `json:"byDistrict"`
	Change     *float64       `json:"change"`
}

type timingReply struct {
	Count        int      `json:"count"`
	Median       *float64 `json:"medianSeconds"`
	P90          *float64 `json:"p90Seconds"`
	WithinTarget *float64 `json:"withinTarget"`
}

// nearestRank is the test's own percentile: sort, then the value at rank
// ⌈p·n⌉ (1-based).
func nearestRank(vs []float64, p float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	rank := int(math.Ceil(p * float64(len(s))))
	return s[rank-1]
}

// districtOf asks the places API which district holds a cell.
func districtOf(t *testing.T, s *server, p at) string {
	t.Helper()
	var r struct {
		Places []struct {
			District *struct{ Code string } `json:"district"`
		} `json:"places"`
	}
	if code := s.call("GET", "/api/v1/places?cell="+p.cell.String(), nil, &r); code != 200 || len(r.Places) != 1 || r.Places[0].District == nil {
		t.Fatalf("places: %d %+v", code, r)
	}
	return r.Places[0].District.Code
}

func sameTiming(t *testing.T, what string, got timingReply, secs []float64) {
	t.Helper()
	if got.Count != len(secs) || got.Median == nil || got.P90 == nil ||
		*got.Median != nearestRank(secs, 0.5) || *got.P90 != nearestRank(secs, 0.9) {
		t.Errorf("%s: got %+v (median %v, p90 %v), want %d with median %v, p90 %v", what, got,
			deref(got.Median), deref(got.P90), len(secs), nearestRank(secs, 0.5), nearestRank(secs, 0.9))
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// TestBriefingCountsWhatWasPosted posts incidents at known event times (all
// arriving late, some outside the window), opens alerts that are
// acknowledged after known delays, and sends units that arrive after known
// times; the briefing's figures must equal the test's own counts.
func TestBriefingCountsWhatWasPosted(t *testing.T) {
	rs := redistest.Start(t)
	t0 := time.Now().UTC().Truncate(time.Second)
	clock := newTestClock(t0)
	s := startOps(t, clock, rs, redistest.Prefix(t),
		`{`+rulesOff+`,"severe":{"minSeverity":4,"autoResolve":"10h"},"overdue":{"target":"2m","severity":2}}`)
	tick := func() { time.Sleep(400 * time.Millisecond) } // the board takes the clock at each tick (100 ms)

	// The window: five whole hours, t0 in the fourth.
	to := t0.Truncate(time.Hour).Add(2 * time.Hour)
	from := to.Add(-5 * time.Hour)
	places := []at{place(31.30, 120.60), place(31.40, 120.75), place(31.27, 120.74), place(31.50, 120.90)}
	dist := make([]string, len(places))
	for i, p := range places {
		dist[i] = districtOf(t, s, p)
	}
	cats := []string{"theft", "fire", "traffic"}

	// What the test expects, counted as it posts.
	total, prevTotal := 0, 0
	byCat, byDist, prevDist := map[string]int{}, map[string]int{}, map[string]int{}
	hours := make([]int, 5)
	var posted []incidentIn
	post := func(i int, ts time.Time, sev int) {
		p := places[i%len(places)]
		in := incidentIn{ID: fmt.Sprintf("b-%d", idSeq.Add(1)), Lat: p.lat, Lng: p.lng, Time: ts, Severity: sev, Category: cats[i%len(cats)]}
		posted = append(posted, in)
		d := dist[i%len(places)]
		switch {
		case !ts.Before(from) && ts.Before(to):
			total++
			byCat[in.Category]++
			byDist[d]++
			hours[int(ts.Sub(from)/time.Hour)]++
		case !ts.Before(from.Add(-5*time.Hour)) && ts.Before(from):
			prevTotal++
			prevDist[d]++
		}
	}
	// Late arrivals: event times from 12 hours before t0 to t0, every 7 min,
	// the window's edges among them.
	for i, ts := 0, t0.Add(-12*time.Hour); !ts.After(t0); i, ts = i+1, ts.Add(7*time.Minute) {
		post(i, ts, 1+i%3)
	}
	post(0, from, 1)                        // on the start: in
	post(1, from.Add(-time.Millisecond), 1) // just before: in the previous period
	s.send("/api/v1/incidents", posted)
	posted = nil

	// Alerts: severe incidents open them at once; each is acknowledged after
	// a known delay, one never.
	var acks []float64
	ackByDist := map[string][]float64{}
	alertsByDist := map[string]int{}
	for i, delay := range []time.Duration{20 * time.Second, 45 * time.Second, 100 * time.Second, 7 * time.Second, 0} {
		opened := clock.Now()
		post(i, opened, 4)
		s.send("/api/v1/incidents", posted)
		posted = nil
		alertsByDist[dist[i%len(places)]]++
		var a ops.Alert
		eventually(t, "the severe alert", func() bool {
			for _, x := range s.alerts("open").Alerts {
				if x.OpenedAt.Equal(opened) {
					a = x
					return true
				}
			}
			return false
		})
		if delay == 0 {
			continue
		}
		clock.Advance(delay)
		tick()
		if code := s.call("POST", "/api/v1/alerts/"+a.ID+"/ack", map[string]string{}, nil); code != 200 {
			t.Fatalf("ack: %d", code)
		}
		acks = append(acks, delay.Seconds())
		ackByDist[dist[i%len(places)]] = append(ackByDist[dist[i%len(places)]], delay.Seconds())
	}

	// Dispatches: each unit arrives after a known time; the target is 2 min.
	var responses []float64
	within, dispByDist := 0, map[string]int{}
	scene := func(i int) at { return places[i%len(places)] }
	overdue := 0
	for i, resp := range []time.Duration{60 * time.Second, 90 * time.Second, 180 * time.Second, 0} {
		unit := fmt.Sprintf("car-%d", i)
		home := place(31.45, 120.50)
		s.send("/api/v1/positions", positionIn{Unit: unit, Kind: "car", Status: "available", Lat: home.lat, Lng: home.lng, Time: clock.Now()})
		eventually(t, "the unit is known", func() bool { return len(s.units().Units) == i+1 })
		var d dispatchReply
		if code := s.call("POST", "/api/v1/dispatches", map[string]string{"unit": unit, "cell": scene(i).cell.String()}, &d); code != 201 {
			t.Fatalf("dispatch: %d %s", code, d.Error)
		}
		dispByDist[dist[i%len(places)]]++
		if resp == 0 { // never arrives: cancelled
			if code := s.call("POST", "/api/v1/dispatches/"+d.ID+"/cancel", map[string]string{}, nil); code != 200 {
				t.Fatalf("cancel: %d", code)
			}
			continue
		}
		clock.Advance(resp)
		tick()
		if resp > 2*time.Minute {
			overdue++
			eventually(t, "the overdue alert", func() bool { return len(kinds(s.alerts("open").Alerts, ops.KindOverdue)) == 1 })
		}
		p := scene(i)
		s.send("/api/v1/positions", positionIn{Unit: unit, Kind: "car", Status: "dispatched", Lat: p.lat, Lng: p.lng, Time: clock.Now()})
		eventually(t, "on scene", func() bool { return s.dispatch(d.ID).Status == ops.OnScene })
		// A later report from the scene does not move the arrival.
		s.send("/api/v1/positions", positionIn{Unit: unit, Kind: "car", Status: "dispatched", Lat: p.lat, Lng: p.lng, Time: clock.Now().Add(20 * time.Second)})
		responses = append(responses, resp.Seconds())
		if resp <= 2*time.Minute {
			within++
		}
	}

	// After the window: an incident past its end.
	clock.Advance(to.Sub(clock.Now()) + time.Minute)
	tick()
	post(2, clock.Now(), 1)
	s.send("/api/v1/incidents", posted)

	var b briefingReply
	q := "/api/v1/briefing?from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339))
	if code := s.call("GET", q, nil, &b); code != 200 {
		t.Fatalf("briefing: %d %s", code, b.Error)
	}
	in := b.Incidents
	t.Logf("expected: %d incidents in %d districts, %d in the previous period, hours %v; acks %v; responses %v",
		total, len(byDist), prevTotal, hours, acks, responses)
	if in.Total != total || !equalCounts(in.ByCategory, byCat) || !equalCounts(in.ByDistrict, byDist) {
		t.Errorf("incidents: %d %v %v, want %d %v %v", in.Total, in.ByCategory, in.ByDistrict, total, byCat, byDist)
	}
	if len(in.ByHour) != len(hours) {
		t.Fatalf("byHour: %d hours, want %d", len(in.ByHour), len(hours))
	}
	for i, h := range in.ByHour {
		if h.Count != hours[i] || !h.Start.Equal(from.Add(time.Duration(i)*time.Hour)) {
			t.Errorf("hour %d: %v %d, want %v %d", i, h.Start, h.Count, from.Add(time.Duration(i)*time.Hour), hours[i])
		}
	}
	if in.Previous == nil || in.Previous.Total != prevTotal || !equalCounts(in.Previous.ByDistrict, prevDist) ||
		in.Previous.Change == nil || *in.Previous.Change != float64(total-prevTotal)/float64(prevTotal) {
		t.Errorf("previous: %+v, want %d %v", in.Previous, prevTotal, prevDist)
	}
	if in.WeekBefore != nil {
		t.Errorf("the week before is beyond the streams' retention, and no hour of it is archived: %+v", in.WeekBefore)
	}
	// Every counted incident arrived after its event time, but only those
	// stored after the window's end are late arrivals: none here.
	if in.LateArrivals != 0 {
		t.Errorf("lateArrivals: %d, want 0", in.LateArrivals)
	}
	if n := 0; len(in.Hottest) == 0 || in.Hottest[0].Name == "" {
		t.Errorf("hottest: %+v", in.Hottest)
	} else {
		for _, h := range in.Hottest {
			n += h.Count
		}
		if n != total {
			t.Errorf("the hottest places hold %d incidents, want all %d (the test uses %d places)", n, total, len(places))
		}
	}

	al := b.Alerts
	wantKinds := map[string]int{ops.KindSevere: 5, ops.KindOverdue: overdue}
	if al.Total != 5+overdue || !equalCounts(al.ByKind, wantKinds) {
		t.Errorf("alerts: %d %v, want %d %v", al.Total, al.ByKind, 5+overdue, wantKinds)
	}
	for d, n := range alertsByDist {
		if al.ByDistrict[d] < n {
			t.Errorf("alerts in %s: %d, want at least the %d severe", d, al.ByDistrict[d], n)
		}
	}
	sameTiming(t, "ack", al.Ack, acks)
	sameTiming(t, "ack of severe", al.AckByKind[ops.KindSevere], acks)
	for d, secs := range ackByDist {
		sameTiming(t, "ack in "+d, al.AckByDist[d], secs)
	}

	ds := b.Dispatches
	if ds.Total != 4 || ds.Cancelled != 1 || ds.Arrived != 3 || !equalCounts(ds.ByDistrict, dispByDist) {
		t.Errorf("dispatches: %+v, want 4, 1 cancelled, 3 arrived, %v", ds, dispByDist)
	}
	sameTiming(t, "response", ds.Response, responses)
	if w := ds.Response.WithinTarget; w == nil || *w != float64(within)/float64(len(responses)) {
		t.Errorf("within target: %v, want %d/%d", deref(w), within, len(responses))
	}
	for _, d := range dist {
		if b.Districts[d] == "" {
			t.Errorf("district %s: no name", d)
		}
	}

	// The CSV's city row says the same.
	req, _ := http.NewRequest("GET", s.URL+strings.Replace(q, "briefing?", "briefing.csv?table=incidents&", 1), nil)
	resp, body := s.do(req)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
	if resp.StatusCode != 200 || err != nil || len(rows) < 2 || rows[0][2] != "total" || rows[1][2] != fmt.Sprint(total) ||
		rows[1][3] != fmt.Sprint(prevTotal) {
		t.Errorf("csv: %d %v %q", resp.StatusCode, err, body)
	}
}

func TestBriefingRefusesABadWindow(t *testing.T) {
	now := time.Now().UTC()
	s := startServerClock(t, func() time.Time { return now }, "", redistest.Prefix(t))
	f := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339)) }
	cases := []struct{ query, field string }{
		{"from=yesterday", "from"},
		{"to=2026-13-01T00:00:00Z", "to"},
		{"from=" + f(now.Add(-2*time.Hour)) + "&to=" + f(now.Add(-3*time.Hour)), "to"},
		{"from=" + f(now.Add(-time.Hour)) + "&to=" + f(now.Add(-time.Hour)), "to"},
		{"from=" + f(now.Add(-8*24*time.Hour)) + "&to=" + f(now.Add(-7*24*time.Hour)), "from"},
		{"from=" + f(now.Add(-6*24*time.Hour)) + "&to=" + f(now.Add(2*24*time.Hour)), "to"},
		{"from=" + f(now.Add(time.Hour)), "from"},
	}
	for _, c := range cases {
		for _, path := range []string{"/api/v1/briefing?", "/api/v1/briefing.csv?table=alerts&"} {
			var r struct{ Error string }
			if code := s.call("GET", path+c.query, nil, &r); code != 400 || !strings.HasPrefix(r.Error, c.field+":") {
				t.Errorf("%s%s: %d %q, want 400 naming %s", path, c.query, code, r.Error, c.field)
			}
		}
	}
	var r struct{ Error string }
	if code := s.call("GET", "/api/v1/briefing.csv?table=everything", nil, &r); code != 400 || !strings.HasPrefix(r.Error, "table:") {
		t.Errorf("unknown table: %d %q", code, r.Error)
	}
	// The default window: a day ending at 08:00 in the profile's zone.
	var b briefingReply
	if code := s.call("GET", "/api/v1/briefing", nil, &b); code != 200 || b.To.Sub(b.From) != 24*time.Hour || b.To.After(now) ||
		now.Sub(b.To) >= 24*time.Hour || b.To.In(time.FixedZone("CST", 8*3600)).Hour() != 8 {
		t.Errorf("default window: %d %v – %v (%s)", code, b.From, b.To, b.Error)
	}
}

// TestBriefingComparesWithTheWeekBefore: the default briefing's week before
// starts eight days back, beyond the streams' seven. The hours the streams
// held are archived as they end (briefing.Hours), so a week on the briefing
// compares with them: the week before's figures are the incidents posted
// then, though the streams dropped them long ago; a period not on the hour,
// or one whose hours were never archived, is null, not a guess.
func TestBriefingComparesWithTheWeekBefore(t *testing.T) {
	h0 := time.Now().UTC().Truncate(time.Hour).Add(-30 * 24 * time.Hour)
	clock := newTestClock(h0.Add(-30 * time.Minute))
	s := startServerWith(t, func(c *Config) { c.now = clock.Now; c.hoursEvery = 20 * time.Millisecond }, "", "briefing-week")
	redis := s.app.embedded
	advanceTo := func(at time.Time) {
		clock.Advance(at.Sub(clock.Now()))
		redis.SetTime(clock.Now())
	}
	advanceTo(clock.Now())
	places := []at{place(31.30, 120.60), place(31.40, 120.75), place(31.27, 120.74)}
	dist := make([]string, len(places))
	for i, p := range places {
		dist[i] = districtOf(t, s, p)
	}
	week := map[string]int{}
	weekTotal := 0
	// The week before: incidents in its two hours (and one just after, not counted).
	for _, step := range []struct {
		at       time.Duration
		place, n int
	}{{10 * time.Minute, 0, 3}, {50 * time.Minute, 1, 2}, {70 * time.Minute, 2, 4}, {130 * time.Minute, 0, 5}} {
		advanceTo(h0.Add(step.at))
		s.send("/api/v1/incidents", burst(places[step.place], step.n, clock.Now(), 2))
		if step.at < 2*time.Hour {
			week[dist[step.place]] += step.n
			weekTotal += step.n
		}
	}
	advanceTo(h0.Add(3*time.Hour + time.Minute))
	hours := stream.NewHourStore(s.app.rdb, stream.Layout{Prefix: "briefing-week"})
	eventually(t, "the archive holds the two hours", func() bool {
		got, err := hours.Hours(context.Background(), []int64{h0.Unix() / 3600, h0.Unix()/3600 + 1})
		return err == nil && len(got) == 2
	})

	// A week on: the window, with its own incidents.
	from := h0.AddDate(0, 0, 7)
	to := from.Add(2 * time.Hour)
	advanceTo(to.Add(5 * time.Minute))
	s.send("/api/v1/incidents", burst(places[1], 4, from.Add(30*time.Minute), 2))
	briefingOf := func(from, to time.Time) briefingReply {
		t.Helper()
		var b briefingReply
		q := "/api/v1/briefing?from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339))
		eventually(t, "the window's incidents stored", func() bool {
			return s.call("GET", q, nil, &b) == 200 && b.Incidents.Total == 4
		})
		return b
	}
	b := briefingOf(from, to)
	wb := b.Incidents.WeekBefore
	if wb == nil {
		t.Fatal("the week before is null: its hours were archived")
	}
	if wb.Total != weekTotal || !equalCounts(wb.ByDistrict, week) || !wb.From.Equal(h0) || !wb.To.Equal(h0.Add(2*time.Hour)) {
		t.Errorf("the week before: %+v, want %d %v from %s", *wb, weekTotal, week, h0)
	}
	if want := float64(4-weekTotal) / float64(weekTotal); wb.Change == nil || math.Abs(*wb.Change-want) > 1e-9 {
		t.Errorf("change against the week before: %v, want %v", deref(wb.Change), want)
	}
	// The previous period (the two hours before) the streams still hold: none.
	if p := b.Incidents.Previous; p == nil || p.Total != 0 {
		t.Errorf("the previous period: %+v, want 0 from the streams", p)
	}
	// Not on the hour: the archive cannot split an hour.
	if b := briefingOf(from.Add(-30*time.Minute), to); b.Incidents.WeekBefore != nil {
		t.Errorf("a week before not on the hour: %+v, want null", *b.Incidents.WeekBefore)
	}
}

// The briefing ranks the districts' safety index as it stood at the window's
// end (the hourly marks), with the change over the window; a window whose
// end has no marks gets the ranking as it stands, said to be live.
func TestBriefingRanksTheIndexAsItStood(t *testing.T) {
	rs := redistest.Start(t)
	prefix := redistest.Prefix(t)
	now := time.Now().UTC().Truncate(time.Second)
	s := startServerClock(t, func() time.Time { return now }, rs.URL(), prefix)
	var live struct {
		Rows []struct{ Code string } `json:"rows"`
	}
	eventually(t, "the districts' index", func() bool {
		return s.call("GET", "/api/v1/index?level=district", nil, &live) == 200 && len(live.Rows) > 2
	})
	to := now.Truncate(time.Hour).Add(-2 * time.Hour)
	from := to.Add(-24 * time.Hour)
	store := stream.NewSafetyStore(rs.Client(), stream.Layout{Prefix: prefix})
	yearDay := func(t time.Time) (int, int) { return t.Year(), t.YearDay() }
	atEnd, atStart := map[string]stream.Mark{}, map[string]stream.Mark{}
	want := map[string]float64{} // index at the end
	for i, r := range live.Rows {
		idx := uint16(5000 + 400*((i*7)%len(live.Rows))) // a ranking unlike the live one
		atEnd[r.Code] = stream.Mark{idx, 9000, 8000, 7000, 6000}
		want[r.Code] = float64(idx) / 100
		if i > 0 { // the first district has no mark at the start
			atStart[r.Code] = stream.Mark{idx - 150, 9000, 8000, 7000, 6000}
		}
	}
	ctx := context.Background()
	if err := store.SaveMarks(ctx, to, yearDay, atEnd); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveMarks(ctx, from, yearDay, atStart); err != nil {
		t.Fatal(err)
	}
	type ranked struct {
		AsOf  time.Time `json:"asOf"`
		Since time.Time `json:"since"`
		Live  bool      `json:"live"`
		Rows  []struct {
			Code        string   `json:"code"`
			Index       float64  `json:"index"`
			RankInLevel int      `json:"rankInLevel"`
			Change      *float64 `json:"change"`
		} `json:"rows"`
	}
	ask := func(from, to time.Time) ranked {
		t.Helper()
		var b struct {
			Safety ranked `json:"safety"`
			Error  string `json:"error"`
		}
		q := "/api/v1/briefing?from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339))
		if code := s.call("GET", q, nil, &b); code != 200 {
			t.Fatalf("briefing: %d %s", code, b.Error)
		}
		return b.Safety
	}
	got := ask(from, to.Add(20*time.Minute)) // the hour's mark stands for the whole hour
	if got.Live || !got.AsOf.Equal(to) || !got.Since.Equal(from) || len(got.Rows) != len(live.Rows) {
		t.Fatalf("as it stood: live %v, asOf %s since %s, %d rows; want %s, %s, %d", got.Live, got.AsOf, got.Since, len(got.Rows), to, from, len(live.Rows))
	}
	for i, r := range got.Rows {
		if r.Index != want[r.Code] {
			t.Errorf("%s: index %v, want %v", r.Code, r.Index, want[r.Code])
		}
		if i > 0 && r.Index > got.Rows[i-1].Index {
			t.Errorf("not best first: %v after %v", r.Index, got.Rows[i-1].Index)
		}
		if i > 0 && r.Index < got.Rows[i-1].Index && r.RankInLevel != i+1 {
			t.Errorf("%s: rank %d at place %d", r.Code, r.RankInLevel, i+1)
		}
		switch _, started := atStart[r.Code]; {
		case !started && r.Change != nil:
			t.Errorf("%s: a change %v without a mark at the start", r.Code, *r.Change)
		case started && (r.Change == nil || math.Abs(*r.Change-1.5) > 1e-9):
			t.Errorf("%s: change %v, want 1.5", r.Code, deref(r.Change))
		}
	}
	// An hour without marks: the ranking as it stands, said so.
	if got := ask(from.Add(-time.Hour), to.Add(-time.Hour)); !got.Live || !got.AsOf.Equal(now) || len(got.Rows) != len(live.Rows) {
		t.Errorf("without marks at the end: live %v asOf %s (now %s), %d rows", got.Live, got.AsOf, now, len(got.Rows))
	}
}
