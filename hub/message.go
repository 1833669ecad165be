package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/live"
	"github.com/paulmach/orb"
)

// A subscription is what one client watches.
type subscription struct {
	key     live.ViewKey
	heat    bool
	units   bool
	regions string // the level of the regions layer; empty when not subscribed
	// alerts and dispatches are the small, whole-state layers of the ops board.
	alerts, dispatches bool
	bbox               *orb.Bound
}

// message is a client's request, as sent over the socket.
type message struct {
	Type        string    `json:"type"`
	Layers      []string  `json:"layers"`
	Res         int       `json:"res"`
	Window      string    `json:"window"`
	BBox        []float64 `json:"bbox"`
	Category    string    `json:"category"`
	MinSeverity int       `json:"minSeverity"`
	Level       string    `json:"level"`
}

// parseSubscribe reads a subscribe message; errors name the field at fault.
func parseSubscribe(data []byte) (subscription, error) {
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		return subscription{}, fmt.Errorf("message: not a JSON object: %v", err)
	}
	if m.Type != "subscribe" {
		return subscription{}, fmt.Errorf("type: unknown message type %q (send subscribe)", m.Type)
	}
	return m.subscription()
}

func (m message) subscription() (subscription, error) {
	sub := subscription{key: live.ViewKey{Res: m.Res, Window: m.Window}}
	if sub.key.Res == 0 {
		sub.key.Res = 8
	}
	if !slices.Contains(geo.HeatResolutions, sub.key.Res) {
		return sub, fmt.Errorf("res: must be one of %v", geo.HeatResolutions)
	}
	if sub.key.Window == "" {
		sub.key.Window = "1h"
	}
	if _, err := live.WindowByName(sub.key.Window); err != nil {
		return sub, errors.New("window: must be 15m, 1h or 24h")
	}
	if len(m.Layers) == 0 {
		m.Layers = []string{"heat", "units"}
	}
	for _, l := range m.Layers {
		switch l {
		case "heat":
			sub.heat = true
		case "units":
			sub.units = true
		case "regions":
			sub.regions = "district"
		case "alerts":
			sub.alerts = true
		case "dispatches":
			sub.dispatches = true
		default:
			return sub, fmt.Errorf("layers: unknown layer %q (heat, units, regions, alerts, dispatches)", l)
		}
	}
	if m.Level != "" {
		lv, err := geo.ParseLevel(m.Level)
		if err != nil || lv == geo.LevelCity {
			return sub, errors.New("level: must be district, street, community or grid")
		}
		if sub.regions == "" {
			return sub, errors.New("level: only with the regions layer")
		}
		sub.regions = lv.String()
	}
	if len(m.Category) > 64 {
		return sub, errors.New("category: longer than 64 bytes")
	}
	if m.MinSeverity < 0 || m.MinSeverity > 4 {
		return sub, errors.New("minSeverity: must be between 1 and 4")
	}
	sub.key.Filter = live.Filter{Category: m.Category, MinSeverity: m.MinSeverity}
	sub.key = sub.key.Normal()
	if m.BBox != nil {
		b, err := ParseBBox(m.BBox)
		if err != nil {
			return sub, err
		}
		sub.bbox = &b
	}
	return sub, nil
}

// ParseBBox reads [minLng, minLat, maxLng, maxLat].
func ParseBBox(v []float64) (orb.Bound, error) {
	if len(v) != 4 {
		return orb.Bound{}, errors.New("bbox: must be [minLng, minLat, maxLng, maxLat]")
	}
	b := orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	switch {
	case v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90:
		return b, errors.New("bbox: outside lng -180..180, lat -90..90")
	case v[0] > v[2] || v[1] > v[3]:
		return b, errors.New("bbox: min must not exceed max")
	}
	return b, nil
}
