package main

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Summary is a latency distribution in milliseconds.
type Summary struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// percentile is the nearest-rank percentile p (0..100) of sorted values; 0
// for none.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// summarize sorts ds (in place, as milliseconds) and summarizes them.
func summarize(ds []time.Duration) Summary {
	ms := make([]float64, len(ds))
	var sum float64
	for i, d := range ds {
		ms[i] = float64(d) / float64(time.Millisecond)
		sum += ms[i]
	}
	slices.Sort(ms)
	s := Summary{N: len(ms)}
	if len(ms) == 0 {
		return s
	}
	s.P50, s.P99, s.Max, s.Mean = percentile(ms, 50), percentile(ms, 99), ms[len(ms)-1], sum/float64(len(ms))
	return s
}

// histogram counts durations in fixed buckets (cheap enough for millions of
// samples from hundreds of goroutines, each with its own); samples beyond the
// last bucket go to over, and max is exact.
type histogram struct {
	width  time.Duration
	counts []uint32
	over   uint64
	n      uint64
	sum    time.Duration
	max    time.Duration
}

func newHistogram(width, span time.Duration) *histogram {
	return &histogram{width: width, counts: make([]uint32, int(span/width))}
}

func (h *histogram) add(d time.Duration) {
	d = max(d, 0)
	h.n++
	h.sum += d
	h.max = max(h.max, d)
	if i := int(d / h.width); i < len(h.counts) {
		h.counts[i]++
	} else {
		h.over++
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.over += o.over
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile is the upper edge of the bucket holding the nearest-rank
// percentile p, or max when that lies beyond the buckets.
func (h *histogram) quantile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			return min(time.Duration(i+1)*h.width, h.max)
		}
	}
	return h.max
}

func (h *histogram) summary(offset time.Duration) Summary {
	ms := func(d time.Duration) float64 { return float64(d-offset) / float64(time.Millisecond) }
	if h.n == 0 {
		return Summary{}
	}
	return Summary{N: int(h.n), P50: ms(h.quantile(50)), P99: ms(h.quantile(99)), Max: ms(h.max),
		Mean: ms(h.sum / time.Duration(h.n))}
}

// parseBenchRPS reads the requests per second from redis-benchmark -q output,
// e.g. "XADD benchstream * v 1 ...: 123456.79 requests per second, p50=0.207 msec".
// Progress lines end in \r; the last complete figure wins.
func parseBenchRPS(out string) (float64, error) {
	var rps float64
	found := false
	for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
		i := strings.Index(line, " requests per second")
		if i < 0 {
			continue
		}
		f := strings.Fields(line[:i])
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			continue
		}
		rps, found = v, true
	}
	if !found {
		return 0, fmt.Errorf("redis-benchmark: no \"requests per second\" in %q", out)
	}
	return rps, nil
}

// infoField reads one integer field of a Redis INFO reply.
func infoField(info, key string) (int64, error) {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if ok && k == key {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("INFO: no field %s", key)
}

// metricSum sums every sample of a Prometheus metric in text exposition.
func metricSum(text, name string) (float64, error) {
	var sum float64
	found := false
	for line := range strings.SplitSeq(text, "\n") {
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		f := strings.Fields(rest)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			return 0, fmt.Errorf("metric %s: %v", name, err)
		}
		sum += v
		found = true
	}
	if !found {
		return 0, errors.New("metric " + name + " not found")
	}
	return sum, nil
}

// parseHex parses a lower-case hex cell without allocating; ok is false for
// anything else.
func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
