package main

import (
	"testing"
	"time"
)

func TestParseGoBench(t *testing.T) {
	out := "goos: linux\ncpu: x\nBenchmarkEvaluate-2   \t      20\t   6286204 ns/op\t  901355 B/op\t   17175 allocs/op\nPASS\n"
	var r goBenchResult
	if !parseGoBench(out, &r) {
		t.Fatal("no benchmark line found")
	}
	if r.Name != "BenchmarkEvaluate-2" || r.Iterations != 20 || r.NsPerOp != 6286204 || r.MsPerOp != 6.29 ||
		r.BytesPerOp != 901355 || r.AllocsPerOp != 17175 {
		t.Errorf("parsed %+v", r)
	}
	if parseGoBench("PASS\nok  \tx\t1.9s\n", &goBenchResult{}) {
		t.Error("found a benchmark in output without one")
	}
}

func TestAlertWatch(t *testing.T) {
	w := &alertWatch{}
	t0 := time.Now()
	w.frame([]byte(`{"type":"snapshot","alerts":{"counts":{"open":2},"open":[]}}`), t0)
	got := w.expect(alertKey("severe_incident", "", "", "i-1"), t0)
	cases := []struct {
		name  string
		frame string
		seen  bool
	}{
		{"no alerts layer", `{"type":"delta","tick":3}`, false},
		{"another alert", `{"type":"delta","alerts":{"counts":{"open":3},"open":[{"kind":"severe_incident","incident":"i-0"}]}}`, false},
		{"the alert", `{"type":"delta","alerts":{"counts":{"open":3},"open":[{"kind":"hot_cell","rule":"r","cell":"89"},{"kind":"severe_incident","incident":"i-1"}]}}`, true},
	}
	for i, c := range cases {
		w.frame([]byte(c.frame), t0.Add(time.Duration(i+1)*time.Millisecond))
		select {
		case g := <-got:
			if !c.seen {
				t.Fatalf("%s: seen", c.name)
			}
			if g.after != 3*time.Millisecond || g.countRose {
				t.Errorf("%s: %+v, want 3ms without the count rising (it rose a frame earlier)", c.name, g)
			}
		default:
			if c.seen {
				t.Fatalf("%s: not seen", c.name)
			}
		}
	}
	hot := w.expect(alertKey("hot_cell", "r", "8a", ""), t0)
	w.frame([]byte(`{"alerts":{"counts":{"open":4},"open":[{"kind":"hot_cell","rule":"r","cell":"8a"}]}}`), t0.Add(time.Second))
	if g := <-hot; !g.countRose || g.after != time.Second {
		t.Errorf("hot cell: %+v", g)
	}
}
