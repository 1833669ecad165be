// Package stream is citygrid's Redis contract: the key layout, the field codec,
// the batched writer that appends events (deduplicated in Redis), and the tailer
// that reads them back, first as a rebuild of history and then live.
//
// Key layout (Prefix defaults to "citygrid"; {…} is a Redis Cluster hash tag):
//
//	<prefix>:{<shard>}:incidents          stream of incidents placed in shard
//	<prefix>:{<shard>}:positions          stream of patrol positions placed in shard
//	<prefix>:{<shard>}:seen:<kind>:<hash> dedupe marker, expires with the retention
//
// <shard> is the hex H3 cell, at the shard resolution, that is the parent of the
// event's cell. <hash> is the hex SHA-256 prefix of the source's id (positions:
// unit and event time), so no key is ever built from unchecked input. The marker
// and the stream share a hash tag, so the one script that checks the marker and
// appends the entry touches one slot and is atomic: an event is either stored
// and marked, or neither.
//
// See docs/ARCHITECTURE.md for the field codec.
package stream
