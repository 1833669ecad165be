// Package live folds the streams into live state: heat per H3 cell over sliding
// windows, and the latest position and status of every patrol unit.
//
// State is the fold itself and is not safe for concurrent use; an Aggregator owns
// one State on one goroutine and answers everyone else with immutable copies.
// Because the fold is deterministic over event times, a node that replays the
// streams arrives at the same numbers as one that watched them live.
package live
