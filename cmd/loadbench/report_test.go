package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRerender(t *testing.T) {
	dir := t.TempDir()
	r := &Results{Tick: "250ms", Alerts: &alertsResult{Load: "idle", Every: "1s", HotRule: benchHotRule,
		Severe: alertLatency{Sent: 2, Seen: 2, Latency: Summary{N: 2, P50: 120, P99: 250, Max: 250}}}}
	r.Figures = []Figure{{Name: "old wording", Value: 1}}
	if err := write(dir, "run", r); err != nil {
		t.Fatal(err)
	}
	if err := rerender(filepath.Join(dir, "run.json")); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "run.md"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(md), "old wording") || !strings.Contains(string(md), "| severe incident → alert on a websocket client p50 | 120 | ms |") {
		t.Errorf("run.md not rendered from the measurements:\n%s", md)
	}
	var back Results
	b, _ := os.ReadFile(filepath.Join(dir, "run.json"))
	if err := json.Unmarshal(b, &back); err != nil || back.Alerts == nil || back.Alerts.Severe.Latency.P99 != 250 {
		t.Errorf("run.json lost the measurements: %v %+v", err, back.Alerts)
	}
}
