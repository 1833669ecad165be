package stream

import (
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

// SeenBase starts the keys of the seen tags of kind in shard (the writer's
// dedupe: see appendScript): <base>:<generation> is a generation's
// directory, <base>:<generation>:<depth>:<suffix> its buckets.
func (l Layout) SeenBase(k Kind, shard geo.Cell) string {
	return l.withDefaults().Prefix + ":{" + shard.String() + "}:seen:" + string(k)
}

// seenGeneration is the generation of the seen tags at now, and the Unix
// second its keys expire at: a generation is as long as the retention and a
// tag is looked up in its own and the one before, so its keys are kept until
// the generation after next begins (and a minute more, for clocks that
// differ between nodes).
func (l Layout) seenGeneration(now time.Time) (gen, expireAt int64) {
	span := int64(l.withDefaults().Retention / time.Second)
	gen = now.Unix() / span
	return gen, (gen+2)*span + 60
}

// Shards are the shard cells of a city: every stream a writer of this layout
// may write the city's events to, so every stream its tailers must read.
// Writer and tailer take the shard resolution from the one layout, so they
// cannot disagree.
func (l Layout) Shards(p *geo.Profile) []geo.Cell { return p.Shards(l.withDefaults().ShardRes) }
