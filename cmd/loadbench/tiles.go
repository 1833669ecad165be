package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// suzhouTiles is the area tiles are asked for: Suzhou's extent.
var suzhouTiles = orb.Bound{Min: orb.Point{119.9, 30.7}, Max: orb.Point{121.4, 32.1}}

// tilesOver lists the tiles of zoom z that cover b, row by row.
func tilesOver(b orb.Bound, z maptile.Zoom) []maptile.Tile {
	nw := maptile.At(orb.Point{b.Min[0], b.Max[1]}, z)
	se := maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)
	var out []maptile.Tile
	for y := nw.Y; y <= se.Y; y++ {
		for x := nw.X; x <= se.X; x++ {
			out = append(out, maptile.New(x, y, z))
		}
	}
	return out
}

// sample picks n of ts at random (seeded: the same n tiles every run), in
// their original order; all of them when n <= 0 or n >= len(ts). (Evenly
// spaced picks of a row-major list would line up in a few columns.)
func sample[T any](ts []T, n int, seed uint64) []T {
	if n <= 0 || n >= len(ts) {
		return ts
	}
	idx := rand.New(rand.NewPCG(seed, 1)).Perm(len(ts))[:n]
	slices.Sort(idx)
	out := make([]T, n)
	for i, j := range idx {
		out[i] = ts[j]
	}
	return out
}

// sizeSummary summarizes sizes in bytes.
type sizeSummary struct {
	P50  float64 `json:"p50"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

func summarizeSizes(sizes []int) sizeSummary {
	if len(sizes) == 0 {
		return sizeSummary{}
	}
	fs := make([]float64, len(sizes))
	var sum float64
	for i, s := range sizes {
		fs[i] = float64(s)
		sum += fs[i]
	}
	slices.Sort(fs)
	return sizeSummary{P50: percentile(fs, 50), Max: fs[len(fs)-1], Mean: round(sum/float64(len(fs)), 0)}
}

// tileZoom is one layer at one zoom.
type tileZoom struct {
	Layer       string      `json:"layer"`
	Z           int         `json:"z"`
	InArea      int         `json:"tiles_in_area"`
	Asked       int         `json:"tiles_requested"`
	Empty       int         `json:"empty_tiles"` // no features
	Undecodable int         `json:"undecodable_tiles"`
	Errors      int         `json:"errors"`
	Cold        Summary     `json:"cold"`
	Warm        Summary     `json:"warm"`
	GzBytes     sizeSummary `json:"gzip_bytes"`
	Raw         sizeSummary `json:"raw_bytes"`
	Features    sizeSummary `json:"features"`
}

// tilesResult is the tiles scenario.
type tilesResult struct {
	Zooms        []tileZoom         `json:"zooms"`
	Conns        int                `json:"conns"`
	Seconds      float64            `json:"seconds"`
	Requests     int64              `json:"requests"`
	Errors       int64              `json:"errors"`
	PerSec       float64            `json:"cached_requests_per_s"`
	MBPerSec     float64            `json:"mb_per_s"`
	Latency      Summary            `json:"cached_latency"`
	ServerCPUUS  float64            `json:"server_cpu_per_request_us"`
	CPU          map[string]float64 `json:"cpu_cores"`
	DistinctWarm int                `json:"distinct_tiles_in_mix"`
}

type tileReq struct {
	path string
	zi   int // index into tilesResult.Zooms
}

func newTileClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 1
	t.MaxConnsPerHost = 1
	t.DisableCompression = true // the body is counted as sent: gzip
	return &http.Client{Timeout: 30 * time.Second, Transport: t}
}

// getTile fetches one tile; body is nil unless keep.
func getTile(ctx context.Context, c *http.Client, url string, keep bool) (body []byte, n int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if keep {
		body, err = io.ReadAll(resp.Body)
		n = int64(len(body))
	} else {
		n, err = io.Copy(io.Discard, resp.Body)
	}
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	return body, n, err
}

// tileContent is a gzipped tile's decoded size and feature count; -1, -1
// when it does not decode.
func tileContent(b []byte) (rawLen, features int) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return -1, -1
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return -1, -1
	}
	layers, err := mvt.Unmarshal(raw)
	if err != nil {
		return len(raw), -1
	}
	for _, l := range layers {
		features += len(l.Features)
	}
	return len(raw), features
}

// runTiles asks for the regions and h3 tiles over Suzhou at each zoom, one
// at a time from one connection: first each tile once (cold: the server
// draws it), then the same again (warm: from its cache); then cached tiles
// as fast as conns connections get answers for dur.
func runTiles(ctx context.Context, s *server, meterPids map[string]int, zooms []int, perZoom, conns int, dur time.Duration) (tilesResult, error) {
	res := tilesResult{Conns: conns, Seconds: dur.Seconds()}
	var reqs []tileReq
	for _, layer := range []string{"regions", "h3"} {
		for _, z := range zooms {
			all := tilesOver(suzhouTiles, maptile.Zoom(z))
			picked := sample(all, perZoom, uint64(z))
			res.Zooms = append(res.Zooms, tileZoom{Layer: layer, Z: z, InArea: len(all), Asked: len(picked)})
			for _, t := range picked {
				reqs = append(reqs, tileReq{fmt.Sprintf("/tiles/%s/%d/%d/%d.pbf", layer, t.Z, t.X, t.Y), len(res.Zooms) - 1})
			}
		}
	}
	c := newTileClient()
	defer c.CloseIdleConnections()
	n := len(res.Zooms)
	cold, warm := make([][]time.Duration, n), make([][]time.Duration, n)
	gz, raw, feats := make([][]int, n), make([][]int, n), make([][]int, n)
	for pass := range 2 {
		for _, r := range reqs {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			t0 := time.Now()
			body, _, err := getTile(ctx, c, s.url(r.path), pass == 0)
			d := time.Since(t0)
			if err != nil {
				res.Zooms[r.zi].Errors++
				continue
			}
			if pass == 0 {
				cold[r.zi] = append(cold[r.zi], d)
				gz[r.zi] = append(gz[r.zi], len(body))
				rl, nf := tileContent(body)
				raw[r.zi] = append(raw[r.zi], rl)
				feats[r.zi] = append(feats[r.zi], nf)
				switch {
				case nf < 0:
					res.Zooms[r.zi].Undecodable++
				case nf == 0:
					res.Zooms[r.zi].Empty++
				}
			} else {
				warm[r.zi] = append(warm[r.zi], d)
			}
		}
	}
	for i := range res.Zooms {
		z := &res.Zooms[i]
		z.Cold, z.Warm = summarize(cold[i]), summarize(warm[i])
		z.GzBytes, z.Raw, z.Features = summarizeSizes(gz[i]), summarizeSizes(raw[i]), summarizeSizes(feats[i])
	}

	// Cached tiles from several connections: each walks the whole list from
	// its own offset.
	res.DistinctWarm = len(reqs)
	if len(reqs) == 0 || conns <= 0 {
		return res, nil
	}
	urls := make([]string, len(reqs))
	for i, r := range reqs {
		urls[i] = s.url(r.path)
	}
	var count, errs, bytesRead atomic.Int64
	hists := make([]*histogram, conns)
	meter := newCPUMeter(meterPids)
	lctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conns {
		h := newHistogram(10*time.Microsecond, time.Second)
		hists[w] = h
		wg.Go(func() {
			c := newTileClient()
			defer c.CloseIdleConnections()
			for i := w * len(urls) / conns; lctx.Err() == nil; i++ {
				t0 := time.Now()
				_, nb, err := getTile(lctx, c, urls[i%len(urls)], false)
				if err != nil {
					if lctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				h.add(time.Since(t0))
				count.Add(1)
				bytesRead.Add(nb)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.CPU = meter.cores()
	cpu := meter.cpu("citygrid")
	res.Requests, res.Errors = count.Load(), errs.Load()
	res.PerSec = round(float64(res.Requests)/elapsed.Seconds(), 0)
	res.MBPerSec = round(float64(bytesRead.Load())/1e6/elapsed.Seconds(), 1)
	all := newHistogram(10*time.Microsecond, time.Second)
	for _, h := range hists {
		all.merge(h)
	}
	res.Latency = all.summary(0)
	if res.Requests > 0 {
		res.ServerCPUUS = round(float64(cpu.Microseconds())/float64(res.Requests), 1)
	}
	return res, nil
}
