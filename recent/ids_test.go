package recent

import "testing"

func TestTheIDRingForgetsTheOldestAndKeepsItsSize(t *testing.T) {
	r := newIDRing(3)
	for i, id := range []string{"a", "b", "c", "d"} {
		r.put(id, Ref{At: int64(i)})
	}
	if _, ok := r.get("a"); ok {
		t.Error("the oldest id is still there")
	}
	for _, id := range []string{"b", "c", "d"} {
		if _, ok := r.get(id); !ok {
			t.Errorf("%s was forgotten", id)
		}
	}
	if len(r.refs) != 3 || len(r.order) != 3 {
		t.Errorf("ring holds %d refs, %d in order", len(r.refs), len(r.order))
	}
	// The same id again (another source's) keeps the newer, without a slot.
	r.put("c", Ref{At: 10})
	r.put("c", Ref{At: 5})
	if ref, _ := r.get("c"); ref.At != 10 || len(r.refs) != 3 {
		t.Errorf("c: %+v, %d refs", ref, len(r.refs))
	}
}
