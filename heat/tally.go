package heat

import "slices"

// A tally counts the incidents of one slice of the long windows by key: how
// many incidents of each place, category and severity. It is how 24 hours of
// incidents fit in memory: a slice of 15 minutes at 3,000 events a second
// holds 2.7 million incidents but well under a million distinct keys, kept in
// 12 bytes each instead of 8 bytes an incident.
//
// Keys arrive one by one (late events, a rebuild) or a bucket at a time (the
// fine buckets that age out of the last hour). They wait in pending and are
// merged into the sorted, counted part once pending is large enough for the
// merge to pay: never more than a quarter of what is counted, so adding n
// keys costs O(n log n) however they arrive, and a merge in the fold's loop
// stays small.
type tally struct {
	keys    []key    // sorted, unique
	counts  []uint32 // counts[i] incidents have keys[i]
	pending []key    // not yet merged: one incident each
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
	if len(t.pending) >= max(minPending, len(t.keys)/4) {
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
	n, i := 0, 0
	for j, k := range t.pending {
		if j > 0 && k == t.pending[j-1] {
			continue
		}
		for i < len(t.keys) && t.keys[i] < k {
			i, n = i+1, n+1
		}
		if i == len(t.keys) || t.keys[i] != k {
			n++
		}
	}
	n += len(t.keys) - i
	keys, counts := make([]key, 0, n), make([]uint32, 0, n)
	i = 0
	for _, k := range t.pending {
		for i < len(t.keys) && t.keys[i] < k {
			keys, counts = append(keys, t.keys[i]), append(counts, t.counts[i])
			i++
		}
		switch {
		case len(keys) > 0 && keys[len(keys)-1] == k:
			counts[len(counts)-1]++
		case i < len(t.keys) && t.keys[i] == k:
			keys, counts = append(keys, k), append(counts, t.counts[i]+1)
			i++
		default:
			keys, counts = append(keys, k), append(counts, 1)
		}
	}
	keys, counts = append(keys, t.keys[i:]...), append(counts, t.counts[i:]...)
	t.keys, t.counts, t.pending = keys, counts, nil
}

// each calls fn with every key and how many incidents have it (a key may come
// more than once, with parts of its count).
func (t *tally) each(fn func(k key, n int32)) {
	for i, k := range t.keys {
		fn(k, int32(t.counts[i]))
	}
	for _, k := range t.pending {
		fn(k, 1)
	}
}
