package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// evaluateBench is the Go benchmark the session runs beside its scenarios:
// one evaluation of every rule at 100,000 active cells (ops.BenchmarkEvaluate),
// the cost the fold pays once per evaluation interval.
var evaluateBench = []string{"test", "-run", "XXX", "-bench", "Evaluate", "-benchtime", "20x", "./ops/"}

// goBenchResult is one benchmark's line of `go test -bench`.
type goBenchResult struct {
	Command     string  `json:"command"`
	Name        string  `json:"name"`
	Iterations  int     `json:"iterations"`
	NsPerOp     float64 `json:"ns_per_op"`
	MsPerOp     float64 `json:"ms_per_op"`
	BytesPerOp  int64   `json:"bytes_per_op"`
	AllocsPerOp int64   `json:"allocs_per_op"`
	Seconds     float64 `json:"seconds"` // the whole go test, build and setup included
	// BusyBeforeCores is how busy the machine was just before, as for the
	// session.
	BusyBeforeCores float64 `json:"busy_before_cores"`
}

// runGoBench runs go with args (a go test -bench of one benchmark) in the
// current directory and reads its result.
func runGoBench(ctx context.Context, args []string) (goBenchResult, error) {
	res := goBenchResult{Command: "go " + strings.Join(args, " "), BusyBeforeCores: busyCores(2 * time.Second)}
	t0 := time.Now()
	out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput()
	res.Seconds = round(time.Since(t0).Seconds(), 1)
	if err != nil {
		return res, fmt.Errorf("%s: %v\n%s", res.Command, err, out)
	}
	if !parseGoBench(string(out), &res) {
		return res, fmt.Errorf("%s: no benchmark line in\n%s", res.Command, out)
	}
	return res, nil
}

// parseGoBench reads the first benchmark line of go test's output, e.g.
// "BenchmarkEvaluate-2  20  52345678 ns/op  1234 B/op  12 allocs/op".
func parseGoBench(out string, res *goBenchResult) bool {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		res.Name, res.Iterations = f[0], n
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				res.NsPerOp = v
				res.MsPerOp = round(v/1e6, 2)
			case "B/op":
				res.BytesPerOp = int64(v)
			case "allocs/op":
				res.AllocsPerOp = int64(v)
			}
		}
		return res.NsPerOp > 0
	}
	return false
}
