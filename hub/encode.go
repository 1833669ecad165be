package hub

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
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
	b = append(b, `,"res":`...)
	b = strconv.AppendInt(b, int64(sub.key.Res), 10)
	b = append(b, `,"window":"`...)
	b = append(b, sub.key.Window...)
	b = append(b, `","asOf":`...)
	return wire.AppendTime(b, asOf)
}

// snapshot is the state of one topic at one tick.
type snapshot struct {
	tick    uint64
	asOf    time.Time
	cells   []live.CellCount
	units   []live.Unit
	regions []byte // the regions layer's JSON array, when subscribed
	ops     *ops.Summary
}

func encodeSnapshot(s snapshot, sub subscription) []byte {
	b := appendHeader(make([]byte, 0, 64+32*len(s.cells)), "snapshot", s.tick, sub, s.asOf)
	if sub.heat {
		b = append(b, `,"total":`...)
		b = strconv.AppendInt(b, wire.SumCells(s.cells, sub.bbox), 10)
		b = append(b, `,"cells":`...)
		b = wire.AppendCells(b, s.cells, sub.bbox)
	}
	if sub.units {
		b = append(b, `,"units":`...)
		b = wire.AppendUnits(b, s.units, sub.bbox)
	}
	if sub.regions != "" {
		b = appendRegions(b, sub.regions, s.regions)
	}
	return appendOps(b, sub, s.ops)
}

// appendOps adds the alerts and dispatches layers a subscription takes, whole.
func appendOps(b []byte, sub subscription, sum *ops.Summary) []byte {
	if sum == nil {
		return b
	}
	if sub.alerts {
		b = append(b, `,"alerts":`...)
		b = append(b, sum.Alerts...)
	}
	if sub.dispatches {
		b = append(b, `,"dispatches":`...)
		b = append(b, sum.Dispatches...)
	}
	return b
}

func appendRegions(b []byte, level string, rows []byte) []byte {
	b = append(b, `,"level":"`...)
	b = append(b, level...)
	b = append(b, `","regions":`...)
	return append(b, rows...)
}

// encodeDelta encodes one tick for a topic. total is the view's total and is
// sent only to clients without a bbox, for whom it is the sum of their cells.
// regions, when not nil, is the regions layer, sent whole.
func encodeDelta(t *live.Tick, sub subscription, regions []byte) []byte {
	d := t.Heat[sub.key]
	b := appendHeader(make([]byte, 0, 64+32*len(d.Cells)), "delta", t.Seq, sub, t.AsOf)
	if sub.heat {
		if sub.bbox == nil {
			b = append(b, `,"total":`...)
			b = strconv.AppendInt(b, d.Total, 10)
		}
		b = append(b, `,"cells":`...)
		b = wire.AppendCells(b, d.Cells, sub.bbox)
	}
	if sub.units {
		b = append(b, `,"units":`...)
		b = wire.AppendUnits(b, t.Units, sub.bbox)
	}
	if regions != nil {
		b = appendRegions(b, sub.regions, regions)
	}
	return appendOps(b, sub, t.Ops)
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
