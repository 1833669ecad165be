// Package hub pushes live heat and patrol units to websocket clients: wall
// displays and duty officers' consoles.
//
// A client subscribes to a topic (layers, resolution, window, optional bbox and
// filter) and gets a snapshot, then a delta per tick carrying only what changed.
// The hub takes the ticks of a live.Loop: the heat fold's part (heat, units,
// region figures) it encodes per topic; every other layer a fold publishes
// whole, already encoded (live.LayerSource), and the hub only passes it on.
// Each delta is encoded once per topic and written to every subscriber of it.
// A slow client never slows the others: its queue is bounded, and when it
// overflows the queue is dropped and the client is resynced with a fresh
// snapshot. Deltas carry absolute counts, never increments, so a delta that
// repeats what a snapshot already holds is harmless.
//
// An idle client costs one goroutine, the one that reads it (the library needs
// a reader to answer pings and closes), and no timer: a few shared writers
// (writers.go) write to whichever clients have frames waiting, and one sweep
// per hub bounds writes and sends the pings.
//
// A client may instead watch a replay of a past span (replay.go, the replay
// message): a replay.Session of its own sends it frames of the same shapes with
// a "replay" member, written by the same writers, and the client gets no live
// frames until it sends live or subscribe.
package hub
