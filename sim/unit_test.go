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

// A foot patrol walks, on its beat and to a scene: about 5 km/h, never a
// car's speed; a car sent as far gets there several times sooner.
func TestFootPatrolWalksToItsScene(t *testing.T) {
	t.Parallel()
	s := newSim(t, "http://127.0.0.1:1", nil)
	onScene := func(kind string) float64 {
		t.Helper()
		for _, u := range s.units {
			if u.kind.name != kind || u.order != nil {
				continue
			}
			scene := offset(u.pos, 0, 600)
			if !s.atlas.contains(scene) || !s.atlas.segmentInside(u.pos, scene) {
				continue
			}
			s.obey([]dispatch{{ID: "d-" + u.id, Unit: u.id, Lat: scene.Lat(), Lng: scene.Lon(), Status: "assigned"}})
			for sec := 1; sec <= 3600; sec++ {
				for _, q := range s.NextPositions(time.Second) {
					if q.Unit == u.id && q.Status == dispatched && q.Speed != u.kind.rush {
						t.Fatalf("%s reports %.1f m/s on its way", u.id, q.Speed)
					}
				}
				if u.order != nil && u.order.onScene {
					return float64(sec)
				}
			}
			t.Fatalf("%s not on scene after an hour", u.id)
		}
		t.Fatalf("no %s unit with room for a scene", kind)
		return 0
	}
	// 580 m (the last 20 are "there") at 5 km/h, and at a car's rush speed.
	if got := onScene("foot"); got < 400 || got > 425 {
		t.Errorf("a foot patrol took %.0f s to walk 580 m, want about 418 (5 km/h)", got)
	}
	if got := onScene("car"); got > 60 {
		t.Errorf("a car took %.0f s to drive 580 m", got)
	}
	for range 120 {
		for _, q := range s.NextPositions(5 * time.Second) {
			if q.Kind == "foot" && q.Speed > 1.5 {
				t.Fatalf("%s on foot at %.1f m/s (%.0f km/h)", q.Unit, q.Speed, q.Speed*3.6)
			}
		}
	}
}
