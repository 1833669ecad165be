package hub

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/wire"
)

// A subscription is what one client watches.
type subscription struct {
	wire.Topic       // the heat view and the viewport
	heat, units bool // the heat fold's delta layers
	regions     bool // the regions layer, of level
	level       geo.Level
	// whole are the whole-state layers taken (alerts, dispatches, …), in the
	// order the loop publishes them; wholeMask has bit i set for the i-th
	// whole layer of the hub, for topic keys.
	whole     []string
	wholeMask uint64
}

// regionTopic is the region figures the subscription's regions layer shows.
func (s subscription) regionTopic() heat.RegionTopic {
	return heat.RegionTopic{Level: s.level, Window: s.View.Window}
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
	// A replay message's: what it does (start when empty), its span, speed
	// and seek time.
	Action string  `json:"action"`
	From   string  `json:"from"`
	To     string  `json:"to"`
	At     string  `json:"at"`
	Speed  float64 `json:"speed"`
}

// The layers of the heat fold, which the hub sends as deltas; every other
// layer is a whole-state layer of a fold (live.LayerSource).
const (
	layerHeat    = "heat"
	layerUnits   = "units"
	layerRegions = "regions"
)

// parseSubscribe reads a subscribe message; whole are the whole-state layers
// the folds publish. Errors name the field at fault.
func parseSubscribe(data []byte, whole []string) (subscription, error) {
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		return subscription{}, fmt.Errorf("message: not a JSON object: %v", err)
	}
	if m.Type != "subscribe" {
		return subscription{}, fmt.Errorf("type: unknown message type %q (send subscribe)", m.Type)
	}
	return m.subscription(whole)
}

func (m message) subscription(whole []string) (subscription, error) {
	var sub subscription
	// The heat topic is parsed as REST parses it; a websocket's zero is
	// "not given".
	q := wire.Query{Window: m.Window, Category: m.Category, BBox: m.BBox}
	if m.Res != 0 {
		q.Res = strconv.Itoa(m.Res)
	}
	if m.MinSeverity != 0 {
		q.MinSeverity = strconv.Itoa(m.MinSeverity)
	}
	topic, err := q.Parse()
	if err != nil {
		return sub, err
	}
	sub.Topic = topic
	if len(m.Layers) == 0 {
		m.Layers = []string{layerHeat, layerUnits}
	}
	for _, l := range m.Layers {
		switch i := slices.Index(whole, l); {
		case l == layerHeat:
			sub.heat = true
		case l == layerUnits:
			sub.units = true
		case l == layerRegions:
			sub.regions, sub.level = true, geo.LevelDistrict
		case i >= 0:
			sub.wholeMask |= 1 << i
		default:
			known := append([]string{layerHeat, layerUnits, layerRegions}, whole...)
			return sub, fmt.Errorf("layers: unknown layer %q (%s)", l, strings.Join(known, ", "))
		}
	}
	for i, l := range whole {
		if sub.wholeMask&(1<<i) != 0 {
			sub.whole = append(sub.whole, l)
		}
	}
	if m.Level != "" {
		lv, err := geo.ParseRegionLevel(m.Level)
		if err != nil {
			return sub, err
		}
		if !sub.regions {
			return sub, &geo.FieldError{Field: "level", Reason: "only with the regions layer"}
		}
		sub.level = lv
	}
	return sub, nil
}
