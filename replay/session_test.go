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
	"github.com/citygrid/citygrid/live"
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

// marks is a fold with a whole-state layer: how many commands it folded.
type marks struct{ n int }

func (m *marks) Advance(time.Time)              {}
func (m *marks) Tick(*live.Env, *live.Tick)     {}
func (m *marks) Layers() []string               { return []string{"marks"} }
func (m *marks) Layer(*live.Env, string) []byte { return []byte(`"marks":` + strconv.Itoa(m.n)) }
func (m *marks) Apply(_ *live.Env, e *geo.Event) {
	if e.Kind == geo.KindCommand {
		m.n++
	}
}

// TestLayersFollowTheCommands: a session's own folds see the commands in
// arrival order; a snapshot carries the layers asked for, a delta only those
// that changed since the frame before.
func TestLayersFollowTheCommands(t *testing.T) {
	end := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	events := history(100, end, 2*time.Hour)
	for _, at := range []time.Duration{90 * time.Minute, 100 * time.Minute} {
		events = append(events, geo.Event{Kind: geo.KindCommand, Ingested: end.Add(-2*time.Hour + at)})
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Ingested.Before(events[j].Ingested) })
	req := Request{From: end.Add(-time.Hour), To: end, Speed: 60, View: heat.ViewKey{Res: 8, Window: "1h"}, Layers: []string{"marks"}}
	s := newSession(events, req)
	s.p = New(Config{Open: s.p.cfg.Open, Layers: []string{"marks"},
		Folds: func(context.Context, time.Time) ([]live.Fold, error) { return []live.Fold{&marks{}}, nil }})
	if got := s.p.Layers(); len(got) != 1 || got[0] != "marks" {
		t.Fatalf("player's layers: %q", got)
	}
	if err := s.p.Check(Request{From: req.From, To: req.To, Speed: 60, Layers: []string{"index"}}); err == nil {
		t.Error("a layer no fold of the replay has was accepted")
	}
	var frames []Frame
	s.out = func(f Frame) bool { frames = append(frames, f); return true }
	step := func(d time.Duration, snapshot bool) Frame {
		t.Helper()
		if err := s.advance(req.From.Add(d)); err != nil {
			t.Fatal(err)
		}
		s.emit(snapshot, false)
		return frames[len(frames)-1]
	}
	if err := s.build(req.From); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at       time.Duration
		snapshot bool
		want     string // the layer in the frame; "" for none
	}{
		{0, true, `"marks":0`},
		{20 * time.Minute, false, ""},
		{35 * time.Minute, false, `"marks":1`}, // the command 30 min into the span
		{38 * time.Minute, false, ""},
		{38 * time.Minute, true, `"marks":1`},
		{41 * time.Minute, false, `"marks":2`},
	} {
		f := step(c.at, c.snapshot)
		if got := string(f.Layers["marks"]); got != c.want {
			t.Errorf("at +%s (snapshot %v): layer %q, want %q", c.at, c.snapshot, got, c.want)
		}
	}
}
