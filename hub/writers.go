package hub

import (
	"runtime"
	"sync"
	"time"
)

// writers are the goroutines that write to clients: a few, shared, rather than
// one per client. A tick readies every subscriber at once, and a writer goes
// from one client's write to the next without parking, where a goroutine per
// client would be woken and parked again for each frame.
//
// A write to a client that has stopped reading blocks until WriteTimeout, and
// the clients queued behind it must not wait for it: a writer that spends more
// than stallAfter on one client is detached, and a new writer takes the queue
// on. A detached writer exits when its client is done.
type writers struct {
	mu     sync.Mutex
	cond   sync.Cond
	queue  []*client // clients with something to write, each at most once
	head   int
	active int // writers not detached
	idle   int // writers waiting on cond
	limit  int // active writers at most: they stay, waiting, when idle
	closed bool
}

// stallAfter is how long a writer may spend on one client before another
// writer takes over the queue.
const stallAfter = 2 * time.Millisecond

func newWriters() *writers {
	w := &writers{limit: runtime.GOMAXPROCS(0)}
	w.cond.L = &w.mu
	return w
}

// ready queues a client for writing. The caller has marked it writing (under
// c.mu), so it is in the queue at most once.
func (w *writers) ready(c *client) {
	w.mu.Lock()
	w.queue = append(w.queue, c)
	switch {
	case w.idle > 0:
		w.cond.Signal()
	case w.active < w.limit:
		w.active++
		go w.run()
	}
	w.mu.Unlock()
}

// next waits for a client to write to; it returns nil to a detached writer,
// and to every writer once the hub has ended and the queue is empty, and they
// exit.
func (w *writers) next(detached bool) *client {
	if detached {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.head == len(w.queue) {
		if w.closed {
			w.active--
			return nil
		}
		w.idle++
		w.cond.Wait()
		w.idle--
	}
	c := w.queue[w.head]
	w.queue[w.head] = nil
	w.head++
	if w.head == len(w.queue) { // reuse the slice's front
		w.queue, w.head = w.queue[:0], 0
	}
	return c
}

// close lets the writers exit once the queue is empty: the hub has ended.
func (w *writers) close() {
	w.mu.Lock()
	w.closed = true
	w.cond.Broadcast()
	w.mu.Unlock()
}

// detach replaces a writer stuck on one client; the replacement takes the
// queue on.
func (w *writers) detach() {
	w.mu.Lock()
	w.active--
	if w.head < len(w.queue) && w.active < w.limit && w.idle == 0 {
		w.active++
		go w.run()
	} else if w.idle > 0 {
		w.cond.Signal()
	}
	w.mu.Unlock()
}

func (w *writers) run() {
	// The watchdog: armed while this writer works on a client.
	watchdog := time.AfterFunc(time.Hour, w.detach)
	watchdog.Stop()
	detached := false
	for {
		c := w.next(detached)
		if c == nil {
			return
		}
		watchdog.Reset(stallAfter)
		c.flush()
		detached = !watchdog.Stop() // it fired: another writer has the queue
	}
}
