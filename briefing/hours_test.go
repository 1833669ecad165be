package briefing

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// The fold counts each hour the streams hold whole, seals every hour as it
// ends (an hour without incidents is stored as none), hands an hour over
// again when a late incident changes it, and leaves the hour still open.
func TestHoursSealsWhatTheStreamsHoldWhole(t *testing.T) {
	since := time.Date(2026, 12, 1, 7, 55, 0, 0, time.UTC)
	h := NewHours(HoursConfig{Since: since, Keep: 7 * 24 * time.Hour})
	add := func(at time.Time, district, cat string) {
		h.Apply(nil, &geo.Event{Kind: geo.KindIncident, Incident: geo.Incident{Time: at, Category: cat, Regions: geo.RegionCodes{District: district}}})
	}
	at := func(hh, mm int) time.Time { return time.Date(2026, 12, 1, hh, mm, 0, 0, time.UTC) }
	add(at(7, 58), "A", "theft") // before Since + the feeds' lead: 08:00 is not whole, 07:00 neither
	add(at(8, 30), "A", "theft") // 08:00 is not whole either (Since + 10 min is 08:05)
	add(at(9, 10), "A", "theft")
	add(at(9, 20), "B", "fire")
	add(at(11, 5), "A", "theft")
	h.Advance(at(11, 30))
	h.Tick(nil, nil)
	got := decodeHours(t, h)
	want := map[string]HourCounts{
		"09:00": {"A": {"theft": 1}, "B": {"fire": 1}},
		"10:00": {},
	}
	if !sameHours(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	if again := decodeHours(t, h); len(again) != 0 {
		t.Errorf("unchanged hours handed over again: %v", again)
	}
	add(at(9, 40), "B", "fire") // late
	h.Advance(at(12, 1))
	h.Tick(nil, nil)
	got = decodeHours(t, h)
	want = map[string]HourCounts{"09:00": {"A": {"theft": 1}, "B": {"fire": 2}}, "11:00": {"A": {"theft": 1}}}
	if !sameHours(got, want) {
		t.Fatalf("after a late incident and an hour: %v, want %v", got, want)
	}
}

func decodeHours(t *testing.T, h *Hours) map[string]HourCounts {
	t.Helper()
	blobs, err := h.Changed()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]HourCounts{}
	for n, b := range blobs {
		var sh storedHour
		if err := json.Unmarshal(b, &sh); err != nil || sh.V != 1 || !sh.Hour.Equal(hourNum(n).start()) {
			t.Fatalf("hour %d: %s %v", n, b, err)
		}
		out[sh.Hour.Format("15:04")] = sh.Counts
	}
	return out
}

func sameHours(a, b map[string]HourCounts) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
