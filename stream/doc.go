// Package stream is citygrid's Redis contract: the key layout, the field codec,
// the batched writer that appends events (deduplicated in Redis), and the tailer
// that reads them back, first as a rebuild of history and then live.
//
// Key layout (Prefix defaults to "citygrid"; {…} is a Redis Cluster hash tag):
//
//	<prefix>:{<shard>}:incidents          stream of incidents placed in shard
//	<prefix>:{<shard>}:positions          stream of patrol positions placed in shard
//	<prefix>:{<shard>}:seen:<kind>:<gen>  directory of a generation's seen tags
//	<prefix>:{<shard>}:seen:<kind>:<gen>:<depth>:<suffix>  a bucket of seen tags
//
// <shard> is the hex H3 cell, at the shard resolution, that is the parent of the
// event's cell. A seen tag is the first 8 bytes of the SHA-256 of the source's
// id (positions: unit and event time), so no key is ever built from unchecked
// input; see appendScript for how the tags are kept. The tags and the stream
// share a hash tag, so the one script that checks the tags and appends the
// entry touches one slot and is atomic: an event is either stored and marked,
// or neither.
//
// See docs/ARCHITECTURE.md for the field codec.
package stream
