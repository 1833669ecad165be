package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/paulmach/orb"
)

// dispatchesPath lists the server's active dispatches; a feed key may read it,
// so vehicle terminals (and the simulator) learn their orders.
const dispatchesPath = "/api/v1/dispatches?status=active"

// A dispatch is one order from the server's dispatch list, the fields the
// simulator acts on.
type dispatch struct {
	ID     string  `json:"id"`
	Unit   string  `json:"unit"`
	Cell   string  `json:"cell"` // H3, resolution 9
	Lat    float64 `json:"lat"`
	Lng    float64 `json:"lng"`
	Status string  `json:"status"` // assigned, en_route, on_scene, cleared or cancelled
}

// active reports whether d still binds its unit.
func (d dispatch) active() bool {
	return d.Status == "assigned" || d.Status == "en_route" || d.Status == "on_scene"
}

// scene is where d sends its unit: its lat/lng, or the centre of its cell if
// those are missing.
func (d dispatch) scene() (orb.Point, bool) {
	if d.Lat != 0 || d.Lng != 0 {
		return orb.Point{d.Lng, d.Lat}, true
	}
	c, err := geo.ParseCell(d.Cell)
	if err != nil {
		return orb.Point{}, false
	}
	return c.Center(), true
}

// pollDispatches fetches the active dispatches every DispatchEvery until ctx
// ends and has the fleet obey them. A server without the endpoint (an older
// one), a key that may not read it, or a server that is down is not an error:
// the units just patrol. The first failure is logged, and the recovery, but
// not every poll in between.
func (s *Simulator) pollDispatches(ctx context.Context) {
	t := time.NewTicker(s.cfg.DispatchEvery)
	defer t.Stop()
	failing := false
	for {
		ds, err := s.fetchDispatches(ctx)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil && !failing:
			s.cfg.Logf("sim: dispatches: %v; units patrol without orders until it answers", err)
			failing = true
		case err == nil:
			if failing {
				s.cfg.Logf("sim: dispatches: answering again; units follow their orders")
				failing = false
			}
			s.obey(ds)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// fetchDispatches makes one GET of the active dispatches.
func (s *Simulator) fetchDispatches(ctx context.Context) ([]dispatch, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL+dispatchesPath, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "citygrid-feedsim")
	if s.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.APIKey)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", dispatchesPath, resp.Status)
	}
	var body struct {
		Dispatches []dispatch `json:"dispatches"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("GET %s: decoding: %w", dispatchesPath, err)
	}
	return body.Dispatches, nil
}

// obey brings the fleet in line with ds, the server's complete list of active
// dispatches (others' units are ignored). A unit with a new dispatch drops what
// it was doing and heads for the scene; a unit whose dispatch is no longer
// listed (cleared or cancelled by an operator) goes back on patrol. A dispatch
// the unit has already finished is not taken again while the server catches
// up, unless the server still has it short of on scene: then it missed the
// arrival, and the unit goes back to report it.
func (s *Simulator) obey(ds []dispatch) {
	s.umu.Lock()
	defer s.umu.Unlock()
	orders := make(map[*unit]dispatch, len(ds))
	listed := make(map[string]bool, len(ds))
	for _, d := range ds {
		u := s.byID[d.Unit]
		if u == nil || !d.active() {
			continue
		}
		listed[d.ID] = true
		if s.finished[d.ID] && d.Status == "on_scene" {
			continue
		}
		// Two active dispatches for one unit should not happen; if they do,
		// keep the one it is on rather than flip between them.
		if cur, ok := orders[u]; ok && u.order != nil && cur.ID == u.order.id {
			continue
		}
		orders[u] = d
	}
	for id := range s.finished {
		if !listed[id] { // gone from the active list for good: ids are not reused
			delete(s.finished, id)
		}
	}
	for _, u := range s.units {
		d, ok := orders[u]
		switch {
		case ok && (u.order == nil || u.order.id != d.ID):
			if scene, ok := d.scene(); ok {
				delete(s.finished, d.ID)
				s.take(u, d.ID, scene)
			}
		case !ok && u.order != nil && !listed[u.order.id]:
			s.release(u)
		}
	}
}
