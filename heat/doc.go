// Package heat is the first fold of the live state: heat per H3 cell over
// sliding windows, the latest position and status of every patrol unit, and
// the figures of every region over a window.
//
// State is the fold itself and is not safe for concurrent use; a live.Loop
// owns it on one goroutine and everyone else asks through the loop's Do.
// Each tick it publishes its part (Changes): the cells whose counts changed
// in every view kept, the units that moved, and, once a second, the figures
// of the region levels someone watches; the hub turns them into frames.
package heat
