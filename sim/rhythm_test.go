package sim

import (
	"testing"
	"time"
)

func TestRhythm(t *testing.T) {
	at := func(h, m int) float64 { return rhythm(time.Date(2025, 3, 14, h, m, 0, 0, shanghai)) }
	if v := at(4, 0); v > 0.2 {
		t.Errorf("4am: %v, want quiet", v)
	}
	if v := at(9, 0); v != 1 {
		t.Errorf("9am: %v, want peak", v)
	}
	if v := at(19, 30); v < 0.95 {
		t.Errorf("7:30pm: %v, want near peak", v)
	}
	// The zone is applied: 01:00 UTC is 9am in Suzhou.
	if v := rhythm(time.Date(2025, 3, 14, 1, 0, 0, 0, time.UTC)); v != 1 {
		t.Errorf("01:00 UTC: %v, want Suzhou's 9am peak", v)
	}
	for m := 0; m < 24*60; m++ {
		if v := at(0, m); v < minRhythm || v > 1 {
			t.Fatalf("minute %d: %v out of range", m, v)
		}
	}
}
