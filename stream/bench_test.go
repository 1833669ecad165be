package stream_test

import (
	"context"
	"math/rand/v2"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
	"github.com/redis/go-redis/v9"
)

func benchIncident(r *rand.Rand, id string) geo.Incident {
	pt := orb.Point{120.3 + r.Float64()*0.8, 31.0 + r.Float64()*0.8}
	return geo.Incident{ID: id, Source: "110", Category: "theft", Severity: 2,
		Lat: pt.Lat(), Lng: pt.Lon(), Time: time.Now(), Title: "电动车被盗",
		Address: "姑苏区人民路12号", Cell: geo.CellOf(pt, geo.FineRes)}
}

// Encoding one entry's fields, once per ingested event.
func BenchmarkIncidentFields(b *testing.B) {
	in := benchIncident(rand.New(rand.NewPCG(1, 1)), "bench-1")
	b.ReportAllocs()
	for b.Loop() {
		_ = stream.IncidentFields(&in)
	}
}

// Decoding one entry as the tailer gets it from go-redis, once per event read
// (live and in the rebuild).
func BenchmarkDecodeIncident(b *testing.B) {
	in := benchIncident(rand.New(rand.NewPCG(1, 1)), "bench-1")
	fs := stream.IncidentFields(&in)
	m := map[string]any{}
	for i := 0; i+1 < len(fs); i += 2 {
		m[fs[i]] = fs[i+1]
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stream.DecodeIncident(m); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRedis starts a throwaway redis-server, or skips when there is none.
func benchRedis(b *testing.B) *redis.Client {
	b.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		b.Skip("redis-server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := b.TempDir()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	b.Cleanup(func() { rdb.Close() })
	for i := 0; rdb.Ping(context.Background()).Err() != nil; i++ {
		if i > 200 {
			b.Fatal("redis-server did not answer")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return rdb
}

// The XADD batch: 1,000 incidents, dedupe and append, in one pipelined round
// trip, against a real redis-server on loopback (Redis's time included).
func BenchmarkAddIncidents1000(b *testing.B) { benchmarkAdd(b, 1000) }

// One incident per call, as a feed posting events one by one: the script's
// fixed cost, per event.
func BenchmarkAddIncident1(b *testing.B) { benchmarkAdd(b, 1) }

func benchmarkAdd(b *testing.B, size int) {
	rdb := benchRedis(b)
	w := stream.NewWriter(rdb, stream.Layout{Prefix: "bench"}, nil)
	r := rand.New(rand.NewPCG(2, 2))
	batch := make([]geo.Event, size)
	n := 0
	b.ReportAllocs()
	rdb.ConfigResetStat(context.Background())
	for b.Loop() {
		b.StopTimer()
		for i := range batch {
			n++
			batch[i] = geo.IncidentEvent(benchIncident(r, "bench-"+strconv.Itoa(n)))
		}
		b.StartTimer()
		rs, err := w.Add(context.Background(), batch)
		if err != nil || len(rs) != len(batch) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
	b.ReportMetric(redisMicros(b, rdb)*1000/float64(b.N*len(batch)), "redis-ns/event")
}

// redisMicros is the CPU time Redis spent in commands since its stats were
// reset (INFO commandstats), in µs.
func redisMicros(b *testing.B, rdb *redis.Client) float64 {
	total := 0.0
	for _, st := range commandStats(b, rdb) {
		total += st.usec
	}
	return total
}

// A commandStat is one command's line of INFO commandstats.
type commandStat struct {
	calls int
	usec  float64
}

// commandStats reads INFO commandstats: each command's calls and CPU time
// since the stats were reset.
func commandStats(tb testing.TB, rdb redis.UniversalClient) map[string]commandStat {
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]commandStat{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, isCmd := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isCmd {
			continue
		}
		var st commandStat
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				st.calls, _ = strconv.Atoi(v)
			case "usec":
				st.usec, _ = strconv.ParseFloat(v, 64)
			}
		}
		out[name] = st
	}
	return out
}
