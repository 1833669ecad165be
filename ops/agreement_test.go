package ops_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/heat"
	"github.com/citygrid/citygrid/internal/redistest"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
	"github.com/redis/go-redis/v9"
)

// The agreement between nodes, without HTTP: every node folds the same
// commands stream, proposes what its rules see, and appends under claims, so
// of several proposals of one change exactly one is appended.

// node is one citygrid node as far as alerts and dispatches go: the streams'
// tailer, the loop with the heat fold and a board, and the ops service.
type node struct {
	svc    *ops.Service
	loop   *live.Loop
	writer *stream.Writer
	store  *countingStore
	ticks  atomic.Int64 // ticks the loop has published
}

// countingStore is the commands store, counting what the node tried to
// append and what was appended, by command type.
type countingStore struct {
	ops.Store
	mu       sync.Mutex
	tried    map[string]int
	appended map[string]int
}

func (s *countingStore) Append(ctx context.Context, claim geo.Claim, c *geo.Command) (string, bool, string, error) {
	id, ok, holder, err := s.Store.Append(ctx, claim, c)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tried[c.Type]++
	if ok {
		s.appended[c.Type]++
	}
	return id, ok, holder, err
}

func (s *countingStore) count(typ string) (tried, appended int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tried[typ], s.appended[typ]
}

// waitTicks waits until the node's loop has ticked n more times: rules are
// evaluated on ticks, so a test waits for evaluations, not for time.
func (n *node) waitTicks(t *testing.T, more int64) {
	t.Helper()
	until := n.ticks.Load() + more
	eventually(t, "the loop ticks", func() bool { return n.ticks.Load() >= until })
}

// hotRules opens an alert when a res-9 cell has 3 incidents in 15 minutes,
// and evaluates often; every other rule is off.
func hotRules(t *testing.T) *ops.Rules {
	r, err := ops.ParseRules([]byte(`{"every":"100ms",
		"hotCell":[{"name":"hot","res":9,"window":"15m","open":3,"clear":1,"severity":2}],
		"anomaly":[],"severe":{"minSeverity":0},"uncovered":{"rule":""},"overdue":{"target":"0s"}}`))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// startNode runs a node on the shared Redis until the test ends, and waits
// until it has folded the streams.
func startNode(t *testing.T, rdb redis.UniversalClient, layout stream.Layout, shards []geo.Cell, rules *ops.Rules) *node {
	t.Helper()
	board := ops.NewBoard(ops.Config{Rules: rules})
	loop := live.NewLoop(live.Config{Tick: 20 * time.Millisecond}, heat.NewState(time.Now()), board)
	store := &countingStore{Store: stream.NewCommander(rdb, layout), tried: map[string]int{}, appended: map[string]int{}}
	n := &node{
		svc:    ops.NewService(ops.ServiceConfig{Loop: loop, Board: board, Store: store, Logf: t.Logf}),
		loop:   loop,
		writer: stream.NewWriter(rdb, layout, nil),
		store:  store,
	}
	loop.OnTick(func(live.Tick) { n.ticks.Add(1) })
	tailer := stream.NewTailer(rdb, stream.TailerConfig{Layout: layout, Shards: shards, Since: time.Now().Add(-time.Hour),
		Commands: true, Block: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{loop.Run, n.svc.Run, func(ctx context.Context) error { return tailer.Run(ctx, loop) }} {
		wg.Go(func() { _ = run(ctx) })
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	select {
	case <-loop.WhenReady():
	case <-time.After(10 * time.Second):
		t.Fatal("node not ready after 10 s")
	}
	return n
}

// twoNodes starts two nodes on one private redis-server.
func twoNodes(t *testing.T, rules *ops.Rules) (a, b *node, rdb *redis.Client, layout stream.Layout, shards []geo.Cell) {
	rdb = redistest.Start(t).Client()
	layout = stream.Layout{Prefix: redistest.Prefix(t)}
	shards = []geo.Cell{layout.Shard(geo.CellOf(here, geo.FineRes))}
	return startNode(t, rdb, layout, shards, rules), startNode(t, rdb, layout, shards, rules), rdb, layout, shards
}

var here = orb.Point{120.62, 31.30}

// eventually polls cond every 10 ms for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %s", what)
		}
	}
}

// commands counts the commands of a type in the stream.
func commands(t *testing.T, rdb *redis.Client, layout stream.Layout, typ string) int {
	t.Helper()
	msgs, err := rdb.XRange(t.Context(), layout.CommandStream(), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if c, err := stream.DecodeCommand(m.Values); err == nil && c.Type == typ {
			n++
		}
	}
	return n
}

func alerts(t *testing.T, n *node) []ops.Alert {
	t.Helper()
	l, err := n.svc.Alerts(t.Context(), ops.AlertFilter{Status: "all"})
	if err != nil {
		t.Fatal(err)
	}
	return l.Alerts
}

// Both nodes see a cell turn hot and propose its alert; one alert opens, and
// both show it, with the same id; and neither proposes it again.
func TestTwoNodesOpenOneAlert(t *testing.T) {
	a, b, rdb, layout, _ := twoNodes(t, hotRules(t))
	cell := geo.CellOf(here, geo.FineRes)
	ctr := cell.Center()
	var events []geo.Event
	for i := range 3 {
		events = append(events, geo.IncidentEvent(geo.Incident{ID: fmt.Sprint("hot-", i), Severity: 1, Category: "theft",
			Lat: ctr.Lat(), Lng: ctr.Lon(), Cell: cell, Time: time.Now()}))
	}
	if _, err := a.writer.Add(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both nodes show the alert", func() bool { return len(alerts(t, a)) == 1 && len(alerts(t, b)) == 1 })
	eventually(t, "both nodes proposed it", func() bool {
		ta, _ := a.store.count("alert.open")
		tb, _ := b.store.count("alert.open")
		return ta > 0 && tb > 0
	})
	// Let both evaluate the rules ten more times (every 100 ms, on 20 ms ticks).
	a.waitTicks(t, 50)
	b.waitTicks(t, 50)
	ta, oka := a.store.count("alert.open")
	tb, okb := b.store.count("alert.open")
	// A node whose proposal is refused may propose again once it has waited
	// five evaluations for the winner's command; it is refused again.
	if ta < 1 || tb < 1 || oka+okb != 1 {
		t.Fatalf("alert.open tried %d and %d times, appended %d and %d: want both nodes to try and one to win", ta, tb, oka, okb)
	}
	as, bs := alerts(t, a), alerts(t, b)
	if len(as) != 1 || len(bs) != 1 || as[0].ID != bs[0].ID || as[0].Cell != cell.String() {
		t.Fatalf("node a %+v\nnode b %+v: want one alert on %s, the same on both", as, bs, cell)
	}
	if n := commands(t, rdb, layout, "alert.open"); n != 1 {
		t.Fatalf("%d alert.open commands in the stream, want 1", n)
	}
}

// Two dispatchers on two nodes send one unit at once: exactly one wins, the
// other is told which dispatch holds the unit; both nodes agree, and a node
// started afterwards rebuilds the same.
func TestTwoDispatchersOneUnit(t *testing.T) {
	a, b, rdb, layout, shards := twoNodes(t, hotRules(t))
	const rounds = 10
	var units []geo.Event
	for i := range rounds {
		c := geo.CellOf(orb.Point{here[0] + float64(i)*0.001, here[1]}, geo.FineRes)
		ctr := c.Center()
		units = append(units, geo.PositionEvent(geo.Position{Unit: fmt.Sprint("car-", i), Status: geo.StatusAvailable,
			Lat: ctr.Lat(), Lng: ctr.Lon(), Cell: c, Time: time.Now()}))
	}
	if _, err := a.writer.Add(t.Context(), units); err != nil {
		t.Fatal(err)
	}
	target := geo.CellOf(here, geo.FineRes).String()
	known := func(n *node, unit string) bool {
		s, err := n.svc.Suggest(t.Context(), geo.CellOf(here, geo.FineRes), 100)
		for _, x := range s {
			if x.Unit == unit {
				return err == nil
			}
		}
		return false
	}
	eventually(t, "both nodes know the units", func() bool { return known(a, "car-9") && known(b, "car-9") })

	winners := map[string]string{}
	for i := range rounds {
		unit := fmt.Sprint("car-", i)
		var wg sync.WaitGroup
		got := make([]ops.Dispatch, 2)
		errs := make([]error, 2)
		for k, n := range []*node{a, b} {
			wg.Go(func() {
				got[k], errs[k] = n.svc.Dispatch(t.Context(), ops.DispatchRequest{Unit: unit, Cell: target}, fmt.Sprint("dispatcher-", k))
			})
		}
		wg.Wait()
		var won []int
		for k := range 2 {
			if errs[k] == nil {
				won = append(won, k)
			}
		}
		if len(won) != 1 {
			t.Fatalf("%s: %d dispatchers won (%v), want exactly 1", unit, len(won), errs)
		}
		w, l := won[0], 1-won[0]
		var conflict *ops.ConflictError
		if !errors.As(errs[l], &conflict) || conflict.Dispatch != got[w].ID {
			t.Fatalf("%s: the loser got %v, want a conflict naming %s", unit, errs[l], got[w].ID)
		}
		// The winner reads its own change at once: the answer came once folded.
		if l, err := []*node{a, b}[w].svc.Dispatches(t.Context(), false, unit); err != nil || len(l.Dispatches) != 1 || l.Dispatches[0].ID != got[w].ID {
			t.Fatalf("%s: the winner's node lists %+v (%v)", unit, l, err)
		}
		winners[unit] = got[w].ID
	}
	if n := commands(t, rdb, layout, "dispatch.assign"); n != rounds {
		t.Fatalf("%d dispatch.assign commands, want %d", n, rounds)
	}
	// Every node, and one started now from the streams, shows the same.
	c := startNode(t, rdb, layout, shards, hotRules(t))
	for name, n := range map[string]*node{"a": a, "b": b, "restarted": c} {
		eventually(t, "node "+name+" shows every dispatch", func() bool {
			l, err := n.svc.Dispatches(t.Context(), false, "")
			if err != nil || len(l.Dispatches) != rounds {
				return false
			}
			for _, d := range l.Dispatches {
				if winners[d.Unit] != d.ID {
					return false
				}
			}
			return true
		})
	}
	// Clearing one on node b frees the unit for a dispatch on node a.
	if _, err := b.svc.EndDispatch(t.Context(), winners["car-0"], "dispatcher-1", "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.EndDispatch(t.Context(), winners["car-0"], "dispatcher-0", "", true); !errors.As(err, new(*ops.ConflictError)) {
		t.Fatalf("ending an ended dispatch: %v, want a conflict", err)
	}
	eventually(t, "node a sends car-0 again", func() bool {
		_, err := a.svc.Dispatch(t.Context(), ops.DispatchRequest{Unit: "car-0", Cell: target}, "dispatcher-0")
		return err == nil
	})
}

// A change answers once the board has folded it, not after a poll: the board
// wakes whoever waits for a command as it applies it.
func TestWhenAppliedWakesOnTheCommand(t *testing.T) {
	b := ops.NewBoard(ops.Config{})
	open := func(id, entry string) {
		data := []byte(`{"id":"` + id + `","kind":"severe_incident","key":"k-` + id + `","severity":4}`)
		b.ApplyCommand(nil, entry, &geo.Command{Type: "alert.open", Data: data})
	}
	open("a1", "1700000000000-0")
	select {
	case <-b.WhenApplied("1700000000000-0"):
	default:
		t.Fatal("a command already folded is waited for")
	}
	later := b.WhenApplied("1700000000005-2")
	open("a2", "1700000000005-1")
	select {
	case <-later:
		t.Fatal("woken by an earlier command")
	default:
	}
	open("a3", "1700000000006-0") // a later command: the awaited one was folded before it
	select {
	case <-later:
	default:
		t.Fatal("not woken once a later command was folded")
	}
}
