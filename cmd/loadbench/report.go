package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Results is everything one run measured; it is written as <date>.json.
type Results struct {
	Started      string         `json:"started"`
	Seconds      float64        `json:"seconds"`
	Quick        bool           `json:"quick"`
	RulesOff     bool           `json:"rules_off,omitempty"` // every alert rule was off
	Machine      Machine        `json:"machine"`
	Tick         string         `json:"tick"`
	Code         string         `json:"code"` // commit measured, and uncommitted changes
	EntryBytes   int            `json:"entry_field_bytes"`
	Figures      []Figure       `json:"figures"`
	RefXADD      refResult      `json:"ref_xadd"`
	RefXADDP16   refResult      `json:"ref_xadd_p16"`
	IngestBatch  *loadResult    `json:"ingest_batched,omitempty"`
	IngestSingle *loadResult    `json:"ingest_single,omitempty"`
	Memory       *memResult     `json:"memory,omitempty"`
	E2E          *e2eResult     `json:"end_to_end,omitempty"`
	Fanout       *fanoutResult  `json:"fanout,omitempty"`
	Rebuild      *rebuildResult `json:"rebuild,omitempty"`
	Fold         *foldResult    `json:"fold_24h,omitempty"`
	// FanoutBaseline is the fan-out scenario against the raw broadcast baseline.
	FanoutBaseline *fanoutResult `json:"fanout_baseline,omitempty"`
	Stall          *stallResult  `json:"stalled_clients,omitempty"`
	Tiles          *tilesResult  `json:"tiles,omitempty"`
	Soak           *soakResult   `json:"soak,omitempty"`
	Alerts         *alertsResult `json:"alerts,omitempty"`
	// AlertsLoad is the alerts phase under the end-to-end load.
	AlertsLoad *alertsLoadResult `json:"alerts_under_load,omitempty"`
	// Evaluate is ops.BenchmarkEvaluate, run by the session.
	Evaluate     *goBenchResult `json:"evaluate_benchmark,omitempty"`
	NotMeasured  []string       `json:"not_measured"`
	Profiles     []string       `json:"profiles"`
	LoadAvgStart string         `json:"loadavg_start"`
	LoadAvgEnd   string         `json:"loadavg_end"`
	// BusyBeforeCores is how many cores the machine kept busy in the 2 s
	// before the session started anything but redis-server.
	BusyBeforeCores float64 `json:"busy_before_cores"`
}

// stallResult is the stalled-clients scenario: the same load without, then
// with, some clients that stop reading.
type stallResult struct {
	Without      e2eResult `json:"without"`
	With         e2eResult `json:"with"`
	WithoutAfter e2eResult `json:"without_after"`
}

// ref is the reference p99s: the mean of the runs before and after.
func (s *stallResult) ref() (raw, minusTick float64) {
	return round((s.Without.Latency.P99+s.WithoutAfter.Latency.P99)/2, 1),
		round((s.Without.MinusTick.P99+s.WithoutAfter.MinusTick.P99)/2, 1)
}

// Machine says where the figures come from.
type Machine struct {
	Host  string `json:"host"`
	CPU   string `json:"cpu"`
	CPUs  int    `json:"cpus"`
	OS    string `json:"os"`
	Go    string `json:"go"`
	Redis string `json:"redis"`
}

// Figure is one row of the table.
type Figure struct {
	Name       string  `json:"figure"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Conditions string  `json:"conditions"`
	Reference  string  `json:"reference,omitempty"`
	RefValue   float64 `json:"reference_value,omitempty"`
	Ratio      float64 `json:"ratio,omitempty"`
	Target     string  `json:"target,omitempty"`
	Met        *bool   `json:"met,omitempty"`
}

func atLeast(v, t float64) *bool { b := v >= t; return &b }
func atMost(v, t float64) *bool  { b := v <= t; return &b }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return round(a/b, 3)
}

// figures turns the results into the table's rows; targets are issue 6's.
func figures(r *Results) []Figure {
	var fs []Figure
	add := func(f Figure) { fs = append(fs, f) }
	refP1 := fmt.Sprintf("redis-benchmark XADD, 50 clients, P1, %d fields", r.RefXADD.EntryArgs)
	refP16 := fmt.Sprintf("redis-benchmark XADD, 50 clients, P16, %d fields", r.RefXADDP16.EntryArgs)
	if !r.foldOnly() {
		add(Figure{Name: "reference: XADD unpipelined", Value: r.RefXADD.RPS, Unit: "req/s", Conditions: refP1})
		add(Figure{Name: "reference: XADD pipelined", Value: r.RefXADDP16.RPS, Unit: "req/s", Conditions: refP16})
	}
	if b := r.IngestBatch; b != nil {
		rt := ratio(b.EventsPerSec, r.RefXADDP16.RPS)
		add(Figure{Name: "batched ingest", Value: b.EventsPerSec, Unit: "events/s",
			Conditions: fmt.Sprintf("NDJSON ×%d, %d conns, %.0fs, %d errors", b.Batch, b.Conns, b.Seconds, b.Errors),
			Reference:  "XADD P16", RefValue: r.RefXADDP16.RPS, Ratio: rt, Target: "≥ 0.30 (0.5)", Met: atLeast(rt, 0.30)})
		add(Figure{Name: "batched POST latency p50 / p99", Value: b.Latency.P50, Unit: "ms",
			Conditions: fmt.Sprintf("p99 %.1f ms, max %.1f ms, per 1,000 events", b.Latency.P99, b.Latency.Max)})
		add(Figure{Name: "server CPU per ingested event (batched)", Value: b.ServerCPUUS, Unit: "µs",
			Conditions: fmt.Sprintf("cores: %s", cores(b.CPU))})
		add(Figure{Name: "Redis CPU per ingested event (batched)", Value: b.RedisCPUUS, Unit: "µs",
			Conditions: "commandstats µs/event: " + topCmds(b.RedisCmds)})
	}
	if s := r.IngestSingle; s != nil {
		rt := ratio(s.EventsPerSec, r.RefXADD.RPS)
		add(Figure{Name: "single-event POSTs", Value: s.EventsPerSec, Unit: "events/s",
			Conditions: fmt.Sprintf("%d conns, %.0fs, %d errors; cores: %s", s.Conns, s.Seconds, s.Errors, cores(s.CPU)),
			Reference:  "XADD P1", RefValue: r.RefXADD.RPS, Ratio: rt, Target: "≥ 0.25 (0.4)", Met: atLeast(rt, 0.25)})
		add(Figure{Name: "single POST latency p50 / p99", Value: s.Latency.P50, Unit: "ms",
			Conditions: fmt.Sprintf("p99 %.2f ms, max %.1f ms", s.Latency.P99, s.Latency.Max)})
		add(Figure{Name: "CPU per single-event POST: citygrid / Redis", Value: s.ServerCPUUS, Unit: "µs",
			Conditions: fmt.Sprintf("Redis %.1f µs; commandstats µs/event: %s", s.RedisCPUUS, topCmds(s.RedisCmds))})
	}
	if m := r.Memory; m != nil {
		rt := ratio(m.PerEvent, m.RefPerEntry)
		add(Figure{Name: "Redis memory per retained event", Value: m.PerEvent, Unit: "B",
			Conditions: fmt.Sprintf("used_memory Δ over %d events: stream %.0f B + seen tags %.0f B", m.Events, m.StreamPerEvent, m.MarkerPerEvent),
			Reference:  fmt.Sprintf("redis-benchmark XADD, same fields (the pool's median incident, an id as long as the ingest's), %d entries", m.RefEvents), RefValue: m.RefPerEntry,
			Ratio: rt, Target: "≤ 1.2 (1.0)", Met: atMost(rt, 1.2)})
		add(Figure{Name: "stream memory per event (no marker)", Value: m.StreamPerEvent, Unit: "B",
			Conditions: fmt.Sprintf("MEMORY USAGE of the %d shard streams; preload of %s: %.0f B", m.StreamKeysBefore, "the rebuild", m.PreloadPerEvent),
			Reference:  "redis-benchmark XADD", RefValue: m.RefPerEntry, Ratio: ratio(m.StreamPerEvent, m.RefPerEntry)})
	}
	if e := r.E2E; e != nil {
		cond := fmt.Sprintf("%.0f events/s offered, %.0f achieved, %d clients res 9/15m, %.0fs, tick %s", e.TargetRate, e.AchievedRate, e.Clients, e.Seconds, r.Tick)
		add(Figure{Name: "end-to-end p50", Value: e.Latency.P50, Unit: "ms", Conditions: cond})
		add(Figure{Name: "end-to-end p99", Value: e.Latency.P99, Unit: "ms", Conditions: cond})
		add(Figure{Name: "end-to-end max", Value: e.Latency.Max, Unit: "ms",
			Conditions: fmt.Sprintf("%d of %d probe deliveries matched, %d resyncs, %d POSTs skipped", e.Matched, e.Expected, e.Resyncs, e.PostsSkipped)})
		add(Figure{Name: "frame asOf → client receipt p50 / p99", Value: e.TickToRecv.P50, Unit: "ms",
			Conditions: fmt.Sprintf("p99 %.1f ms, max %.1f ms: the hub, the socket and the client, per frame", e.TickToRecv.P99, e.TickToRecv.Max)})
		add(Figure{Name: "end-to-end p99 minus the tick", Value: e.MinusTick.P99, Unit: "ms",
			Conditions: fmt.Sprintf("p50 %.1f, max %.1f ms minus %s", e.MinusTick.P50, e.MinusTick.Max, r.Tick),
			Target:     "≤ 25 ms (10)", Met: atMost(e.MinusTick.P99, 25)})
		add(Figure{Name: "end-to-end POST latency p99", Value: e.PostLatency.P99, Unit: "ms",
			Conditions: fmt.Sprintf("%d events per POST, p50 %.1f ms; cores: %s", e.Batch, e.PostLatency.P50, cores(e.CPU))})
	}
	if f := r.Fanout; f != nil {
		base := r.FanoutBaseline
		if base == nil {
			base = &fanoutResult{}
		}
		const bl = "raw coder/websocket broadcast"
		add(Figure{Name: "server memory per idle websocket client", Value: f.PerClientKiB, Unit: "KiB",
			Conditions: fmt.Sprintf("Go heap+stacks in use after GC %d→%d KiB with %d clients; VmRSS %d→%d KiB (%.1f KiB/client; baseline %.1f)",
				f.LiveBeforeKiB, f.LiveAfterKiB, f.Clients, f.RSSBeforeKiB, f.RSSAfterKiB, f.RSSPerClientKiB, base.RSSPerClientKiB),
			Reference: bl, RefValue: base.PerClientKiB, Ratio: ratio(f.PerClientKiB, base.PerClientKiB),
			Target: "≤ 30 KiB (12)", Met: atMost(f.PerClientKiB, 30)})
		add(Figure{Name: "delivery spread within a tick p50", Value: f.Spread.P50, Unit: "ms",
			Conditions: fmt.Sprintf("p99 %.1f ms, max %.1f ms over %d ticks, %d clients, %.0f events/s trickle, %d-byte deltas; baseline p99 %.1f ms",
				f.Spread.P99, f.Spread.Max, f.Ticks, f.Clients, f.TrickleRate, f.AvgFrameBytes, base.Spread.P99),
			Reference: bl + " p50", RefValue: base.Spread.P50, Ratio: ratio(f.Spread.P50, base.Spread.P50)})
		add(Figure{Name: "server CPU per delivered frame", Value: f.CPUPerFrameUS, Unit: "µs",
			Conditions: fmt.Sprintf("%.0f frames/s to %d clients; cores: %s", f.FramesPerSec, f.Clients, cores(f.CPU)),
			Reference:  bl, RefValue: base.CPUPerFrameUS, Ratio: ratio(f.CPUPerFrameUS, base.CPUPerFrameUS),
			Target: "≤ 20 µs (10)", Met: atMost(f.CPUPerFrameUS, 20)})
	}
	if st := r.Stall; st != nil {
		w, wo, wa := st.With, st.Without, st.WithoutAfter
		ref, refMT := st.ref()
		rt := ratio(w.Latency.P99, ref)
		add(Figure{Name: "healthy clients' end-to-end p99 with 1 % stalled", Value: w.Latency.P99, Unit: "ms",
			Conditions: fmt.Sprintf("%d of %d clients stop reading (%d KiB receive buffer); measured %.0fs after the server noticed them (%.1f s of unmeasured load, %.0f resyncs by then); %.0f events/s offered, %.0f achieved (before / after %.0f / %.0f); minus the tick %.1f ms vs %.1f (ratio %.3f); %d probe deliveries matched of about %d sent while measuring",
				w.Stalled, w.Clients, stalledRecvBuf>>10, w.Seconds, w.SettleSec, w.SettleResyncs, w.TargetRate, w.AchievedRate, wo.AchievedRate, wa.AchievedRate,
				w.MinusTick.P99, refMT, ratio(w.MinusTick.P99, refMT), w.Matched, w.Expected),
			Reference: fmt.Sprintf("same load, none stalled, mean of before (%.1f) and after (%.1f)", wo.Latency.P99, wa.Latency.P99),
			RefValue:  ref, Ratio: rt, Target: "≤ 1.2 (1.0)", Met: atMost(rt, 1.2)})
		if o := w.StalledOutcome; o != nil {
			handled := o.Resynced + o.Closed
			add(Figure{Name: "stalled clients resynced or closed", Value: float64(handled), Unit: "clients",
				Conditions: fmt.Sprintf("of %d: on reading again (up to %.0f s) %d got a snapshot; %d deltas (%d KiB) were waiting before it or the end; %d found the connection closed, %d only deltas; citygrid_ws_resyncs_total +%.0f",
					w.Stalled, o.WaitSec, o.Resynced, o.Deltas, o.Bytes>>10, o.Closed, o.CaughtUp, w.ServerResyncs),
				Target: "all", Met: atLeast(float64(handled), float64(w.Stalled))})
		}
	}
	if a := r.Alerts; a != nil {
		for _, k := range []struct {
			name, how string
			l         alertLatency
		}{
			{"severe incident → alert on a websocket client", "one severity-4 incident per POST, raised when folded", a.Severe},
			{"hot cell → alert on a websocket client", fmt.Sprintf("one POST of %d incidents into a res-9 cell (rule: %d in %s opens), raised as the cell's incidents are folded (the evaluation every %s is the fallback: a slower figure means it waited for one)",
				a.HotRule.Open, a.HotRule.Open, a.HotRule.Window, a.Every), a.HotCell},
		} {
			cond := fmt.Sprintf("%s; %d of %d alerts seen within %.0f s (count rose with %d), %d POST errors; one at a time, each into a res-9 cell empty in the last hour, on an %s server (no other load), tick %s, client subscribed to the alerts layer; POST p50 %.1f ms",
				k.how, k.l.Seen, k.l.Sent, alertWait.Seconds(), k.l.CountRose, k.l.PostErrors, a.Load, r.Tick, k.l.PostLatency.P50)
			add(Figure{Name: k.name + " p50", Value: k.l.Latency.P50, Unit: "ms", Conditions: cond})
			add(Figure{Name: k.name + " p99", Value: k.l.Latency.P99, Unit: "ms",
				Conditions: fmt.Sprintf("max %.1f ms, mean %.1f ms over %d alerts; cores during the scenario: %s", k.l.Latency.Max, k.l.Latency.Mean, k.l.Latency.N, cores(a.CPU))})
		}
	}
	if a := r.AlertsLoad; a != nil {
		l := a.Severe
		cond := fmt.Sprintf("one severity-4 incident per POST, awaited in GET /api/v1/alerts?incident= (polled every %s: the resolution), while the end-to-end load ran (%.0f events/s offered, %.0f achieved, %d clients, rules on; its p99 %.1f ms); %d of %d alerts seen within %.0f s, %d POST errors; POST p50 %.1f ms p99 %.1f ms",
			a.Poll, a.Load.TargetRate, a.Load.AchievedRate, a.Load.Clients, a.Load.Latency.P99, l.Seen, l.Sent, alertWait.Seconds(), l.PostErrors, l.PostLatency.P50, l.PostLatency.P99)
		add(Figure{Name: "severe incident → alert in the API, under load, p50", Value: l.Latency.P50, Unit: "ms", Conditions: cond})
		add(Figure{Name: "severe incident → alert in the API, under load, p99", Value: l.Latency.P99, Unit: "ms",
			Conditions: fmt.Sprintf("max %.1f ms over %d alerts; in a storm the wall shows the storm, sent at most once a second", l.Latency.Max, l.Latency.N)})
	}
	if t := r.Tiles; t != nil {
		for _, z := range t.Zooms {
			add(Figure{Name: fmt.Sprintf("tile %s z%d cold p50", z.Layer, z.Z), Value: z.Cold.P50, Unit: "ms",
				Conditions: fmt.Sprintf("cold p99 %.2f ms, warm p50 / p99 %.2f / %.2f ms; %d of %d tiles over Suzhou (seeded sample), one at a time, %d without features, %.0f features mean, %d errors; gzip p50 %s B max %s B (raw p50 %s B max %s B)",
					z.Cold.P99, z.Warm.P50, z.Warm.P99, z.Asked, z.InArea, z.Empty, z.Features.Mean, z.Errors+z.Undecodable,
					num(z.GzBytes.P50), num(z.GzBytes.Max), num(z.Raw.P50), num(z.Raw.Max))})
		}
		add(Figure{Name: "cached tile requests", Value: t.PerSec, Unit: "req/s",
			Conditions: fmt.Sprintf("%d connections, %.0fs, %d distinct tiles (all layers and zooms above), %.1f MB/s gzip, p50 %.2f p99 %.2f ms, %d errors; citygrid %.1f µs/request; cores: %s",
				t.Conns, t.Seconds, t.DistinctWarm, t.MBPerSec, t.Latency.P50, t.Latency.P99, t.Errors, t.ServerCPUUS, cores(t.CPU)),
			Target: "≥ 5,000", Met: atLeast(t.PerSec, 5000)})
	}
	if sk := r.Soak; sk != nil {
		l := sk.Load
		cond := fmt.Sprintf("%.0fs at %.0f events/s offered (%.0f achieved), %d clients, sampled every %.0fs", sk.Seconds, l.TargetRate, l.AchievedRate, l.Clients, sk.Every)
		for _, m := range []struct {
			name string
			t    memTrend
		}{{"soak: citygrid Go heap in use", sk.Heap}, {"soak: citygrid RSS", sk.RSS}} {
			add(Figure{Name: m.name + ", late slope", Value: m.t.LateSlopeKiBPerMin, Unit: "KiB/min",
				Conditions: fmt.Sprintf("start %d, end %d, max %d KiB; slope over the whole soak %.0f KiB/min; %s", m.t.StartKiB, m.t.EndKiB, m.t.MaxKiB, m.t.SlopeKiBPerMin, cond),
				Target:     "flat (second half's slope < 10 % of the end value per hour)", Met: &m.t.Flat})
		}
		add(Figure{Name: "soak: Redis used_memory, late slope", Value: sk.Redis.LateSlopeKiBPerMin, Unit: "KiB/min",
			Conditions: fmt.Sprintf("start %d, end %d KiB: the streams keep every event (by design, up to the retention)", sk.Redis.StartKiB, sk.Redis.EndKiB)})
		add(Figure{Name: "soak: end-to-end p99", Value: l.Latency.P99, Unit: "ms",
			Conditions: fmt.Sprintf("p50 %.1f ms, max %.1f ms, %d resyncs, %d POSTs skipped", l.Latency.P50, l.Latency.Max, l.Resyncs, l.PostsSkipped)})
	}
	if b := r.Rebuild; b != nil {
		add(Figure{Name: "rebuild from history", Value: b.EventsPerSec, Unit: "events/s",
			Conditions: fmt.Sprintf("%d events over 24h, start→/readyz %.2f s, %.1f CPU s, RSS %d MiB", b.Events, b.ReadySec, b.CPUSeconds, b.RSSKiB/1024),
			Target:     "≥ 200,000 (500,000)", Met: atLeast(b.EventsPerSec, 200_000)})
	}
	if f := r.Fold; f != nil {
		add(Figure{Name: "heat fold memory, full 24 h window", Value: round(mib(f.SoakMax), 0), Unit: "MiB",
			Conditions: fmt.Sprintf("%d events/s for a simulated day (%d events, %d sampled incidents drawn at random, place and kind apart), folded in the harness; Go heap held after a GC: %.0f MiB at 24 h, %.0f–%.0f MiB over %.0f more minutes (%s); %.0f ns/event; then the 24 h heat at res 9 read in %.1f ms, every street's 24 h figures in %.1f ms",
				f.Rate, f.Events, f.Places, mib(f.LiveBytes), mib(f.SoakMin), mib(f.SoakMax), f.SoakMinutes, soakMiB(f.SoakSamples), f.NsPerEvt, f.Heat24hMs, f.Streets24hMs),
			Target: "≤ 2,048, flat after warm-up", Met: ptr(f.SoakMax <= 2<<30 && f.SoakMax-f.SoakMin <= f.SoakMax/10)})
	}
	if g := r.Evaluate; g != nil {
		add(Figure{Name: "rules evaluation at 100,000 active cells", Value: g.MsPerOp, Unit: "ms",
			Conditions: fmt.Sprintf("ops.BenchmarkEvaluate (every rule, 1,000 hot cells alerted, 300 units, 100 dispatches): %s: %.0f ns/op, %d B/op, %d allocs/op over %d evaluations; %.1f %% of a core at one evaluation a second; machine %.2f cores busy before",
				g.Command, g.NsPerOp, g.BytesPerOp, g.AllocsPerOp, g.Iterations, g.MsPerOp/10, g.BusyBeforeCores)})
	}
	return fs
}

func topCmds(cs []cmdStat) string {
	var parts []string
	for _, c := range cs[:min(3, len(cs))] {
		parts = append(parts, fmt.Sprintf("%s %.1f (%.1f/call)", c.Command, c.UsecPerEvent, c.UsecPerCall))
	}
	return strings.Join(parts, ", ")
}

func cores(m map[string]float64) string {
	return fmt.Sprintf("citygrid %.2f, redis %.2f, harness %.2f, others %.2f", m["citygrid"], m["redis"], m["harness"], m["others"])
}

// notMeasured lists what the run left out.
func notMeasured(r *Results) []string {
	if r.foldOnly() {
		return nil // it measures one thing, on purpose
	}
	out := []string{"the raw broadcast baseline under the end-to-end load (it is measured for the fan-out only)",
		"a reference for cached tiles (a plain net/http server of the same bytes)"}
	if r.Stall == nil {
		out = append(out, "healthy clients' p99 with 1 % of clients stalled ÷ without (-stalled 0)")
	}
	if r.Tiles == nil {
		out = append(out, "tiles (-tile-conns 0)")
	}
	if r.Soak == nil {
		out = append(out, "memory over a 10-minute soak (run with -soak 10m)")
	}
	if r.Alerts == nil {
		out = append(out, "alert latency (-alert-severe 0 -alert-hot 0)")
	}
	if r.AlertsLoad == nil {
		out = append(out, "alert latency under ingest load (-alert-severe 0)")
	}
	if r.Evaluate == nil {
		out = append(out, "the rules' evaluation benchmark (-go-bench=false, or it failed: see the log)")
	}
	return out
}

// foldOnly reports whether the run was the fold scenario alone (-fold-only).
func (r *Results) foldOnly() bool { return r.Fold != nil && r.IngestBatch == nil }

// write stores <date>.json and <date>.md in dir.
func write(dir, name string, r *Results) error {
	r.NotMeasured = notMeasured(r)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	md := markdown(r)
	if err := os.WriteFile(filepath.Join(dir, name+".md"), md, 0o644); err != nil {
		return err
	}
	os.Stdout.Write(md)
	return nil
}

// rerender reads a run's <name>.json and writes its figures again, as write
// does: the measurements stay, the rows and their wording are today's.
func rerender(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	r.Figures = figures(&r)
	return write(filepath.Dir(file), strings.TrimSuffix(filepath.Base(file), ".json"), &r)
}

func markdown(r *Results) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# citygrid load session %s\n\n", r.Started)
	if r.foldOnly() {
		fmt.Fprintf(&b, "Code %s. %s, %d CPUs, %s, %s; the fold scenario alone (-fold-only), in the harness on a simulated clock, %.0f s; load average %s at the start, %s at the end.\n\n",
			r.Code, r.Machine.CPU, r.Machine.CPUs, r.Machine.OS, r.Machine.Go, r.Seconds, r.LoadAvgStart, r.LoadAvgEnd)
		return appendTable(&b, r)
	}
	fmt.Fprintf(&b, "Code %s. %s, %d CPUs, %s, %s, %s; tick %s; %s run, %.0f s; %s. Everything on loopback: citygrid, redis-server and the load share the CPUs.\n\n",
		r.Code, r.Machine.CPU, r.Machine.CPUs, r.Machine.OS, r.Machine.Go, r.Machine.Redis, r.Tick, map[bool]string{true: "quick", false: "full"}[r.Quick], r.Seconds,
		map[bool]string{true: "every alert rule off (-rules-off)", false: "the profile's alert rules on"}[r.RulesOff])
	fmt.Fprintf(&b, "Machine load not ours: %.2f cores busy in the 2 s before the session; load average %s at the start, %s at the end; each scenario's \"others\" is the machine's busy time not charged to citygrid, redis-server or the harness (other work, and kernel time of loopback traffic).\n\n",
		r.BusyBeforeCores, r.LoadAvgStart, r.LoadAvgEnd)
	return appendTable(&b, r)
}

// appendTable writes the figures, the profiles and what was not measured.
func appendTable(b *bytes.Buffer, r *Results) []byte {
	b.WriteString("| figure | value | unit | conditions | reference | ratio | target |\n|---|---:|---|---|---|---:|---|\n")
	for _, f := range r.Figures {
		ref, rt, tg := "", "", f.Target
		if f.Reference != "" {
			ref = fmt.Sprintf("%s: %s", f.Reference, num(f.RefValue))
		}
		if f.Ratio != 0 {
			rt = fmt.Sprintf("%.3f", f.Ratio)
		}
		if f.Met != nil {
			tg += map[bool]string{true: " ✅", false: " ❌ missed"}[*f.Met]
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", f.Name, num(f.Value), f.Unit,
			strings.ReplaceAll(f.Conditions, "|", "/"), ref, rt, tg)
	}
	if len(r.Profiles) > 0 {
		b.WriteString("\nCPU profiles of citygrid (built with a pprof listener through `go build -overlay`):\n")
		for _, p := range r.Profiles {
			fmt.Fprintf(b, "- %s\n", p)
		}
	}
	if len(r.NotMeasured) > 0 {
		b.WriteString("\nNot measured in this run:\n")
	}
	for _, s := range r.NotMeasured {
		fmt.Fprintf(b, "- %s\n", s)
	}
	return b.Bytes()
}

func num(v float64) string {
	if v >= 1000 || v == float64(int64(v)) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func trimNL(b []byte) []byte { return bytes.TrimSpace(b) }

func cpuModel(cpuinfo string) string {
	for line := range strings.SplitSeq(cpuinfo, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
