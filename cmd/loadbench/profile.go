package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// pprofOverlay is added to cmd/citygrid at build time with `go build
// -overlay`, so the repository's server code is not touched: when
// LOADBENCH_PPROF is set it serves net/http/pprof on that address, a separate
// listener that is idle unless the harness asks for a profile.
const pprofOverlay = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("LOADBENCH_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
`

// buildServer builds cmd/citygrid into dir, with the pprof overlay when
// withPprof.
func buildServer(ctx context.Context, dir string, withPprof bool) (string, error) {
	bin := filepath.Join(dir, "citygrid")
	args := []string{"build", "-o", bin}
	if withPprof {
		pkgDir, err := filepath.Abs("cmd/citygrid")
		if err != nil {
			return "", err
		}
		src := filepath.Join(dir, "zz_loadbench_pprof.go")
		if err := os.WriteFile(src, []byte(pprofOverlay), 0o644); err != nil {
			return "", err
		}
		ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(pkgDir, "zz_loadbench_pprof.go"): src}})
		ovFile := filepath.Join(dir, "overlay.json")
		if err := os.WriteFile(ovFile, ov, 0o644); err != nil {
			return "", err
		}
		args = append(args, "-overlay", ovFile)
	}
	args = append(args, "./cmd/citygrid")
	if out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return bin, nil
}

// cpuProfile fetches a CPU profile of d from a server built with the overlay;
// it runs beside a scenario and hands back the raw profile.
func cpuProfile(ctx context.Context, pprofAddr string, d time.Duration) ([]byte, error) {
	if pprofAddr == "" {
		return nil, fmt.Errorf("no pprof listener")
	}
	secs := max(1, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		"http://"+pprofAddr+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("pprof: status %d", resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}

// pprofTop renders the top of a profile as text with `go tool pprof`.
func pprofTop(ctx context.Context, bin, file string, cum bool) string {
	args := []string{"tool", "pprof", "-top", "-nodecount=30"}
	if cum {
		args = append(args, "-cum")
	}
	out, err := exec.CommandContext(ctx, "go", append(args, bin, file)...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("go tool pprof: %v: %s", err, out)
	}
	return string(out)
}

// cmdStat is one command's share of Redis's time, from INFO commandstats.
type cmdStat struct {
	Command      string  `json:"command"`
	Calls        int64   `json:"calls"`
	Usec         int64   `json:"usec"`
	UsecPerCall  float64 `json:"usec_per_call"`
	UsecPerEvent float64 `json:"usec_per_event,omitempty"`
}

// parseCommandStats reads INFO commandstats, most expensive first:
// cmdstat_xadd:calls=10,usec=50,usec_per_call=5.00,rejected_calls=0,failed_calls=0
func parseCommandStats(info string) []cmdStat {
	var out []cmdStat
	for line := range strings.SplitSeq(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		cmd, isCmd := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isCmd {
			continue
		}
		s := cmdStat{Command: cmd}
		for kv := range strings.SplitSeq(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				s.Calls, _ = strconv.ParseInt(v, 10, 64)
			case "usec":
				s.Usec, _ = strconv.ParseInt(v, 10, 64)
			case "usec_per_call":
				s.UsecPerCall, _ = strconv.ParseFloat(v, 64)
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Usec > out[j].Usec })
	return out
}

// machineCPU is the whole machine's busy time from /proc/stat, so a reader
// can see when something besides this session loaded the CPUs.
func machineCPU() (busy, total time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	var sum, idle int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 7 || i == 8 { // guest time is already in user
			continue
		}
		sum += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	const hz = 100
	return time.Duration(sum-idle) * time.Second / hz, time.Duration(sum) * time.Second / hz
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

type profResult struct {
	data []byte
	err  error
}

// startProfile starts fetching a CPU profile of d in the background.
func startProfile(ctx context.Context, addr string, d time.Duration) <-chan profResult {
	ch := make(chan profResult, 1)
	if addr == "" {
		ch <- profResult{err: fmt.Errorf("pprof disabled (-pprof=false)")}
		return ch
	}
	go func() {
		b, err := cpuProfile(ctx, addr, d)
		ch <- profResult{b, err}
	}()
	return ch
}

// waitListening waits up to 2 s for addr to accept connections.
func waitListening(addr string) {
	for range 400 {
		if c, err := net.DialTimeout("tcp", addr, 50*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// saveProfile waits for a profile, writes it to dir/name.cpu.pprof with its
// top (flat and cumulative) in dir/name.cpu.txt, and says what it wrote.
func saveProfile(ctx context.Context, dir, name, bin string, ch <-chan profResult) string {
	p := <-ch
	if p.err != nil {
		return name + ": no profile: " + p.err.Error()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return name + ": " + err.Error()
	}
	raw := filepath.Join(dir, name+".cpu.pprof")
	if err := os.WriteFile(raw, p.data, 0o644); err != nil {
		return name + ": " + err.Error()
	}
	txt := "# go tool pprof -top " + filepath.Base(raw) + "\n\n" + pprofTop(ctx, bin, raw, false) +
		"\n# go tool pprof -top -cum " + filepath.Base(raw) + "\n\n" + pprofTop(ctx, bin, raw, true)
	if err := os.WriteFile(filepath.Join(dir, name+".cpu.txt"), []byte(txt), 0o644); err != nil {
		return name + ": " + err.Error()
	}
	return raw
}

// resetStats zeroes Redis's command statistics before a scenario.
func resetStats(ctx context.Context, r *redisServer) { r.rdb.ConfigResetStat(ctx) }

// commandStats is Redis's time per command since resetStats, top five, with
// the cost per accepted event.
func commandStats(ctx context.Context, r *redisServer, events int64) []cmdStat {
	info, err := r.rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil
	}
	st := parseCommandStats(info)
	st = st[:min(5, len(st))]
	for i := range st {
		if events > 0 {
			st[i].UsecPerEvent = round(float64(st[i].Usec)/float64(events), 2)
		}
	}
	return st
}
