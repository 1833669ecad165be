// Package wire is what the REST handlers and the websocket hub share of
// docs/API.md: the query vocabulary both accept (Query: res, window, category,
// minSeverity, bbox; one parser, one set of errors), and the JSON shapes both
// write, so a snapshot and the REST answer it mirrors are the same bytes.
// Cells and units are appended by hand: they are the hot path of every frame,
// and a frame is encoded once per topic and sent to many.
package wire

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/paulmach/orb"
)

// Version is the protocol version every frame carries as "v".
const Version = 1

// TimeFormat is how times are written: RFC 3339 with milliseconds, in UTC.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// AppendTime appends t as a JSON string.
func AppendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeFormat)
	return append(b, '"')
}

// AppendTopic appends the members that name a heat topic and its time:
// "res":8,"window":"1h","asOf":"…".
func AppendTopic(b []byte, k heat.ViewKey, asOf time.Time) []byte {
	b = append(b, `"res":`...)
	b = strconv.AppendInt(b, int64(k.Res), 10)
	b = append(b, `,"window":"`...)
	b = append(b, k.Window...)
	b = append(b, `","asOf":`...)
	return AppendTime(b, asOf)
}

// AppendHeat appends the members of a topic's whole heat:
// ,"total":42,"cells":[…], the total being the sum of the cells written.
func AppendHeat(b []byte, cells []heat.CellCount, bbox *orb.Bound) []byte {
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, SumCells(cells, bbox), 10)
	b = append(b, `,"cells":`...)
	return AppendCells(b, cells, bbox)
}

// AppendTotals appends the totals of a filter in every window, shortest
// first: ,"totals":{"15m":3,"1h":9,"24h":120}. Nothing when t is nil.
func AppendTotals(b []byte, t heat.Totals) []byte {
	if t == nil {
		return b
	}
	b = append(b, `,"totals":{`...)
	first := true
	for _, w := range geo.Windows {
		n, ok := t[w.Name]
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, w.Name...)
		b = append(b, `":`...)
		b = strconv.AppendInt(b, n, 10)
	}
	return append(b, '}')
}

// AppendCells appends cells as [{"cell":"88…","count":3},…], keeping only
// those whose centre lies in bbox when bbox is not nil.
func AppendCells(b []byte, cells []heat.CellCount, bbox *orb.Bound) []byte {
	b = append(b, '[')
	first := true
	for _, c := range cells {
		if bbox != nil && !bbox.Contains(c.Cell.Center()) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"cell":"`...)
		b = append(b, c.Cell.String()...)
		b = append(b, `","count":`...)
		b = strconv.AppendInt(b, int64(c.Count), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

// SumCells is the total of the cells AppendCells would write.
func SumCells(cells []heat.CellCount, bbox *orb.Bound) int64 {
	var n int64
	for _, c := range cells {
		if bbox == nil || bbox.Contains(c.Cell.Center()) {
			n += int64(c.Count)
		}
	}
	return n
}

// AppendUnits appends units as a JSON array, keeping only those inside bbox
// when bbox is not nil (gone units are always kept: the client may hold them).
func AppendUnits(b []byte, units []heat.Unit, bbox *orb.Bound) []byte {
	b = append(b, '[')
	first := true
	for i := range units {
		u := &units[i]
		if bbox != nil && !u.Gone && !bbox.Contains(u.Point()) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendUnit(b, u)
	}
	return append(b, ']')
}

func appendUnit(b []byte, u *heat.Unit) []byte {
	b = append(b, `{"unit":`...)
	b = AppendString(b, u.Unit)
	if u.Gone {
		return append(b, `,"gone":true}`...)
	}
	b = append(b, `,"kind":`...)
	b = AppendString(b, u.Kind)
	b = append(b, `,"status":`...)
	b = AppendString(b, u.Status)
	b = append(b, `,"lat":`...)
	b = strconv.AppendFloat(b, u.Lat, 'f', -1, 64)
	b = append(b, `,"lng":`...)
	b = strconv.AppendFloat(b, u.Lng, 'f', -1, 64)
	b = append(b, `,"cell":"`...)
	b = append(b, u.Cell.String()...)
	b = append(b, `","time":`...)
	b = AppendTime(b, u.Time)
	if u.Heading != nil {
		b = append(b, `,"heading":`...)
		b = strconv.AppendFloat(b, *u.Heading, 'f', -1, 64)
	}
	if u.Speed != nil {
		b = append(b, `,"speed":`...)
		b = strconv.AppendFloat(b, *u.Speed, 'f', -1, 64)
	}
	return append(b, '}')
}

// AppendString appends s as a JSON string: directly when it is plain ASCII,
// through encoding/json otherwise, so escaping is always JSON's, not Go's.
func AppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
