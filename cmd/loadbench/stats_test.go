package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	s := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	cases := []struct {
		p    float64
		want float64
	}{{50, 5}, {99, 10}, {100, 10}, {0, 1}, {10, 1}, {11, 2}}
	for _, c := range cases {
		if got := percentile(s, c.p); got != c.want {
			t.Errorf("percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(nil) = %v", got)
	}
	sum := summarize([]time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond})
	if sum.N != 3 || sum.P50 != 2 || sum.Max != 3 || sum.Mean != 2 {
		t.Errorf("summarize = %+v", sum)
	}
}

func TestHistogram(t *testing.T) {
	a := newHistogram(time.Millisecond, 100*time.Millisecond)
	b := newHistogram(time.Millisecond, 100*time.Millisecond)
	for i := range 99 {
		a.add(time.Duration(i)*time.Millisecond + time.Microsecond)
	}
	b.add(time.Second) // beyond the buckets
	a.merge(b)
	if a.n != 100 || a.max != time.Second {
		t.Fatalf("n=%d max=%v", a.n, a.max)
	}
	if q := a.quantile(50); q != 50*time.Millisecond {
		t.Errorf("p50 = %v, want 50ms (upper bucket edge)", q)
	}
	if q := a.quantile(100); q != time.Second {
		t.Errorf("p100 = %v, want 1s", q)
	}
	if s := a.summary(10 * time.Millisecond); s.P50 != 40 {
		t.Errorf("summary minus 10ms: p50 = %v", s.P50)
	}
}

func TestParseBenchRPS(t *testing.T) {
	out := "XADD benchstream * v 1: rps=0.0 (overall: nan) avg_msec=nan\r" +
		"XADD benchstream * v 1 id x: 123456.79 requests per second, p50=0.207 msec\n"
	got, err := parseBenchRPS(out)
	if err != nil || got != 123456.79 {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := parseBenchRPS("ERR unknown command"); err == nil {
		t.Error("no error for output without a figure")
	}
}

func TestInfoAndMetrics(t *testing.T) {
	info := "# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\n"
	if v, err := infoField(info, "used_memory"); err != nil || v != 1048576 {
		t.Errorf("infoField = %v, %v", v, err)
	}
	if _, err := infoField(info, "nope"); err == nil {
		t.Error("no error for a missing field")
	}
	text := "# HELP citygrid_ws_frames_total Frames.\ncitygrid_ws_frames_total 12\n" +
		"citygrid_ws_frames_total_other 99\ncitygrid_ingest_events_total{kind=\"incidents\",outcome=\"accepted\"} 3\n" +
		"citygrid_ingest_events_total{kind=\"positions\",outcome=\"accepted\"} 4\n"
	if v, err := metricSum(text, "citygrid_ws_frames_total"); err != nil || v != 12 {
		t.Errorf("frames = %v, %v", v, err)
	}
	if v, err := metricSum(text, "citygrid_ingest_events_total"); err != nil || v != 7 {
		t.Errorf("events = %v, %v", v, err)
	}
}

func TestScanFrame(t *testing.T) {
	f := []byte(`{"type":"delta","v":1,"tick":121,"res":9,"window":"15m","asOf":"x","total":43,` +
		`"cells":[{"cell":"89309a4e1bfffff","count":4},{"cell":"89309a4e13fffff","count":0}],"seq":2}`)
	if typ := frameType(f); typ != "delta" {
		t.Errorf("type %q", typ)
	}
	if tick := frameTick(f); tick != 121 {
		t.Errorf("tick %d", tick)
	}
	var got []int
	var cells []uint64
	scanCells(f, func(c uint64, n int) { cells = append(cells, c); got = append(got, n) })
	if len(got) != 2 || got[0] != 4 || got[1] != 0 || cells[0] != 0x89309a4e1bfffff {
		t.Errorf("cells %x counts %v", cells, got)
	}
	if _, ok := parseHex([]byte("89ZZ")); ok {
		t.Error("parseHex accepted a non-hex cell")
	}
}

func TestParseCommandStats(t *testing.T) {
	info := "# Commandstats\r\ncmdstat_xadd:calls=10,usec=50,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_evalsha:calls=10,usec=200,usec_per_call=20.00,rejected_calls=0,failed_calls=0\r\n"
	got := parseCommandStats(info)
	if len(got) != 2 || got[0].Command != "evalsha" || got[0].Calls != 10 || got[0].Usec != 200 || got[1].UsecPerCall != 5 {
		t.Errorf("got %+v", got)
	}
}

func TestFrameAsOf(t *testing.T) {
	got, ok := frameAsOf([]byte(`{"type":"delta","asOf":"2026-11-25T08:30:00.250Z","total":1}`))
	want := time.Date(2026, 11, 25, 8, 30, 0, 250e6, time.UTC)
	if !ok || !got.Equal(want) {
		t.Errorf("asOf = %v, %v", got, ok)
	}
	if _, ok := frameAsOf([]byte(`{"type":"delta"}`)); ok {
		t.Error("asOf found in a frame without one")
	}
}
