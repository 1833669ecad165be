// Package live runs the fold of the streams into live state: one Loop owns
// every Fold on one goroutine, feeds each the events the tailer reads, moves
// their one clock, ticks them, and publishes what changed to the hub.
//
// The loop knows no particular fold. A fold is a room of its own: heat and
// units (package heat), the board of alerts and dispatches (package ops), and
// whatever comes next; it owns its state, publishes its own layers (Tick),
// and reads another fold's figures only through the loop (Find), never by
// holding it. Everyone outside the loop (handlers, the hub) asks through Do
// and gets copies.
//
// Because every fold is deterministic over the events and their times, a node
// that replays the streams arrives at the same state as one that watched
// them live.
package live
