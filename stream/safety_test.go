package stream_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/stream"
)

// Days and marks come back as written; writing a mark again changes nothing,
// and the hourly ring keeps one slot per hour of the week.
func TestSafetyStoreKeepsDaysAndMarks(t *testing.T) {
	rs := redistest.Start(t)
	s := stream.NewSafetyStore(rs.Client(), stream.Layout{Prefix: redistest.Prefix(t)})
	ctx := context.Background()
	if err := s.SaveDays(ctx, map[string][]byte{"2026-12-01": []byte("one"), "2026-12-02": []byte("two")}); err != nil {
		t.Fatal(err)
	}
	days, err := s.Days(ctx, []string{"2026-11-30", "2026-12-01", "2026-12-02"})
	if err != nil || len(days) != 2 || string(days["2026-12-01"]) != "one" || string(days["2026-12-02"]) != "two" {
		t.Fatalf("days %q, %v", days, err)
	}
	loc := time.FixedZone("CST", 8*3600)
	yearDay := func(t time.Time) (int, int) { t = t.In(loc); return t.Year(), t.YearDay() }
	dayStart := func(y, yd int) time.Time { return time.Date(y, 1, yd, 0, 0, 0, 0, loc) }
	h1 := time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
	h2 := h1.Add(time.Hour)
	h3 := time.Date(2026, 12, 2, 9, 0, 0, 0, loc)
	for range 2 { // twice: idempotent
		for i, h := range []time.Time{h1, h2, h3} {
			m := stream.Mark{uint16(9000 + i), 10000, 0, 5000, uint16(i)}
			if err := s.SaveMarks(ctx, h, yearDay, map[string]stream.Mark{"R1": m}); err != nil {
				t.Fatal(err)
			}
		}
	}
	daily, hourly, err := s.Marks(ctx, "R1", []int{2026}, dayStart)
	if err != nil {
		t.Fatal(err)
	}
	// A day keeps its last hour's mark.
	if len(daily) != 2 || !daily[0].At.Equal(dayStart(2026, 335)) || daily[0].Mark != (stream.Mark{9001, 10000, 0, 5000, 1}) ||
		daily[1].Mark != (stream.Mark{9002, 10000, 0, 5000, 2}) {
		t.Fatalf("daily %+v", daily)
	}
	if len(hourly) != 3 || !hourly[0].At.Equal(h1) || !hourly[2].At.Equal(h3) || hourly[1].Mark[0] != 9001 {
		t.Fatalf("hourly %+v", hourly)
	}
	// A week on, the same slot holds the new hour only.
	if err := s.SaveMarks(ctx, h1.Add(7*24*time.Hour), yearDay, map[string]stream.Mark{"R1": {1, 2, 3, 4, 5}}); err != nil {
		t.Fatal(err)
	}
	_, hourly, _ = s.Marks(ctx, "R1", nil, dayStart)
	if len(hourly) != 3 || !hourly[2].At.Equal(h1.Add(7*24*time.Hour)) {
		t.Fatalf("hourly after a week %+v", hourly)
	}
	if d, h, err := s.Marks(ctx, "nowhere", []int{2026}, dayStart); err != nil || len(d)+len(h) != 0 {
		t.Fatalf("an unknown region: %v %v %v", d, h, err)
	}
}
