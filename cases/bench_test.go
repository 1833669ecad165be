package cases_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/geo"
)

// bigBook is a book of n cases over 100 streets in 10 districts, most of
// them open, as a large city's month looks on the wall.
func bigBook(b *testing.B, n int) (*cases.Book, time.Time) {
	b.Helper()
	book := cases.NewBook(catalogue(b))
	r := rand.New(rand.NewPCG(1, 1))
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	open := []cases.State{cases.Registered, cases.Accepted, cases.Assigned, cases.Assigned, cases.Handled, cases.Verified}
	for i := range n {
		st := open[r.IntN(len(open))]
		if i%10 == 0 {
			st = cases.Rated
		}
		street := r.IntN(100)
		c := &cases.Case{ID: fmt.Sprintf("c%d", i), Title: "t", State: st, Version: 1,
			Regions:    geo.RegionCodes{District: fmt.Sprintf("D%d", street/10), Street: fmt.Sprintf("S%d", street)},
			CreatedAt:  now.Add(-time.Duration(r.IntN(30*24)) * time.Hour),
			Due:        now.Add(time.Duration(r.IntN(20*24)-10*24) * time.Hour),
			Department: fmt.Sprintf("dept-%d", r.IntN(20)), Lat: 31.3, Lng: 120.6}
		if st == cases.Rated {
			c.ClosedAt, c.RatedAt, c.Satisfaction, c.OnTime = c.Due.Add(-time.Hour), c.Due, 4, true
		}
		book.Put(c)
	}
	book.Advance(now)
	return book, now
}

// The figures of every street over a month, with 100,000 cases (90,000 open).
func BenchmarkStats100k(b *testing.B) {
	book, now := bigBook(b, 100_000)
	q := cases.StatsQuery{Level: geo.LevelStreet, From: now.Add(-30 * 24 * time.Hour), To: now}
	b.ReportAllocs()
	for b.Loop() {
		if rows := book.Stats(q); len(rows) != 100 {
			b.Fatalf("%d rows", len(rows))
		}
	}
}

// The cases layer (counts, the overdue and the open on the map) with
// 100,000 cases: what a change costs to publish.
func BenchmarkSummarize100k(b *testing.B) {
	book, _ := bigBook(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		if s := book.Summarize(); s.Overdue == 0 {
			b.Fatal("no overdue case")
		}
	}
}

// A queue page: the open overdue cases of one street, newest first.
func BenchmarkList100k(b *testing.B) {
	book, _ := bigBook(b, 100_000)
	f := cases.Filter{State: "open", Level: geo.LevelStreet, Code: "S42", Overdue: true, Limit: 200}
	b.ReportAllocs()
	for b.Loop() {
		if list, _ := book.List(f); len(list) == 0 {
			b.Fatal("empty")
		}
	}
}
