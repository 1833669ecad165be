package briefing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/briefing"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
)

func TestTheDefaultWindowIsTheDayTo0800InTheZone(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	s := briefing.New(briefing.Config{Zone: shanghai})
	cases := []struct{ now, from, to string }{
		{"2026-12-05T09:00:00+08:00", "2026-12-04T08:00:00+08:00", "2026-12-05T08:00:00+08:00"},
		{"2026-12-05T08:00:00+08:00", "2026-12-04T08:00:00+08:00", "2026-12-05T08:00:00+08:00"},
		{"2026-12-05T07:59:59+08:00", "2026-12-03T08:00:00+08:00", "2026-12-04T08:00:00+08:00"},
		{"2026-12-05T01:00:00Z", "2026-12-04T08:00:00+08:00", "2026-12-05T08:00:00+08:00"},
	}
	for _, c := range cases {
		now, _ := time.Parse(time.RFC3339, c.now)
		from, to := s.Window(now)
		if from.Format(time.RFC3339) != mustUTC(c.from) || to.Format(time.RFC3339) != mustUTC(c.to) {
			t.Errorf("at %s: %v – %v, want %s – %s", c.now, from, to, c.from, c.to)
		}
	}
}

func mustUTC(s string) string {
	t, _ := time.Parse(time.RFC3339, s)
	return t.UTC().Format(time.RFC3339)
}

func TestPercentileIsNearestRank(t *testing.T) {
	cases := []struct {
		vs     []float64
		p, out float64
	}{
		{[]float64{1, 2, 3, 4}, 0.5, 2},
		{[]float64{1, 2, 3, 4}, 0.9, 4},
		{[]float64{5}, 0.5, 5},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9, 9},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 0.9, 10},
	}
	for _, c := range cases {
		if got := briefing.Percentile(c.vs, c.p); got != c.out {
			t.Errorf("p%v of %v: %v, want %v", c.p, c.vs, got, c.out)
		}
	}
}

func TestCheckNamesTheField(t *testing.T) {
	now := time.Now()
	s := briefing.New(briefing.Config{Now: func() time.Time { return now }})
	cases := []struct {
		from, to time.Time
		field    string
	}{
		{now.Add(-time.Hour), now.Add(-2 * time.Hour), "to"},
		{now.Add(-time.Hour), now.Add(-time.Hour), "to"},
		{now.Add(-6 * 24 * time.Hour), now.Add(2 * 24 * time.Hour), "to"},
		{now.Add(-8 * 24 * time.Hour), now.Add(-7 * 24 * time.Hour), "from"},
		{now.Add(time.Minute), now.Add(time.Hour), "from"},
		{now.Add(-time.Hour), now.Add(time.Hour), ""},
	}
	for _, c := range cases {
		err := s.Check(c.from, c.to)
		var fe *geo.FieldError
		if c.field == "" && err != nil || c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field) {
			t.Errorf("%v – %v: %v, want field %q", c.from, c.to, err, c.field)
		}
	}
}

// BenchmarkBriefing24h computes a day's briefing over 100,000 incidents
// stored in a real Redis (the alerts and dispatches streams empty): the cost
// is reading and decoding the entries. With positions, a dispatch still
// active reads as well the day's 300,000 positions of 50 units.
func BenchmarkBriefing24h(b *testing.B) {
	b.Run("incidents", func(b *testing.B) { benchBriefing(b, 0) })
	b.Run("positions", func(b *testing.B) { benchBriefing(b, 300_000) })
}

func benchBriefing(b *testing.B, positions int) {
	rs := redistest.Start(b)
	rdb := rs.Client()
	ctx := context.Background()
	layout := stream.Layout{Prefix: redistest.Prefix(b)}
	w := stream.NewWriter(rdb, layout, nil)
	now := time.Now()
	from := now.Add(-24 * time.Hour)
	r := rand.New(rand.NewPCG(1, 2))
	shards := map[geo.Cell]bool{}
	const n = 100_000
	cats := []string{"theft", "fire", "traffic", "dispute", "noise"}
	for i := 0; i < n; i += 5000 {
		evs := make([]geo.Event, 0, 5000)
		for j := i; j < i+5000; j++ {
			pt := orb.Point{120.3 + r.Float64()*0.8, 31.0 + r.Float64()*0.8}
			in := geo.Incident{ID: fmt.Sprint("b-", j), Source: "110", Category: cats[j%len(cats)], Severity: 2,
				Lat: pt.Lat(), Lng: pt.Lon(), Time: from.Add(time.Duration(r.Int64N(int64(24 * time.Hour)))),
				Title: "电动车被盗", Address: "姑苏区人民路12号"}
			in.Place()
			in.Regions.District = fmt.Sprint("32050", j%9)
			shards[layout.Shard(in.Cell)] = true
			evs = append(evs, geo.IncidentEvent(in))
		}
		if _, err := w.Add(ctx, evs); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < positions; i += 5000 {
		evs := make([]geo.Event, 0, 5000)
		for j := i; j < i+5000; j++ {
			pt := orb.Point{120.3 + r.Float64()*0.8, 31.0 + r.Float64()*0.8}
			p := geo.Position{Unit: fmt.Sprint("u-", j%50), Status: "available", Lat: pt.Lat(), Lng: pt.Lon(),
				Time: from.Add(time.Duration(j) * (24 * time.Hour / time.Duration(positions)))}
			p.Cell = geo.CellOf(pt, geo.FineRes)
			shards[layout.Shard(p.Cell)] = true
			evs = append(evs, geo.PositionEvent(p))
		}
		if _, err := w.Add(ctx, evs); err != nil {
			b.Fatal(err)
		}
	}
	if positions > 0 {
		// One dispatch, assigned as the window starts and still active.
		d, _ := json.Marshal(map[string]any{"id": "d-1", "unit": "u-1", "cell": geo.CellOf(orb.Point{120.6, 31.3}, geo.FineRes).String(), "assignedAt": from.Add(time.Minute)})
		cmd := geo.Command{Type: "dispatch.assign", At: from.Add(time.Minute), By: "bench", Data: d}
		if _, ok, _, err := stream.NewCommander(rdb, layout).Append(ctx, geo.Claim{Mode: geo.Take, Set: "busy", Field: "u-1", Owner: "d-1"}, &cmd); err != nil || !ok {
			b.Fatal(err, ok)
		}
	}
	var cells []geo.Cell
	for c := range shards {
		cells = append(cells, c)
	}
	s := briefing.New(briefing.Config{Streams: stream.NewReader(rdb, layout), Shards: cells, Now: func() time.Time { return now }})
	b.ResetTimer()
	for b.Loop() {
		out, err := s.Compute(ctx, from, now)
		if err != nil {
			b.Fatal(err)
		}
		if out.Incidents.Total != n || positions > 0 && out.Dispatches.Total != 1 {
			b.Fatalf("counted %d of %d", out.Incidents.Total, n)
		}
	}
}

// blocking is a Scanner that waits until release is closed.
type blocking struct {
	started chan struct{}
	release chan struct{}
}

func (b blocking) Scan(context.Context, stream.Kind, []geo.Cell, time.Time, time.Time, func([]geo.Event)) error {
	b.started <- struct{}{}
	<-b.release
	return nil
}

func TestOneBriefingTooManyIsRefused(t *testing.T) {
	b := blocking{started: make(chan struct{}, 8), release: make(chan struct{})} // room for every later scan
	now := time.Now()
	s := briefing.New(briefing.Config{Streams: b, Concurrent: 2, Now: func() time.Time { return now }})
	done := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := s.Compute(context.Background(), now.Add(-time.Hour), now)
			done <- err
		}()
		<-b.started
	}
	if _, err := s.Compute(context.Background(), now.Add(-time.Hour), now); !errors.Is(err, briefing.ErrBusy) {
		t.Errorf("a third at once: %v, want ErrBusy", err)
	}
	close(b.release)
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if _, err := s.Compute(context.Background(), now.Add(-time.Hour), now); err != nil {
		t.Errorf("after: %v", err)
	}
}
