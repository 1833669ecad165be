package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// inMask is the test's own judge of the mask: orb's planar point-in-polygon
// over the profile's mask polygons, not the indexed regions the simulator uses.
func inMask(p *geo.Profile, pt orb.Point) string {
	for _, a := range p.Mask {
		if planar.MultiPolygonContains(a.Polygon, pt) {
			return a.Name
		}
	}
	return ""
}

// Nothing the simulator generates is on the water: not an incident, not a hot
// spot as it drifts, not a unit's report as it patrols or drives to a
// dispatch, whatever the seed; scenes are drawn anywhere in the city, the
// lakes included, so units have to go round them.
func TestNothingOnTheWater(t *testing.T) {
	t.Parallel()
	p := suzhou(t)
	if len(p.Mask) == 0 {
		t.Fatal("Suzhou has no mask")
	}
	for seed := int64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			now := nineAM()
			s := newSim(t, "http://127.0.0.1:1", func(c *Config) {
				c.Seed = seed
				c.Now = func() time.Time { return now }
			})
			check := func(what string, pt orb.Point) {
				t.Helper()
				if lake := inMask(p, pt); lake != "" || !p.Contains(pt) {
					t.Fatalf("%s at %v: in %q, in the city %v", what, pt, lake, p.Contains(pt))
				}
			}
			r := rand.New(rand.NewPCG(uint64(seed), 99))
			orders := 0
			for step := range 600 { // ten minutes, a second a step
				now = now.Add(time.Second)
				if step%60 == 0 {
					for _, in := range s.NextIncidents(300) {
						check("incident "+in.ID, orb.Point{in.Lng, in.Lat})
					}
					for _, h := range s.spots {
						check("hot spot", h.v.centre)
					}
					// Five units sent to scenes anywhere in the city: some on the water.
					var ds []dispatch
					for k := range 5 {
						u := s.units[r.IntN(len(s.units))]
						scene := s.atlas.inBound(r, p.Bound)
						for !p.Contains(scene) {
							scene = s.atlas.inBound(r, p.Bound)
						}
						orders++
						ds = append(ds, dispatch{ID: fmt.Sprintf("d-%d-%d", step, k), Unit: u.id, Lat: scene.Lat(), Lng: scene.Lon(), Status: "assigned"})
					}
					s.obey(ds)
				}
				for _, q := range s.NextPositions(time.Second) {
					check(q.Unit+" "+q.Status, orb.Point{q.Lng, q.Lat})
				}
			}
			if s.Stats().Orders < int64(orders/2) {
				t.Errorf("%d orders taken of %d", s.Stats().Orders, orders)
			}
		})
	}
}

// A unit west of Jinji Lake sent to its east shore drives round the lake, and
// a unit sent onto the lake stops on its shore, where it is on scene.
func TestDispatchGoesRoundTheLake(t *testing.T) {
	t.Parallel()
	s := newSim(t, "http://127.0.0.1:1", func(c *Config) { c.Units = 10 })
	p := suzhou(t)
	west, east, lake := orb.Point{120.655, 31.313}, orb.Point{120.712, 31.313}, orb.Point{120.682, 31.313}
	for _, pt := range []orb.Point{west, east} {
		if !s.atlas.contains(pt) {
			t.Fatalf("%v is not open ground", pt)
		}
	}
	if inMask(p, lake) == "" || s.atlas.segmentInside(west, east) {
		t.Fatal("the straight way from west to east should cross Jinji Lake")
	}
	for _, c := range []struct {
		name  string
		scene orb.Point
	}{{"across", east}, {"on the lake", lake}} {
		t.Run(c.name, func(t *testing.T) {
			u := s.units[slices.IndexFunc(s.units, func(u *unit) bool { return u.kind.name == "car" })]
			u.order, u.pos, u.lastGood, u.status = nil, west, west, available
			s.obey([]dispatch{{ID: "d-" + c.name, Unit: u.id, Lat: c.scene.Lat(), Lng: c.scene.Lon(), Status: "assigned"}})
			if u.order == nil {
				t.Fatal("the order was not taken")
			}
			stand := u.order.scene
			if inMask(p, stand) != "" || (c.scene == east && stand != east) {
				t.Fatalf("stands at %v for a scene at %v", stand, c.scene)
			}
			travelled, prev := 0.0, west
			for range 3600 {
				s.NextPositions(time.Second)
				if inMask(p, u.pos) != "" {
					t.Fatalf("drove onto the lake at %v", u.pos)
				}
				travelled += distance(prev, u.pos)
				prev = u.pos
				if u.order == nil || u.order.onScene {
					break
				}
			}
			if u.order == nil || !u.order.onScene {
				t.Fatalf("not on scene after an hour")
			}
			if straight := distance(west, stand); travelled < straight*1.05 {
				t.Errorf("travelled %.0f m for %.0f m as the crow flies: not round the lake", travelled, straight)
			}
		})
	}
}
