package stream_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
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
// its cap, every tag in exactly one).
func TestSeenTagsAgreeWithASetAsTheyGrow(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		layout := stream.Layout{Prefix: redistest.Prefix(t)}
		now := time.Now().UTC().Truncate(time.Millisecond)
		w := stream.NewWriter(rdb, layout, func() time.Time { return now })
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
			if n%8 != 0 || n > 128*8 {
				t.Fatalf("bucket %s holds %d bytes: want whole tags, at most 128", k, n)
			}
			buckets++
			tags += n / 8
		}
		if tags != fresh || buckets < fresh/128 {
			t.Fatalf("%d tags in %d buckets, want %d tags in at least %d", tags, buckets, fresh, fresh/128)
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
