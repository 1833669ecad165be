package stream_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/stream"
	"github.com/redis/go-redis/v9"
)

// The writer's seen tags against a plain model (a Go set of every id sent):
// tens of thousands of events into one shard, a third of them resent at
// random, in batches; each result is what the model says, the stream holds
// each id once, and the seen tables grew by splitting (many buckets, none past
// its cap, every tag in exactly one). Twice: with the tables as they are, and
// with buckets of 8 tags whose directory is read whole only up to 8 slots, so
// the tables grow thousands of buckets and a dozen levels deep.
func TestSeenTagsAgreeWithASetAsTheyGrow(t *testing.T) {
	for _, tc := range []struct {
		name             string
		cap, cachedDepth int
	}{{"as shipped", 128, 12}, {"deep", 8, 3}} {
		t.Run(tc.name, func(t *testing.T) { testSeenTags(t, tc.cap, tc.cachedDepth) })
	}
}

func testSeenTags(t *testing.T, bucketCap, cachedDepth int) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		layout := stream.Layout{Prefix: redistest.Prefix(t)}
		now := time.Now().UTC().Truncate(time.Millisecond)
		w := stream.NewWriterWithTables(rdb, layout, func() time.Time { return now }, bucketCap, cachedDepth)
		r := rand.New(rand.NewPCG(1, 2))
		const fresh = 24_000
		sent := map[string]bool{}
		var ids []string
		stored := 0
		for len(ids) < fresh {
			batch := make([]geo.Incident, 0, 1000)
			want := make([]bool, 0, 1000) // duplicate?
			inBatch := map[string]bool{}
			for len(batch) < cap(batch) && len(ids) < fresh {
				var id string
				if len(ids) > 0 && r.IntN(3) == 0 {
					id = ids[r.IntN(len(ids))]
				} else {
					id = fmt.Sprintf("i-%d-%d", len(ids), r.Uint64())
					ids = append(ids, id)
				}
				want = append(want, sent[id] || inBatch[id])
				inBatch[id] = true
				batch = append(batch, incident(id, 31.30, 120.60, now))
			}
			res, err := w.Add(ctx, events(batch...))
			if err != nil {
				t.Fatal(err)
			}
			for i := range res {
				if res[i].Duplicate != want[i] {
					t.Fatalf("%s: duplicate %v, want %v", batch[i].ID, res[i].Duplicate, want[i])
				}
				if !res[i].Duplicate {
					stored++
				}
			}
			for id := range inBatch {
				sent[id] = true
			}
		}
		shard := layout.Shard(incident("", 31.30, 120.60, now).Cell)
		if n := rdb.XLen(ctx, layout.Stream(stream.Incidents, shard)).Val(); n != fresh || stored != fresh {
			t.Fatalf("stream holds %d entries, %d stored, want %d", n, stored, fresh)
		}
		base := layout.SeenBase(stream.Incidents, shard)
		keys, err := scanKeys(ctx, rdb, base+":*")
		if err != nil {
			t.Fatal(err)
		}
		var buckets, tags int
		for _, k := range keys {
			if strings.Count(strings.TrimPrefix(k, base), ":") != 3 {
				continue // the directory
			}
			n := int(rdb.StrLen(ctx, k).Val())
			if n%8 != 0 || n > bucketCap*8 {
				t.Fatalf("bucket %s holds %d bytes: want whole tags, at most %d", k, n, bucketCap)
			}
			buckets++
			tags += n / 8
		}
		if tags != fresh || buckets < fresh/bucketCap {
			t.Fatalf("%d tags in %d buckets, want %d tags in at least %d", tags, buckets, fresh, fresh/bucketCap)
		}
		if depth := rdb.StrLen(ctx, base+":"+strconv.FormatInt(now.Unix()/int64(7*24*3600), 10)).Val(); depth < int64(fresh/bucketCap) {
			t.Fatalf("directory of %d slots for %d buckets", depth, buckets)
		}
	})
}

func scanKeys(ctx context.Context, rdb redis.UniversalClient, match string) ([]string, error) {
	var out []string
	var cursor uint64
	for {
		ks, next, err := rdb.Scan(ctx, cursor, match, 1000).Result()
		if err != nil {
			return nil, err
		}
		out = append(out, ks...)
		if cursor = next; cursor == 0 {
			return out, nil
		}
	}
}

// A tag is remembered for at least one retention, in its generation and the
// next, and forgotten after: the writer's clock, moved forward.
func TestSeenTagsLastARetention(t *testing.T) {
	rdb := redistest.Start(t).Client()
	ctx := context.Background()
	layout := stream.Layout{Prefix: redistest.Prefix(t), Retention: 48 * time.Hour}
	// Start just before a generation ends, so the next step crosses it.
	start := time.Unix((time.Now().Unix()/(48*3600)+1)*48*3600-60, 0)
	now := start
	w := stream.NewWriter(rdb, layout, func() time.Time { return now })
	add := func(id string) bool {
		t.Helper()
		res, err := w.Add(ctx, events(incident(id, 31.30, 120.60, now)))
		if err != nil {
			t.Fatal(err)
		}
		return res[0].Duplicate
	}
	if add("x") {
		t.Fatal("first sending taken for a duplicate")
	}
	for _, after := range []time.Duration{time.Minute + time.Second, 24 * time.Hour, 47 * time.Hour} {
		now = start.Add(after)
		if !add("x") {
			t.Fatalf("resent %v later (within the retention): stored again", after)
		}
	}
	now = start.Add(97 * time.Hour) // two generations on
	if add("x") {
		t.Fatal("resent two retentions later: still refused")
	}
}

// Concurrent Adds are written together: while the first round trips are held
// up (Redis paused), fifty Adds arrive, and the rest go in one round (a
// script call per 200 events, as their events share a shard) rather than
// forty-odd; every Add gets its own
// answers, and an id sent by several of them is stored once.
func TestConcurrentAddsShareARoundTrip(t *testing.T) {
	rdb := redistest.Start(t).Client()
	ctx := context.Background()
	layout := stream.Layout{Prefix: redistest.Prefix(t)}
	w := stream.NewWriter(rdb, layout, nil)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if _, err := w.Add(ctx, events(incident("warm", 31.30, 120.60, now))); err != nil {
		t.Fatal(err) // loads the script
	}
	rdb.ConfigResetStat(ctx)
	if err := rdb.Do(ctx, "CLIENT", "PAUSE", "300", "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	const adds = 50
	type answer struct {
		res []stream.Result
		err error
	}
	answers := make([]answer, adds)
	var wg sync.WaitGroup
	for a := range adds {
		wg.Go(func() {
			// Each Add: 10 ids of its own and 10 shared by every Add.
			var ins []geo.Incident
			for i := range 10 {
				ins = append(ins, incident(fmt.Sprintf("own-%d-%d", a, i), 31.30, 120.60, now))
				ins = append(ins, incident(fmt.Sprintf("shared-%d", i), 31.30, 120.60, now))
			}
			res, err := w.Add(ctx, events(ins...))
			answers[a] = answer{res, err}
		})
	}
	wg.Wait()
	storedShared := map[int]int{}
	for a, an := range answers {
		if an.err != nil || len(an.res) != 20 {
			t.Fatalf("Add %d: %d results, %v", a, len(an.res), an.err)
		}
		for i, r := range an.res {
			switch {
			case i%2 == 0 && r.Duplicate:
				t.Fatalf("Add %d: its own id %d taken for a duplicate", a, i/2)
			case i%2 == 1 && !r.Duplicate:
				storedShared[i/2]++
			}
		}
	}
	for i := range 10 {
		if storedShared[i] != 1 {
			t.Fatalf("shared-%d stored by %d Adds, want exactly 1", i, storedShared[i])
		}
	}
	shard := layout.Shard(incident("", 31.30, 120.60, now).Cell)
	if n := rdb.XLen(ctx, layout.Stream(stream.Incidents, shard)).Val(); n != 1+adds*10+10 {
		t.Fatalf("stream holds %d entries, want %d", n, 1+adds*10+10)
	}
	calls := commandStats(t, rdb)["evalsha"].calls
	// The first Adds' rounds (up to 8 in flight, a call each), then one
	// round of the rest (a call per 200 events), and one call of slack.
	if most := 8 + adds*20/200 + 1; calls > most {
		t.Fatalf("%d script calls for %d concurrent Adds of one shard: want them combined into a few rounds", calls, adds)
	}
	t.Logf("%d concurrent Adds written in %d script calls", adds, calls)
}
