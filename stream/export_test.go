package stream

import (
	"time"

	"github.com/redis/go-redis/v9"
)

// NewWriterWithTables is a Writer whose seen tables split buckets at cap tags
// and read a directory whole only up to 2^cachedDepth slots: small enough for
// a test to grow deep tables from a few thousand events.
func NewWriterWithTables(rdb redis.UniversalClient, layout Layout, now func() time.Time, cap, cachedDepth int) *Writer {
	w := NewWriter(rdb, layout, now)
	w.script = newAppendScript(cap, seenMaxDepth, cachedDepth)
	return w
}
