package stream

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// Kind names what a stream holds.
type Kind string

// The kinds of stream.
const (
	Incidents Kind = "incidents"
	Positions Kind = "positions"
)

// Kinds lists every kind, in the order the tailer reads them.
var Kinds = []Kind{Incidents, Positions}

// Layout builds the Redis keys of one deployment.
type Layout struct {
	// Prefix starts every key. Zero means "citygrid".
	Prefix string
	// ShardRes is the H3 resolution of the shard cells. Zero means 4.
	ShardRes int
	// Retention is how long events and dedupe markers are kept. Zero means 7 days.
	Retention time.Duration
}

func (l Layout) withDefaults() Layout {
	if l.Prefix == "" {
		l.Prefix = "citygrid"
	}
	if l.ShardRes == 0 {
		l.ShardRes = 4
	}
	if l.Retention == 0 {
		l.Retention = 7 * 24 * time.Hour
	}
	return l
}

// Shard is the shard cell of an event's cell.
func (l Layout) Shard(c geo.Cell) geo.Cell { return c.Parent(l.withDefaults().ShardRes) }

// Stream is the key of the stream of kind in shard.
func (l Layout) Stream(k Kind, shard geo.Cell) string {
	return l.withDefaults().Prefix + ":{" + shard.String() + "}:" + string(k)
}

// Seen is the key of the dedupe marker of an event with the given dedupe id.
func (l Layout) Seen(k Kind, shard geo.Cell, dedupeID string) string {
	sum := sha256.Sum256([]byte(dedupeID))
	return l.withDefaults().Prefix + ":{" + shard.String() + "}:seen:" + string(k) + ":" + hex.EncodeToString(sum[:16])
}

// Shards are the shard cells of a city: every stream a writer of this layout
// may write the city's events to, so every stream its tailers must read.
// Writer and tailer take the shard resolution from the one layout, so they
// cannot disagree.
func (l Layout) Shards(p *geo.Profile) []geo.Cell { return p.Shards(l.withDefaults().ShardRes) }

// ShardsNear are the shards that may hold an event contained in cell (at
// any resolution): an event's shard goes by its FineRes cell, whose parents do
// not nest in cell's, so the events in a cell near a shard's edge may lie in
// the shard next to it. They are the shards of the FineRes cells of cell and
// its neighbours.
func (l Layout) ShardsNear(cell geo.Cell) []geo.Cell {
	seen := map[geo.Cell]bool{}
	var out []geo.Cell
	for _, c := range cell.Disk(1) {
		fine := []geo.Cell{c}
		if c.Res() < geo.FineRes {
			fine = c.Children(geo.FineRes)
		}
		for _, f := range fine {
			if s := l.Shard(f); !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
