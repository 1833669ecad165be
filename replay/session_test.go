package replay

import (
	"context"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/paulmach/orb"
)

// sliceCursor is history in memory, sorted by arrival.
type sliceCursor struct {
	events []geo.Event
	next   int
}

func (c *sliceCursor) Next(_ context.Context, upTo time.Time, fn func(*geo.Event)) error {
	for c.next < len(c.events) && !c.events[c.next].Ingested.After(upTo) {
		fn(&c.events[c.next])
		c.next++
	}
	return nil
}

// history is n incidents arriving evenly over span before end, each up to
// five minutes before or after its event time (feeds' clocks run ahead too),
// at random places in Suzhou.
func history(n int, end time.Time, span time.Duration) []geo.Event {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]geo.Event, n)
	for i := range out {
		arrived := end.Add(-span + time.Duration(i)*span/time.Duration(n))
		pt := orb.Point{120.4 + r.Float64()*0.5, 31.1 + r.Float64()*0.4}
		in := geo.Incident{ID: "h-" + strconv.Itoa(i), Category: "theft", Severity: 1 + r.IntN(4),
			Lat: pt.Lat(), Lng: pt.Lon(), Time: arrived.Add(time.Duration(r.IntN(600)-300) * time.Second),
			Cell: geo.CellOf(pt, geo.FineRes)}
		out[i] = geo.Event{Kind: geo.KindIncident, Ingested: arrived, Incident: in}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Ingested.Before(out[j].Ingested) })
	return out
}

func newSession(events []geo.Event, req Request) *Session {
	p := New(Config{Open: func(from, to time.Time) Cursor {
		i := sort.Search(len(events), func(i int) bool { return !events[i].Ingested.Before(from) })
		return &sliceCursor{events: events, next: i}
	}})
	return &Session{p: p, req: req, ctx: context.Background()}
}

// TestSeekEqualsPlaying holds a seek (a fold built from 24 h 10 min before)
// to the same span played from the start of the history, at several times.
func TestSeekEqualsPlaying(t *testing.T) {
	end := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	events := history(20_000, end, 48*time.Hour)
	view := heat.ViewKey{Res: 8, Window: "24h"}
	req := Request{From: end.Add(-48 * time.Hour), To: end, Speed: 60, View: view}
	played := newSession(events, req)
	if err := played.build(req.From); err != nil {
		t.Fatal(err)
	}
	// 14 min 50 s past: the 24 h window then starts 10 s after T − 24 h, and
	// holds incidents that arrived before it, dated ahead.
	for _, at := range []time.Duration{30*time.Hour + 14*time.Minute + 50*time.Second, 31*time.Hour + 7*time.Minute, 40 * time.Hour, 48 * time.Hour} {
		T := req.From.Add(at)
		if err := played.advance(T); err != nil {
			t.Fatal(err)
		}
		sought := newSession(events, req)
		if err := sought.build(T); err != nil {
			t.Fatal(err)
		}
		for _, w := range geo.Windows {
			k := heat.ViewKey{Res: 8, Window: w.Name}
			a, ta := played.state.Heat(k)
			b, tb := sought.state.Heat(k)
			if ta != tb || len(a) != len(b) || ta == 0 {
				t.Fatalf("at %s window %s: played %d in %d cells, sought %d in %d", T, w.Name, ta, len(a), tb, len(b))
			}
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("at %s window %s: cell %v played, %v sought", T, w.Name, a[i], b[i])
				}
			}
		}
	}
}

// BenchmarkSeek is a seek's fold: the state at T built from the 24 h 10 min
// before it, from memory (stream's BenchmarkHistory is the read).
func BenchmarkSeek(b *testing.B) {
	const n = 200_000
	end := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	events := history(n, end, geo.LongestWindow()+10*time.Minute)
	req := Request{From: end.Add(-time.Hour), To: end, Speed: 60, View: heat.ViewKey{Res: 8, Window: "1h"}}
	b.ReportAllocs()
	for b.Loop() {
		s := newSession(events, req)
		if err := s.build(end); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
}
