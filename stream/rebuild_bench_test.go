package stream_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
	"github.com/redis/go-redis/v9"
)

// rebuildEvents is how many incidents BenchmarkRebuild reads back, and
// rebuildCommands how many commands before them (one per thousand).
const (
	rebuildEvents   = 200_000
	rebuildCommands = rebuildEvents / 1000
)

// BenchmarkRebuild is the rebuild at start: a tailer reads 200,000 incidents
// spread over the shards of a city, and the commands, from a private
// redis-server on loopback until it is ready. The sink only counts, so this is
// the tailer's cost and Redis's, not the fold's.
func BenchmarkRebuild(b *testing.B) {
	rdb := redistest.Start(b).Client()
	layout := stream.Layout{Prefix: "bench"}
	shards := preloadRebuild(b, rdb, layout)
	since := time.Now().Add(-time.Hour)
	rdb.ConfigResetStat(context.Background())
	cpu := cpuTime()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		ctx, cancel := context.WithCancel(context.Background())
		tl := stream.NewTailer(rdb, stream.TailerConfig{Layout: layout, Shards: shards, Since: since, Commands: true})
		_ = tl.Run(ctx, stream.SinkFuncs{Events: func(es []geo.Event) { n += len(es) }, Ready: cancel})
		if n != rebuildEvents+rebuildCommands {
			b.Fatalf("rebuild read %d entries, want %d", n, rebuildEvents+rebuildCommands)
		}
	}
	b.ReportMetric(float64(b.N*rebuildEvents)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "tailer-µs/op")
	b.ReportMetric(xreadMicros(b, rdb)/float64(b.N), "redis-µs/op")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// xreadMicros is Redis's time in XREAD since its stats were reset.
func xreadMicros(b *testing.B, rdb *redis.Client) float64 {
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	_, rest, ok := strings.Cut(info, "cmdstat_xread:")
	if !ok {
		return 0
	}
	_, rest, _ = strings.Cut(rest, "usec=")
	us, _, _ := strings.Cut(rest, ",")
	n, _ := strconv.ParseFloat(us, 64)
	return n
}

// preloadRebuild writes the benchmark's incidents straight with XADD, pipelined
// (the writer's dedupe is not what is measured), and returns their shards.
func preloadRebuild(b *testing.B, rdb *redis.Client, layout stream.Layout) []geo.Cell {
	b.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 3))
	seen := map[geo.Cell]bool{}
	var shards []geo.Cell
	pipe := rdb.Pipeline()
	for i := range rebuildEvents {
		// Suzhou and around: a dozen or so shards of resolution 4.
		pt := orb.Point{120.0 + r.Float64()*1.4, 30.8 + r.Float64()*1.2}
		in := geo.Incident{ID: "r-" + strconv.Itoa(i), Source: "110", Category: "theft", Severity: 1 + r.IntN(4),
			Lat: pt.Lat(), Lng: pt.Lon(), Time: time.Now(), Title: "电动车被盗", Address: "姑苏区人民路12号",
			Cell:    geo.CellOf(pt, geo.FineRes),
			Regions: geo.RegionCodes{District: "320508", Street: "320508001", Community: "320508001002", Grid: "g17"}}
		s := layout.Shard(in.Cell)
		if !seen[s] {
			seen[s] = true
			shards = append(shards, s)
		}
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: layout.Stream(stream.Incidents, s), Values: stream.IncidentFields(&in)})
		if i%1000 == 0 {
			c := geo.Command{Type: "alert.open", At: time.Now(), By: "rules", Data: json.RawMessage(`{"id":"a` + strconv.Itoa(i) + `"}`)}
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: layout.CommandStream(), Values: stream.CommandFields(&c)})
		}
		if pipe.Len() >= 2000 {
			if _, err := pipe.Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d incidents over %d shards", rebuildEvents, len(shards))
	return shards
}
