package api

import (
	"testing"
	"time"
)

// Failures are recorded once a minute per address and reason: the first as
// it comes, the rest as a count once the minute is over.
func TestRepeatedFailuresAreCountedNotRecorded(t *testing.T) {
	var f failCounts
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	if !f.first("10.0.0.1", "unknown", t0) {
		t.Fatal("the first failure is not recorded")
	}
	for i := range 500 {
		if f.first("10.0.0.1", "unknown", t0.Add(time.Duration(i)*100*time.Millisecond)) {
			t.Fatalf("failure %d in the minute recorded on its own", i+2)
		}
	}
	if !f.first("10.0.0.2", "unknown", t0) || !f.first("10.0.0.1", "revoked", t0) {
		t.Fatal("another address or reason shares the first's window")
	}
	if due := f.due(t0.Add(59 * time.Second)); len(due) != 0 {
		t.Fatalf("windows due before their minute: %v", due)
	}
	due := f.due(t0.Add(time.Minute))
	if len(due) != 1 || due[failKey{"10.0.0.1", "unknown"}].more != 500 {
		t.Fatalf("due after the minute: %v", due)
	}
	if !f.first("10.0.0.1", "unknown", t0.Add(61*time.Second)) {
		t.Fatal("the next minute's first failure is not recorded")
	}
	// A window replaced before it was taken still gets its count recorded.
	f.first("10.0.0.1", "unknown", t0.Add(62*time.Second))
	if !f.first("10.0.0.1", "unknown", t0.Add(125*time.Second)) {
		t.Fatal("a new minute's first failure is not recorded")
	}
	if due := f.due(t0.Add(126 * time.Second)); due[failKey{"10.0.0.1", "unknown"}].more != 1 {
		t.Fatalf("the replaced window's count: %v", due)
	}
}

// A user name someone typed reaches the audit as text that reads as it is.
func TestClipNameKeepsTheAuditReadable(t *testing.T) {
	for in, want := range map[string]string{
		"li.wei":            "li.wei",
		"evil\u202etxt.exe": "evil?txt.exe",
		"a\x1b[31mred":      "a?[31mred",
		"bad\xffbyte":       "bad?byte",
		"王伟":                "王伟",
	} {
		if got := clipName(in); got != want {
			t.Errorf("clipName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := clipName(string(make([]byte, 200))); len(got) != 64 {
		t.Errorf("a 200-byte name kept %d bytes", len(got))
	}
}
