package sim

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestUnitsStayInsideAndMove(t *testing.T) {
	t.Parallel()
	const units = 40
	s := newSim(t, "http://127.0.0.1:1", func(c *Config) { c.Units = units })
	p := suzhou(t)
	first := map[string]orb.Point{}
	moved := map[string]bool{}
	avail, reports := 0, 0
	for round := range 24 { // two minutes of reports
		ps := s.NextPositions(5 * time.Second)
		if len(ps) != units {
			t.Fatalf("round %d: %d reports, want one per unit", round, len(ps))
		}
		for _, q := range ps {
			pt := orb.Point{q.Lng, q.Lat}
			if !p.Contains(pt) {
				t.Fatalf("%s at %v is outside the outline", q.Unit, pt)
			}
			if !isOneOf(q.Kind, "car,foot,grid-worker,mediator") || !isOneOf(q.Status, "available,dispatched,busy,off-duty") {
				t.Fatalf("%s: kind %q status %q", q.Unit, q.Kind, q.Status)
			}
			if q.Heading < 0 || q.Heading > 360 || q.Speed < 0 || q.Speed > 20 {
				t.Fatalf("%s: heading %v speed %v", q.Unit, q.Heading, q.Speed)
			}
			if f, ok := first[q.Unit]; !ok {
				first[q.Unit] = pt
			} else if distance(f, pt) > 10 {
				moved[q.Unit] = true
			}
			if q.Status == available {
				avail++
			}
			reports++
		}
	}
	if len(moved) < units/3 {
		t.Errorf("only %d of %d units moved in two minutes", len(moved), units)
	}
	if f := float64(avail) / float64(reports); f < 0.5 {
		t.Errorf("units available %.2f of the time, want most", f)
	}
}
