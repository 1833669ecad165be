package live

import "github.com/citygrid/citygrid/geo"

// Applied is how far a fold has folded the commands stream, and who waits
// for a command to be folded: a change made by a handler answers only once
// its command is folded, so the answer, and the next read, show it. Like the
// fold that holds it, it is used on the loop's goroutine only.
type Applied struct {
	last    string // the entry id of the last command folded
	waiters []appliedWaiter
}

type appliedWaiter struct {
	id   string
	done chan struct{}
}

// Last is the entry id of the last command folded.
func (a *Applied) Last() string { return a.last }

// Mark records that the command with entry id is folded, and wakes those
// waiting for it or an earlier one.
func (a *Applied) Mark(id string) {
	a.last = id
	kept := a.waiters[:0]
	for _, w := range a.waiters {
		if geo.CompareIDs(a.last, w.id) >= 0 {
			close(w.done)
		} else {
			kept = append(kept, w)
		}
	}
	clear(a.waiters[len(kept):])
	a.waiters = kept
}

// When is closed once the command with entry id is folded (at once if it is).
func (a *Applied) When(id string) <-chan struct{} {
	done := make(chan struct{})
	if geo.CompareIDs(a.last, id) >= 0 {
		close(done)
		return done
	}
	a.waiters = append(a.waiters, appliedWaiter{id, done})
	return done
}
