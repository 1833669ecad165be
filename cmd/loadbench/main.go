// Command loadbench runs one reproducible load session against citygrid on
// this machine: it starts its own redis-server (loopback, temp dir, no
// persistence) and a citygrid subprocess, measures the references
// (redis-benchmark XADD) and the scenarios of issue 6, and writes
// <out>/<date>.json and <out>/<date>.md. See bench/README.md.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/stream"
)

type options struct {
	out         string
	quick       bool
	dur         time.Duration // per ingest / e2e run
	e2eRate     float64
	e2eConns    int
	fanout      int
	rebuildN    int
	refN        int
	memN        int
	tick        time.Duration
	keepTemp    bool
	pprof       bool
	waitQuiet   time.Duration
	stallRate   float64
	stalled     int
	stallDur    time.Duration
	stallSettle time.Duration
	tileConns   int
	tileDur     time.Duration
	tileZ15     int
	soak        time.Duration
	soakEvery   time.Duration
	alertSevere int
	alertHot    int
	rulesOff    bool // every alert rule off: the reference of what the rules cost
	goBench     bool
	foldRate    int           // events/s of the 24-hour fold memory scenario (0: skip it)
	foldSoak    time.Duration // and how long it goes on after the day, sampled
	foldPlaces  int           // incidents sampled from the simulator for it
}

func main() {
	var o options
	flag.StringVar(&o.out, "out", "bench/results", "directory for <date>.json and <date>.md")
	flag.BoolVar(&o.quick, "quick", false, "a ~1-minute run: shorter scenarios, smaller sizes")
	flag.DurationVar(&o.dur, "dur", 0, "length of each ingest and end-to-end run (default 20s, quick 5s)")
	flag.Float64Var(&o.e2eRate, "e2e-rate", 10000, "events/s offered in the end-to-end scenario")
	flag.IntVar(&o.e2eConns, "e2e-clients", 200, "websocket clients in the end-to-end scenario")
	flag.IntVar(&o.fanout, "fanout", 2000, "idle websocket clients in the fan-out scenario")
	flag.IntVar(&o.rebuildN, "rebuild", 0, "events preloaded for the rebuild (default 1,000,000, quick 100,000)")
	flag.IntVar(&o.refN, "ref-n", 0, "redis-benchmark requests per reference (default 200,000, quick 50,000)")
	flag.DurationVar(&o.tick, "tick", 250*time.Millisecond, "citygrid -tick")
	flag.BoolVar(&o.keepTemp, "keep", false, "keep the temp dir (logs, binary)")
	flag.DurationVar(&o.waitQuiet, "wait-quiet", 0, "wait up to this long for the machine to be quiet (under 0.3 busy cores) before starting")
	flag.BoolVar(&o.pprof, "pprof", true, "build citygrid with a pprof listener (go build -overlay; the repository is not changed) and profile the batched ingest and the rebuild")
	flag.Float64Var(&o.stallRate, "stall-rate", 3000, "events/s offered in the stalled-clients scenario and the soak (a rate the machine holds)")
	flag.IntVar(&o.stalled, "stalled", 2, "of the -e2e-clients, how many stop reading in the stalled-clients scenario (0: skip it)")
	flag.DurationVar(&o.stallDur, "stall-dur", 0, "measured length of each of the three runs (none, some, none stalled) of the stalled-clients scenario (default 20s, quick 10s)")
	flag.DurationVar(&o.stallSettle, "stall-settle", 60*time.Second, "with stalled clients, run the load unmeasured until the server resyncs them, for at most this long")
	flag.IntVar(&o.tileConns, "tile-conns", 8, "connections asking for cached tiles (0: skip the tiles scenario)")
	flag.DurationVar(&o.tileDur, "tile-dur", 0, "how long cached tiles are asked for (default 10s, quick 3s)")
	flag.IntVar(&o.tileZ15, "tile-sample", 0, "tiles per layer and zoom at most, a seeded random sample of the area (default 400, quick 100)")
	flag.DurationVar(&o.soak, "soak", 0, "hold the stalled-clients scenario's load this long (e.g. 10m) and sample the server's memory (0: no soak)")
	flag.DurationVar(&o.soakEvery, "soak-every", 10*time.Second, "soak sampling period")
	flag.IntVar(&o.alertSevere, "alert-severe", 100, "severe incidents, each in its own place, timed from POST to the alert on a websocket client (0 with -alert-hot 0: skip the alerts scenario)")
	flag.IntVar(&o.alertHot, "alert-hot", 20, "hot cells likewise, each one POST of 3 incidents into an empty res-9 cell")
	flag.BoolVar(&o.rulesOff, "rules-off", false, "run the server with every alert rule off: the reference a run with the profile's rules is compared with (use with -alert-severe 0 -alert-hot 0)")
	flag.BoolVar(&o.goBench, "go-bench", true, "run the rules' evaluation benchmark (go test -bench Evaluate ./ops/) at the end")
	flag.IntVar(&o.foldRate, "fold-rate", 3000, "with -fold-only: events/s folded for a simulated 24 hours into the heat fold")
	flag.DurationVar(&o.foldSoak, "fold-soak", 30*time.Minute, "simulated time the fold goes on after the day, its memory sampled six times")
	flag.IntVar(&o.foldPlaces, "fold-places", 1_000_000, "incidents sampled from the simulator for the fold scenario")
	foldOnly := flag.Bool("fold-only", false, "run only the fold scenario: the memory the heat fold holds for a full 24 h window, folded in this process on a simulated clock (about 20 minutes at 3,000 events/s; make bench-fold); results in <date>-fold.json and .md")
	render := flag.String("render", "", "write the table of an earlier run's <name>.json again, from its measurements, as <name>.json and <name>.md (after the table's wording changed); runs nothing")
	serveBase := flag.Bool("serve-baseline", false, "internal: run the raw websocket broadcast baseline on -addr")
	baseAddr := flag.String("addr", "127.0.0.1:0", "internal: -serve-baseline's listen address")
	baseBytes := flag.Int("baseline-bytes", 1000, "internal: -serve-baseline's frame size")
	flag.Parse()
	if *serveBase {
		log.Fatal(serveBaseline(*baseAddr, o.tick, *baseBytes))
	}
	if *render != "" {
		if err := rerender(*render); err != nil {
			log.Fatal(err)
		}
		return
	}
	if o.dur == 0 {
		o.dur = pick(o.quick, 5*time.Second, 20*time.Second)
	}
	if o.rebuildN == 0 {
		o.rebuildN = pick(o.quick, 100_000, 1_000_000)
	}
	if o.refN == 0 {
		o.refN = pick(o.quick, 50_000, 200_000)
	}
	if o.stallDur == 0 {
		o.stallDur = pick(o.quick, 10*time.Second, 20*time.Second)
	}
	if o.tileDur == 0 {
		o.tileDur = pick(o.quick, 3*time.Second, 10*time.Second)
	}
	if o.tileZ15 == 0 {
		o.tileZ15 = pick(o.quick, 100, 400)
	}
	if o.quick && !flagGiven("fanout") {
		o.fanout = 500
	}
	o.memN = o.refN
	if *foldOnly {
		prof, err := geo.LoadProfile(profiles.FS, profiles.Default)
		if err != nil {
			log.Fatal(err)
		}
		began := time.Now()
		r := &Results{Started: began.UTC().Format(time.RFC3339), Machine: machine(), LoadAvgStart: loadAvg(), Code: codeVersion()}
		log.Printf("fold: %d events/s for a simulated 24 h and %v more, %d sampled incidents", o.foldRate, o.foldSoak, o.foldPlaces)
		f, err := runFold(context.Background(), prof, o.foldPlaces, o.foldRate, o.foldSoak)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("  %v; samples %s MiB", f, soakMiB(f.SoakSamples))
		r.Fold, r.Seconds, r.LoadAvgEnd = &f, round(time.Since(began).Seconds(), 1), loadAvg()
		r.Figures = figures(r)
		if err := write(o.out, time.Now().UTC().Format("2006-01-02")+"-fold", r); err != nil {
			log.Fatal(err)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

func pick[T any](quick bool, q, full T) T {
	if quick {
		return q
	}
	return full
}

func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

func pidSelf() int { return os.Getpid() }

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "loadbench-")
	if err != nil {
		return err
	}
	if o.keepTemp {
		log.Printf("temp dir %s kept", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	log.Printf("building citygrid (pprof overlay: %v)", o.pprof)
	bin, err := buildServer(ctx, dir, o.pprof)
	if err != nil {
		return err
	}
	pprofAddr := ""
	if o.pprof {
		port, err := freePort()
		if err != nil {
			return err
		}
		pprofAddr = "127.0.0.1:" + strconv.Itoa(port)
	}
	rs, err := startRedis(ctx, dir)
	if err != nil {
		return err
	}
	defer rs.stop()
	// Other work on the machine skews every figure: say how busy it was.
	othersAtStart := busyCores(2 * time.Second)
	for deadline := time.Now().Add(o.waitQuiet); othersAtStart > 0.3 && time.Now().Before(deadline) && ctx.Err() == nil; {
		log.Printf("machine busy (%.2f cores); waiting for it to be quiet", othersAtStart)
		othersAtStart = busyCores(5 * time.Second)
	}
	began := time.Now() // the session proper starts now, after any wait
	if othersAtStart > 0.2 {
		log.Printf("warning: the machine is already %.2f cores busy before the session starts: figures will be low and noisy", othersAtStart)
	}
	logf, err := os.Create(filepath.Join(dir, "citygrid.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	// The profile's rules, from a file the alerts scenario can change.
	rules, err := baseRules(profiles.Default)
	if err != nil {
		return err
	}
	if o.rulesOff {
		rules.HotCell, rules.Anomaly, rules.Uncover.Rule = nil, nil, ""
		rules.Severe.MinSeverity, rules.Overdue.Target.Duration, rules.Storm.Rate = 0, 0, 0
		rules.CaseOverdue.Severity = 0
		log.Printf("rules: every alert rule off (-rules-off)")
	}
	rulesFile := filepath.Join(dir, "rules.json")
	if err := writeRules(rulesFile, rules); err != nil {
		return err
	}
	// Every client of the load comes from one address: no bound per address.
	srvArgs := []string{"-tick", o.tick.String(), "-rules", rulesFile, "-max-conns-per-ip", "0"}
	srv, err := startServer(ctx, bin, rs.url(), srvArgs, logf, pprofAddr, nil)
	if err != nil {
		return err
	}
	defer func() { srv.stop() }()
	prof, err := geo.LoadProfile(profiles.FS, "suzhou")
	if err != nil {
		return err
	}
	pool, err := newEventPool(prof, 20000, 42)
	if err != nil {
		return err
	}
	pids := func() map[string]int {
		return map[string]int{"citygrid": srv.pid(), "redis": rs.cmd.Process.Pid, "harness": pidSelf()}
	}
	r := &Results{Started: began.UTC().Format(time.RFC3339), Quick: o.quick, RulesOff: o.rulesOff, Machine: machine(),
		Tick: o.tick.String(), LoadAvgStart: loadAvg(), BusyBeforeCores: othersAtStart, Code: codeVersion()}
	stamp := time.Now().UTC().Format("2006-01-02")
	if o.quick {
		stamp += "-quick"
	}

	// 1. References.
	fields := sampleFields(pool)
	r.EntryBytes = fieldsSize(fields)
	log.Printf("reference: redis-benchmark XADD, %d fields (%d bytes of names and values)", len(fields)/2, r.EntryBytes)
	if r.RefXADD, err = redisBenchmark(ctx, rs.port, o.refN, 1, "loadbench:ref", fields); err != nil {
		return err
	}
	rs.rdb.Del(ctx, "loadbench:ref")
	if r.RefXADDP16, err = redisBenchmark(ctx, rs.port, o.refN, 16, "loadbench:ref", fields); err != nil {
		return err
	}
	rs.rdb.Del(ctx, "loadbench:ref")
	log.Printf("  XADD %.0f/s, P16 %.0f/s", r.RefXADD.RPS, r.RefXADDP16.RPS)

	// 4 first: the fan-out's memory per client is read on a fresh, quiet server.
	log.Printf("fan-out: %d idle websocket clients", o.fanout)
	fo, err := runFanout(ctx, srv, pool, pids(), o.fanout, pick(o.quick, 5*time.Second, 10*time.Second), o.tick)
	if err != nil {
		return fmt.Errorf("fan-out: %w", err)
	}
	r.Fanout = &fo
	log.Printf("  %.1f KiB/client, spread p50 %.1f ms p99 %.1f ms", fo.PerClientKiB, fo.Spread.P50, fo.Spread.P99)

	// The fan-out's reference: the raw broadcast baseline, same clients, frames
	// of the size citygrid sent.
	if self, err := os.Executable(); err != nil {
		log.Printf("baseline: %v (skipped)", err)
	} else {
		blog, _ := os.Create(filepath.Join(dir, "baseline.log"))
		base, err := startServer(ctx, self, "", []string{"-serve-baseline", "-tick", o.tick.String(),
			"-baseline-bytes", strconv.FormatInt(max(fo.AvgFrameBytes, 200), 10)}, blog, "", nil)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		log.Printf("fan-out baseline: raw coder/websocket broadcast, %d clients, %d-byte frames", o.fanout, fo.AvgFrameBytes)
		bo, err := runFanout(ctx, base, pool, map[string]int{"citygrid": base.pid(), "redis": rs.cmd.Process.Pid, "harness": pidSelf()},
			o.fanout, pick(o.quick, 5*time.Second, 10*time.Second), o.tick)
		base.stop()
		blog.Close()
		if err != nil {
			return fmt.Errorf("fan-out baseline: %w", err)
		}
		r.FanoutBaseline = &bo
		log.Printf("  %.1f KiB/client, spread p50 %.1f ms p99 %.1f ms, %.1f µs/frame", bo.PerClientKiB, bo.Spread.P50, bo.Spread.P99, bo.CPUPerFrameUS)
	}

	// Alerts, on a server that holds little more than the fan-out's trickle
	// and runs nothing else.
	if o.alertSevere+o.alertHot > 0 {
		time.Sleep(time.Second)
		log.Printf("alerts: %d severe incidents, %d hot cells (res 9, %d in 1h), one at a time, idle server", o.alertSevere, o.alertHot, benchHotRule.Open)
		al, err := runAlerts(ctx, srv, prof, pids(), rulesFile, logf.Name(), rules, o.alertSevere, o.alertHot)
		if err != nil {
			return fmt.Errorf("alerts: %w", err)
		}
		r.Alerts = &al
		log.Printf("  severe p50 %.1f p99 %.1f max %.1f ms (%d of %d seen); hot cell p50 %.1f p99 %.1f max %.1f ms (%d of %d)",
			al.Severe.Latency.P50, al.Severe.Latency.P99, al.Severe.Latency.Max, al.Severe.Seen, al.Severe.Sent,
			al.HotCell.Latency.P50, al.HotCell.Latency.P99, al.HotCell.Latency.Max, al.HotCell.Seen, al.HotCell.Sent)
	}

	// 2 and 6. Ingest, batched (with Redis memory measured around it) and single.
	layout := stream.Layout{}
	time.Sleep(time.Second)
	mem0, _ := rs.usedMemory(ctx)
	sb0, _, _ := streamBytes(ctx, rs, "citygrid")
	log.Printf("ingest: NDJSON batches of 1,000 from 4 connections, %v", o.dur)
	ingestProf := startProfile(ctx, srv.pprof, o.dur-time.Second)
	resetStats(ctx, rs)
	b := runIngest(ctx, srv, pool, pids(), 4, 1000, o.dur)
	b.RedisCmds = commandStats(ctx, rs, b.Accepted)
	r.IngestBatch = &b
	r.Profiles = append(r.Profiles, saveProfile(ctx, o.out, stamp+"-ingest", bin, ingestProf))
	log.Printf("  %.0f events/s, p50 %.1f ms p99 %.1f ms, errors %d", b.EventsPerSec, b.Latency.P50, b.Latency.P99, b.Errors)
	time.Sleep(time.Second)
	mem1, _ := rs.usedMemory(ctx)
	sb1, keys, _ := streamBytes(ctx, rs, "citygrid")
	m := memResult{Events: b.Accepted, UsedDelta: mem1 - mem0, StreamKeysBefore: keys}
	if b.Accepted > 0 {
		m.PerEvent = round(float64(mem1-mem0)/float64(b.Accepted), 1)
		m.StreamPerEvent = round(float64(sb1-sb0)/float64(b.Accepted), 1)
		m.MarkerPerEvent = round(m.PerEvent-m.StreamPerEvent, 1)
	}
	m.RefEvents = o.memN
	if m.RefPerEntry, err = refMemory(ctx, rs, o.memN, sampleFields(pool)); err != nil {
		return err
	}
	r.Memory = &m
	log.Printf("memory: %.0f B/event (stream %.0f), redis-benchmark %.0f B/entry", m.PerEvent, m.StreamPerEvent, m.RefPerEntry)

	log.Printf("ingest: single-event POSTs from 8 connections, %v", o.dur)
	singleProf := startProfile(ctx, srv.pprof, o.dur-time.Second)
	resetStats(ctx, rs)
	s := runIngest(ctx, srv, pool, pids(), 8, 1, o.dur)
	s.RedisCmds = commandStats(ctx, rs, s.Accepted)
	r.IngestSingle = &s
	r.Profiles = append(r.Profiles, saveProfile(ctx, o.out, stamp+"-single", bin, singleProf))
	log.Printf("  %.0f events/s, p50 %.2f ms p99 %.2f ms, errors %d", s.EventsPerSec, s.Latency.P50, s.Latency.P99, s.Errors)

	// 3. End to end.
	time.Sleep(2 * time.Second) // everything ingested so far is folded before the snapshots
	log.Printf("end-to-end: %.0f events/s, %d clients, %v", o.e2eRate, o.e2eConns, o.dur)
	// The end-to-end phase runs with the rules on (the profile's): its
	// profile shows what the alerts cost under load.
	e2eProf := startProfile(ctx, srv.pprof, o.dur-time.Second)
	e, err := runE2E(ctx, srv, pool, pids(), o.e2eRate, o.e2eConns, 0, 0, o.dur, o.tick, nil)
	if err != nil {
		return fmt.Errorf("end-to-end: %w", err)
	}
	r.E2E = &e
	r.Profiles = append(r.Profiles, saveProfile(ctx, o.out, stamp+"-e2e", bin, e2eProf))
	log.Printf("  achieved %.0f/s; latency p50 %.1f p99 %.1f max %.1f ms; matched %d of %d", e.AchievedRate,
		e.Latency.P50, e.Latency.P99, e.Latency.Max, e.Matched, e.Expected)

	// Alerts under that load: severe incidents awaited in the API.
	if o.alertSevere > 0 {
		time.Sleep(2 * time.Second)
		log.Printf("alerts under load: %.0f events/s, %d clients, %v; severe incidents one at a time, awaited in the API", o.e2eRate, o.e2eConns, o.dur)
		al, err := runAlertsUnderLoad(ctx, srv, pool, prof, pids(), o.e2eRate, o.e2eConns, o.dur, o.tick)
		if err != nil {
			return fmt.Errorf("alerts under load: %w", err)
		}
		r.AlertsLoad = &al
		log.Printf("  severe p50 %.1f p99 %.1f max %.1f ms (%d of %d seen); load achieved %.0f/s, p99 %.1f ms",
			al.Severe.Latency.P50, al.Severe.Latency.P99, al.Severe.Latency.Max, al.Severe.Seen, al.Severe.Sent,
			al.Load.AchievedRate, al.Load.Latency.P99)
	}

	// Stalled clients: the same load three times, at a rate the machine
	// holds: every client reading, then o.stalled of them not, then every
	// client reading again (the reference is the mean of the two).
	if o.stalled > 0 {
		st := &stallResult{}
		without := func(into *e2eResult) error {
			time.Sleep(2 * time.Second)
			log.Printf("stalled clients: %.0f events/s, %d clients, none stalled, %v", o.stallRate, o.e2eConns, o.stallDur)
			e, err := runE2E(ctx, srv, pool, pids(), o.stallRate, o.e2eConns, 0, 0, o.stallDur, o.tick, nil)
			if err != nil {
				return fmt.Errorf("stalled clients: %w", err)
			}
			*into = e
			log.Printf("  achieved %.0f/s; p99 %.1f ms", e.AchievedRate, e.Latency.P99)
			return nil
		}
		if err := without(&st.Without); err != nil {
			return err
		}
		time.Sleep(2 * time.Second)
		log.Printf("stalled clients: %.0f events/s, %d clients, %d stalled; until the server resyncs them (at most %v), then %v",
			o.stallRate, o.e2eConns, o.stalled, o.stallSettle, o.stallDur)
		if st.With, err = runE2E(ctx, srv, pool, pids(), o.stallRate, o.e2eConns, o.stalled, o.stallSettle, o.stallDur, o.tick, nil); err != nil {
			return fmt.Errorf("stalled clients: %w", err)
		}
		so := st.With.StalledOutcome
		log.Printf("  achieved %.0f/s; noticed after %.1f s; healthy p99 %.1f ms; server resyncs %.0f; stalled: %d resynced, %d closed, %d caught up",
			st.With.AchievedRate, st.With.SettleSec, st.With.Latency.P99, st.With.ServerResyncs, so.Resynced, so.Closed, so.CaughtUp)
		if err := without(&st.WithoutAfter); err != nil {
			return err
		}
		r.Stall = st
	}

	// Tiles, on a server that has drawn none yet.
	if o.tileConns > 0 {
		time.Sleep(time.Second)
		log.Printf("tiles: regions and h3 over Suzhou at zooms 9, 12, 15; cached from %d connections for %v", o.tileConns, o.tileDur)
		tr, err := runTiles(ctx, srv, pids(), []int{9, 12, 15}, o.tileZ15, o.tileConns, o.tileDur)
		if err != nil {
			return fmt.Errorf("tiles: %w", err)
		}
		r.Tiles = &tr
		log.Printf("  %.0f cached requests/s, p99 %.2f ms", tr.PerSec, tr.Latency.P99)
	}

	// Soak: the stalled-clients scenario's load, long, memory sampled.
	if o.soak > 0 {
		time.Sleep(time.Second)
		log.Printf("soak: %.0f events/s, %d clients, %v, memory every %v", o.stallRate, o.e2eConns, o.soak, o.soakEvery)
		sk, err := runSoak(ctx, srv, rs, pool, pids(), o.stallRate, o.e2eConns, o.soak, o.soakEvery, o.tick)
		if err != nil {
			return fmt.Errorf("soak: %w", err)
		}
		r.Soak = &sk
		log.Printf("  heap %d→%d KiB (max %d, late slope %.0f KiB/min), RSS %d→%d KiB", sk.Heap.StartKiB, sk.Heap.EndKiB,
			sk.Heap.MaxKiB, sk.Heap.LateSlopeKiBPerMin, sk.RSS.StartKiB, sk.RSS.EndKiB)
	}

	// 5. Rebuild from history, on a fresh server and fresh streams.
	srv.stop()
	if err := rs.rdb.FlushAll(ctx).Err(); err != nil {
		return err
	}
	log.Printf("rebuild: preloading %d events", o.rebuildN)
	rb := rebuildResult{Events: o.rebuildN}
	t0 := time.Now()
	if err := preload(ctx, rs.rdb, layout, pool, o.rebuildN); err != nil {
		return fmt.Errorf("preload: %w", err)
	}
	rb.PreloadSec = round(time.Since(t0).Seconds(), 2)
	rb.PreloadPerSec = round(float64(o.rebuildN)/time.Since(t0).Seconds(), 0)
	rb.StreamBytes, _, _ = streamBytes(ctx, rs, "citygrid")
	rb.PerEvent = round(float64(rb.StreamBytes)/float64(o.rebuildN), 1)
	var rprof <-chan profResult
	onStart := func() {}
	if o.pprof {
		ch := make(chan profResult, 1)
		rprof = ch
		// Profile about as long as the rebuild takes at 100,000 events/s.
		d := max(time.Second, time.Duration(o.rebuildN/100_000)*time.Second)
		onStart = func() { waitListening(pprofAddr); ch <- <-startProfile(ctx, pprofAddr, d) }
	}
	if srv, err = startServer(ctx, bin, rs.url(), srvArgs, logf, pprofAddr, onStart); err != nil {
		return err
	}
	if rprof != nil {
		r.Profiles = append(r.Profiles, saveProfile(ctx, o.out, stamp+"-rebuild", bin, rprof))
	}
	rb.ReadySec = round(srv.ready.Seconds(), 3)
	rb.EventsPerSec = round(float64(o.rebuildN)/srv.ready.Seconds(), 0)
	rb.RSSKiB, _ = rssKiB(srv.pid())
	rb.CPUSeconds = round(cpuTime(srv.pid()).Seconds(), 2)
	r.Rebuild = &rb
	m.PreloadPerEvent = rb.PerEvent
	log.Printf("  ready in %.2f s: %.0f events/s", rb.ReadySec, rb.EventsPerSec)

	// The rules' evaluation cost, from the Go benchmark, with the fresh
	// server idle.
	if o.goBench {
		log.Printf("go %s", strings.Join(evaluateBench, " "))
		gb, err := runGoBench(ctx, evaluateBench)
		if err != nil {
			log.Printf("  %v (skipped)", err)
		} else {
			r.Evaluate = &gb
			log.Printf("  %.2f ms per evaluation, %d allocs", gb.MsPerOp, gb.AllocsPerOp)
		}
	}

	r.Seconds = round(time.Since(began).Seconds(), 1)
	r.LoadAvgEnd = loadAvg()
	r.Figures = figures(r)
	return write(o.out, stamp, r)
}

func machine() Machine {
	host, _ := os.Hostname()
	m := Machine{Host: host, CPUs: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if out, err := exec.Command("redis-server", "--version").Output(); err == nil {
		m.Redis = string(trimNL(out))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU = cpuModel(string(b))
	}
	return m
}

// busyCores is how many cores the machine kept busy over d.
func busyCores(d time.Duration) float64 {
	b0, t0 := machineCPU()
	time.Sleep(d)
	b1, t1 := machineCPU()
	if t1 <= t0 {
		return 0
	}
	return round(float64(runtime.NumCPU())*float64(b1-b0)/float64(t1-t0), 2)
}

// codeVersion names the code measured: the commit, and how many files the
// working tree changes beside it (read-only git commands).
func codeVersion() string {
	head, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	v := string(trimNL(head))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil {
		if n := bytes.Count(st, []byte("\n")); n > 0 {
			v += fmt.Sprintf(" + %d modified files", n)
		}
	}
	return v
}
