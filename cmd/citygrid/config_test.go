package main

import (
	"strings"
	"testing"
)

// A shard resolution the streams cannot use is refused at start, naming the
// flag: with -shard-res 0 the layout used to take the default (4) while the
// tailer read the res-0 shards, so ingest answered 202 and the heat never
// moved.
func TestShardResolutionIsChecked(t *testing.T) {
	for _, v := range []string{"0", "-1", "8"} {
		_, err := parseConfig([]string{"-shard-res", v}, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), "-shard-res: must be between 1 and 7") {
			t.Errorf("-shard-res %s: %v, want a refusal naming the flag", v, err)
		}
	}
	_, err := parseConfig(nil, func(k string) string {
		if k == "CITYGRID_SHARD_RES" {
			return "0"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "-shard-res") {
		t.Errorf("CITYGRID_SHARD_RES=0: %v, want a refusal", err)
	}
	for _, v := range []string{"1", "4", "7"} {
		if c, err := parseConfig([]string{"-shard-res", v}, func(string) string { return "" }); err != nil || c.ShardRes == 0 {
			t.Errorf("-shard-res %s: %v", v, err)
		}
	}
}

// Another shard resolution works end to end: what is posted is counted.
func TestAnotherShardResolutionCounts(t *testing.T) {
	s := startServer(t, "", "shard3", "-shard-res", "3")
	items, want := randomIncidents(t, 300, 21, "s3", 8)
	if r := s.post("/api/v1/incidents", "application/x-ndjson", ndjson(t, items)); r.Accepted != 300 {
		t.Fatalf("post: %+v", r)
	}
	s.waitHeat("res=8&window=1h", want)
}
