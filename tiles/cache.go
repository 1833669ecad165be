package tiles

import (
	"container/list"
	"sync"
)

// cacheKey is a tile as drawn from one version of the regions (0 for layers
// that do not depend on them).
type cacheKey struct {
	Key
	version uint64
}

type entry struct {
	key  cacheKey
	body []byte // gzipped MVT
	etag string
}

// lru is a bounded cache of encoded tiles, safe for concurrent use.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used
	items map[cacheKey]*list.Element
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), items: map[cacheKey]*list.Element{}}
}

func (c *lru) get(k cacheKey) (*entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry), true
}

func (c *lru) add(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		c.order.MoveToFront(el)
		el.Value = e
		return
	}
	c.items[e.key] = c.order.PushFront(e)
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*entry).key)
	}
}
