package stream_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
	"github.com/redis/go-redis/v9"
)

// events wraps incidents as events, for Writer.Add.
func events(ins ...geo.Incident) []geo.Event {
	out := make([]geo.Event, len(ins))
	for i, in := range ins {
		out[i] = geo.IncidentEvent(in)
	}
	return out
}

func incident(id string, lat, lng float64, t time.Time) geo.Incident {
	in := geo.Incident{ID: id, Source: "110", Category: "theft", Severity: 2, Lat: lat, Lng: lng, Time: t, Title: "t", Address: "a"}
	in.Place()
	return in
}

// backends runs a test against a real redis-server and the embedded miniredis,
// the two servers citygrid ships against.
func backends(t *testing.T, f func(t *testing.T, rdb redis.UniversalClient)) {
	t.Run("redis-server", func(t *testing.T) { f(t, redistest.Start(t).Client()) })
	t.Run("miniredis", func(t *testing.T) {
		m := miniredis.RunT(t)
		c := redis.NewClient(&redis.Options{Addr: m.Addr()})
		t.Cleanup(func() { c.Close() })
		f(t, c)
	})
}

func TestWriterDedupesAndTailerReadsBack(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		layout := stream.Layout{Prefix: redistest.Prefix(t)}
		w := stream.NewWriter(rdb, layout, nil)
		now := time.Now().UTC().Truncate(time.Millisecond)
		batch := []geo.Incident{
			incident("a", 31.30, 120.60, now),
			incident("b", 31.65, 120.75, now), // Changshu: another shard
			incident("a", 31.30, 120.60, now), // same id in the same batch
		}
		res, err := w.Add(ctx, events(batch...))
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Duplicate || res[1].Duplicate || !res[2].Duplicate {
			t.Fatalf("results %+v: want stored, stored, duplicate", res)
		}
		res, err = w.Add(ctx, events(batch[:2]...))
		if err != nil {
			t.Fatal(err)
		}
		if !res[0].Duplicate || !res[1].Duplicate {
			t.Fatalf("second batch %+v: want duplicates", res)
		}

		shards := []geo.Cell{layout.Shard(batch[0].Cell), layout.Shard(batch[1].Cell)}
		if shards[0] == shards[1] {
			t.Fatalf("test points share shard %v; pick points further apart", shards[0])
		}
		tl := stream.NewTailer(rdb, stream.TailerConfig{Layout: layout, Shards: shards})
		var mu sync.Mutex
		var got []geo.Event
		ready := make(chan struct{})
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan error)
		go func() {
			done <- tl.Run(ctx, stream.SinkFuncs{
				Events: func(es []geo.Event) { mu.Lock(); got = append(got, es...); mu.Unlock() },
				Ready:  func() { close(ready) },
			})
		}()
		<-ready
		mu.Lock()
		if len(got) != 2 {
			t.Fatalf("rebuild read %d entries, want 2", len(got))
		}
		mu.Unlock()
		// Live: a new event arrives after the rebuild.
		if _, err := w.Add(context.Background(), events(incident("c", 31.30, 120.60, now))); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n == 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("live read: %d entries, want 3", n)
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		in := got[2].Incident
		want := batch[0]
		want.ID = "c"
		if fmt.Sprint(in) != fmt.Sprint(want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", in, want)
		}
	})
}

// Writer and tailer agree on the shards whatever the layout's resolution,
// the default (zero) included: every shard an event of the city is written
// to is one the tailer reads.
func TestShardsCoverWhatTheWriterWrites(t *testing.T) {
	p, err := geo.LoadProfile(profiles.FS, "suzhou")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(8, 8))
	for _, res := range []int{0, 3, 4, 5} {
		l := stream.Layout{ShardRes: res}
		read := map[geo.Cell]bool{}
		for _, s := range l.Shards(p) {
			read[s] = true
		}
		for n := 0; n < 2000; {
			pt := orb.Point{p.Bound.Min[0] + r.Float64()*(p.Bound.Max[0]-p.Bound.Min[0]), p.Bound.Min[1] + r.Float64()*(p.Bound.Max[1]-p.Bound.Min[1])}
			if !p.Contains(pt) {
				continue
			}
			n++
			if s := l.Shard(geo.CellOf(pt, geo.FineRes)); !read[s] {
				t.Fatalf("ShardRes %d: (%v) is written to shard %v (res %d), which the tailer does not read", res, pt, s, s.Res())
			}
		}
	}
}

// An incident is a duplicate of one from the same source with the same id:
// one source's ids cannot suppress another's.
func TestDuplicatesAreBySourceAndID(t *testing.T) {
	rdb := redistest.Start(t).Client()
	w := stream.NewWriter(rdb, stream.Layout{Prefix: redistest.Prefix(t)}, nil)
	now := time.Now().UTC().Truncate(time.Millisecond)
	from := func(src string) geo.Incident {
		in := incident("same-id", 31.30, 120.60, now)
		in.Source = src
		return in
	}
	res, err := w.Add(context.Background(), events(from("110"), from("12345"), from("110"), from(""), from("")))
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{false, false, true, false, true}
	for i, r := range res {
		if r.Duplicate != want[i] {
			t.Fatalf("results %+v: want duplicates %v", res, want)
		}
	}
}
