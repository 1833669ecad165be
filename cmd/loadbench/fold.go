package main

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/sim"
	"github.com/paulmach/orb"
)

// foldResult is the heat fold's memory holding a full 24-hour window at a
// city's rate, measured in this process on a simulated clock: the fold is a
// plain data structure, so a day of events can be folded in minutes, which a
// server fed over HTTP could not.
type foldResult struct {
	Rate      int     `json:"events_per_s"`
	Events    int64   `json:"events"`
	Places    int     `json:"sample_places"`
	Seconds   float64 `json:"seconds"`
	NsPerEvt  float64 `json:"ns_per_event"`
	LiveBytes int64   `json:"live_bytes_after_24h"` // Go heap held by the fold after a GC
	// Soak: the same rate for a further stretch, the live heap sampled along it.
	SoakMinutes float64 `json:"soak_minutes"`
	SoakMin     int64   `json:"soak_live_bytes_min"`
	SoakMax     int64   `json:"soak_live_bytes_max"`
	SoakSamples []int64 `json:"soak_live_bytes"`
	// The cost of reading the full day: the 24 h heat at res 9 and the 24 h
	// figures of every street, as the REST API and the regions layer ask.
	Heat24hMs    float64 `json:"heat_24h_ms"`
	Streets24hMs float64 `json:"street_figures_24h_ms"`
}

// foldSample is one incident of the sample: where (its cells and regions, as
// ingest computes them) and what (category, severity) are drawn
// independently, so a day's distinct keys are those of fresh incidents.
type foldSample struct {
	cells   geo.Cells
	regions geo.RegionCodes
	cat     string
	sev     int
}

// runFold folds rate incidents a simulated second for 24 hours and then soak
// more, into a fresh heat.State, and measures the Go heap it holds.
func runFold(ctx context.Context, prof *geo.Profile, places, rate int, soak time.Duration) (foldResult, error) {
	res := foldResult{Rate: rate, Places: places, SoakMinutes: soak.Minutes()}
	regions, err := geo.LoadRegions(profiles.FS, prof)
	if err != nil {
		return res, err
	}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := start
	s, err := sim.New(sim.Config{URL: "http://127.0.0.1:1", Profile: prof, Seed: 7, Now: func() time.Time { return clock }})
	if err != nil {
		return res, err
	}
	samples := make([]foldSample, 0, places)
	for len(samples) < places {
		// The simulator's hot spots drift with its clock: sample across a day.
		clock = clock.Add(24 * time.Hour / time.Duration(places/1000+1))
		for _, in := range s.NextIncidents(1000) {
			pt := orb.Point{in.Lng, in.Lat}
			cells := geo.CellsOf(pt)
			samples = append(samples, foldSample{cells, regions.AssignAt(pt, cells.At(geo.FineRes)), in.Category, in.Severity})
		}
	}
	base := liveHeap()
	began := time.Now()
	st := heat.NewState(start)
	r := rand.New(rand.NewPCG(9, 9))
	in := geo.Incident{}
	second := func(t time.Time) {
		st.Advance(t)
		for range rate {
			where, what := &samples[r.IntN(len(samples))], &samples[r.IntN(len(samples))]
			in.Cells, in.Regions, in.Category, in.Severity, in.Time = where.cells, where.regions, what.cat, what.sev, t
			st.AddIncident(&in)
		}
		if t.Unix()%10 == 0 { // as a tick would drain them, less often: the memory is the same
			_ = st.Changes()
		}
		res.Events += int64(rate)
	}
	day := int(geo.LongestWindow() / time.Second)
	for i := range day {
		if i%3600 == 0 && ctx.Err() != nil {
			return res, ctx.Err()
		}
		if i > 0 && i%(4*3600) == 0 {
			log.Printf("  %d h folded, %d events, %.0f s", i/3600, res.Events, time.Since(began).Seconds())
		}
		second(start.Add(time.Duration(i) * time.Second))
	}
	res.LiveBytes = liveHeap() - base
	every := max(int(soak/time.Second)/6, 1)
	for i := range int(soak / time.Second) {
		second(start.Add(time.Duration(day+i) * time.Second))
		if (i+1)%every == 0 {
			b := liveHeap() - base
			res.SoakSamples = append(res.SoakSamples, b)
			if res.SoakMin == 0 || b < res.SoakMin {
				res.SoakMin = b
			}
			res.SoakMax = max(res.SoakMax, b)
		}
	}
	res.Seconds = time.Since(began).Seconds()
	res.NsPerEvt = res.Seconds * 1e9 / float64(res.Events)
	t0 := time.Now()
	st.Heat(heat.ViewKey{Res: 9, Window: "24h"})
	res.Heat24hMs = time.Since(t0).Seconds() * 1000
	t0 = time.Now()
	if _, err := st.RegionFigures(geo.LevelStreet, "24h"); err != nil {
		return res, err
	}
	res.Streets24hMs = time.Since(t0).Seconds() * 1000
	runtime.KeepAlive(st)
	return res, nil
}

// liveHeap is the harness's Go heap in use right after a collection.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func (f foldResult) String() string {
	return fmt.Sprintf("%d events at %d/s: %.0f MiB live after 24 h, soak %.0f–%.0f MiB; %.0f ns/event; 24 h heat at res 9 in %.1f ms, street figures in %.1f ms",
		f.Events, f.Rate, mib(f.LiveBytes), mib(f.SoakMin), mib(f.SoakMax), f.NsPerEvt, f.Heat24hMs, f.Streets24hMs)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func ptr[T any](v T) *T { return &v }

// soakMiB lists the soak's samples in MiB.
func soakMiB(bs []int64) string {
	out := ""
	for i, b := range bs {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%.0f", mib(b))
	}
	return out
}
