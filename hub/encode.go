package hub

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/wire"
)

// Frames are encoded without their closing brace: the writer appends the
// client's own sequence number and the brace, so one encoding serves every
// subscriber of a topic.

func appendHeader(b []byte, typ string, tick uint64, sub subscription, asOf time.Time) []byte {
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","v":`...)
	b = strconv.AppendInt(b, wire.Version, 10)
	b = append(b, `,"tick":`...)
	b = strconv.AppendUint(b, tick, 10)
	b = append(b, ',')
	return wire.AppendTopic(b, sub.View, asOf)
}

// snapshot is the state of one topic at one tick.
type snapshot struct {
	tick    uint64
	asOf    time.Time
	cells   []heat.CellCount
	totals  heat.Totals // the filter's totals in every window; nil with a bbox
	units   []heat.Unit
	regions []heat.RegionFigure // when subscribed
	whole   [][]byte            // the whole layers subscribed, in order
}

func (h *Hub) encodeSnapshot(s snapshot, sub subscription) []byte {
	b := appendHeader(make([]byte, 0, 64+32*len(s.cells)), "snapshot", s.tick, sub, s.asOf)
	if sub.heat {
		b = wire.AppendHeat(b, s.cells, sub.BBox)
		b = wire.AppendTotals(b, s.totals)
	}
	if sub.units {
		b = append(b, `,"units":`...)
		b = wire.AppendUnits(b, s.units, sub.BBox)
	}
	if sub.regions {
		b = append(b, ',')
		b = wire.AppendRegions(b, h.cfg.Regions(), sub.level, s.regions)
	}
	for _, members := range s.whole {
		b = append(b, ',')
		b = append(b, members...)
	}
	return b
}

// encodeDelta encodes one tick for a topic. The view's total, and its filter's
// totals in every window (of the same tick), are sent only to clients without
// a bbox, for whom the total is the sum of their cells. regions, when
// not nil, is the regions layer's members, sent whole.
func encodeDelta(t *live.Tick, part *heat.Changes, sub subscription, regions []byte) []byte {
	d := part.Views[sub.View]
	b := appendHeader(make([]byte, 0, 64+32*len(d.Cells)), "delta", t.Seq, sub, t.AsOf)
	if sub.heat {
		if sub.BBox == nil {
			b = append(b, `,"total":`...)
			b = strconv.AppendInt(b, d.Total, 10)
			b = wire.AppendTotals(b, part.Totals(sub.View))
		}
		b = append(b, `,"cells":`...)
		b = wire.AppendCells(b, d.Cells, sub.BBox)
	}
	if sub.units {
		b = append(b, `,"units":`...)
		b = wire.AppendUnits(b, part.Units, sub.BBox)
	}
	if regions != nil {
		b = append(b, ',')
		b = append(b, regions...)
	}
	for _, name := range sub.whole {
		if members, ok := t.Layers[name]; ok {
			b = append(b, ',')
			b = append(b, members...)
		}
	}
	return b
}

// encodeRegions is the members of the regions layer of a topic.
func (h *Hub) encodeRegions(level geo.Level, figs []heat.RegionFigure) []byte {
	return wire.AppendRegions(nil, h.cfg.Regions(), level, figs)
}

// closeFrame finishes a frame for one client.
func closeFrame(b []byte, seq uint64) []byte {
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	return append(b, '}')
}

func errorFrame(msg string) []byte {
	b, _ := json.Marshal(struct {
		Type  string `json:"type"`
		V     int    `json:"v"`
		Error string `json:"error"`
	}{"error", wire.Version, msg})
	return b
}
