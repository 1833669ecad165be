package recent

import "hash/maphash"

// DefaultIDs is how many incidents' ids the index remembers by default: a
// day of a busy city's incidents (Suzhou's hotlines and police calls are tens
// of thousands a day) in about 10 MB.
const DefaultIDs = 200_000

// idRing finds an incident's ref by its id. It keeps the newest ids to
// arrive in a ring, so memory is bounded whatever the rate; ids are kept as
// hashes, and a caller checks the incident it reads carries the id asked for
// (a collision answers "not found", never another incident).
type idRing struct {
	seed  maphash.Seed
	refs  map[uint64]Ref
	order []uint64 // hashes in arrival order
	head  int      // the oldest, once the ring is full
	max   int
}

func newIDRing(n int) idRing {
	return idRing{seed: maphash.MakeSeed(), refs: make(map[uint64]Ref), max: n}
}

func (r *idRing) key(id string) uint64 { return maphash.String(r.seed, id) }

// put remembers id's ref; the newest incident of one id (two sources may
// share an id) wins.
func (r *idRing) put(id string, ref Ref) {
	h := r.key(id)
	if _, ok := r.refs[h]; !ok {
		if len(r.order) < r.max {
			r.order = append(r.order, h)
		} else {
			delete(r.refs, r.order[r.head])
			r.order[r.head] = h
			r.head = (r.head + 1) % r.max
		}
	} else if r.refs[h].At > ref.At {
		return
	}
	r.refs[h] = ref
}

func (r *idRing) get(id string) (Ref, bool) {
	ref, ok := r.refs[r.key(id)]
	return ref, ok
}
