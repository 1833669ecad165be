package heat

import (
	"encoding/binary"
	"slices"
)

// A tally counts the incidents of one slice of the long windows by key: how
// many incidents of each place, category and severity. It is how 24 hours of
// incidents fit in memory: a slice of 15 minutes at 3,000 events a second
// holds 2.7 million incidents but about a million distinct keys.
//
// The counted part is a byte string of (key, count) in key order, each key
// written as its difference from the one before and both as varints: keys
// sorted by place differ by little, and most counts are small, so an entry
// takes about 4 bytes where a key and a count would take 12.
//
// Keys arrive one by one (late events, a rebuild) or a bucket at a time (the
// fine buckets that age out of the last hour). They wait in pending and are
// merged into the counted part once pending is large enough for the merge to
// pay: never more than a quarter of the entries counted, so adding n keys
// costs O(n log n) however they arrive, and a merge in the fold's loop stays
// small.
type tally struct {
	counted []byte // (key delta, count) varint pairs, keys ascending and unique
	entries int    // pairs in counted
	pending []key  // not yet merged: one incident each
}

// minPending is the least pending worth a merge (512 KiB of keys).
const minPending = 1 << 16

func (t *tally) add(k key) {
	t.pending = append(t.pending, k)
	t.mergeIfDue()
}

func (t *tally) addAll(ks []key) {
	t.pending = append(t.pending, ks...)
	t.mergeIfDue()
}

func (t *tally) mergeIfDue() {
	if len(t.pending) >= max(minPending, t.entries/4) {
		t.merge()
	}
}

// merge folds pending into the counted part, which it reallocates at its exact
// size: tallies live for a day, so spare capacity would be paid for a day.
func (t *tally) merge() {
	if len(t.pending) == 0 {
		return
	}
	slices.Sort(t.pending)
	out := make([]byte, 0, len(t.counted)+4*len(t.pending))
	var w tallyWriter
	r := tallyReader{b: t.counted}
	k, n, ok := r.next()
	for i := 0; i < len(t.pending); {
		p, run := t.pending[i], 1
		for i+run < len(t.pending) && t.pending[i+run] == p {
			run++
		}
		i += run
		for ok && k < p {
			out = w.append(out, k, n)
			k, n, ok = r.next()
		}
		if ok && k == p {
			run += int(n)
			k, n, ok = r.next()
		}
		out = w.append(out, p, uint64(run))
	}
	for ok {
		out = w.append(out, k, n)
		k, n, ok = r.next()
	}
	t.counted, t.entries, t.pending = slices.Clip(append([]byte(nil), out...)), w.entries, nil
}

// each calls fn with every key and how many incidents have it (a key may come
// more than once, with parts of its count).
func (t *tally) each(fn func(k key, n int32)) {
	r := tallyReader{b: t.counted}
	for k, n, ok := r.next(); ok; k, n, ok = r.next() {
		fn(k, int32(n))
	}
	for _, k := range t.pending {
		fn(k, 1)
	}
}

type tallyWriter struct {
	prev    key
	entries int
}

func (w *tallyWriter) append(b []byte, k key, n uint64) []byte {
	b = binary.AppendUvarint(b, uint64(k-w.prev))
	w.prev = k
	w.entries++
	return binary.AppendUvarint(b, n)
}

type tallyReader struct {
	b    []byte
	prev key
}

func (r *tallyReader) next() (key, uint64, bool) {
	if len(r.b) == 0 {
		return 0, 0, false
	}
	d, i := binary.Uvarint(r.b)
	n, j := binary.Uvarint(r.b[i:])
	r.b = r.b[i+j:]
	r.prev += key(d)
	return r.prev, n, true
}
