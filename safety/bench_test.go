package safety_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/safety"
)

// BenchmarkRecompute is what every node pays once a minute: every region's
// index (Suzhou's 10 districts, 118 streets, 2,248 communities and about
// 27,000 grids, and the city) over the three periods, each with its previous
// period for the change, from tallies where every grid had an incident every
// day for 130 days (the 30d period reads 30 + 30 + 60 days of them).
func BenchmarkRecompute(b *testing.B) {
	f, grids := suzhouFold(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f.Recompute(nil)
	}
	b.StopTimer()
	if n := len(f.Table("7d").Level(geo.LevelGrid)); n != grids.Len() {
		b.Fatalf("%d grid rows, want %d", n, grids.Len())
	}
}

// BenchmarkTheLoopsShare is what the loop itself pays for a recomputation
// now that it runs on a goroutine of its own: the snapshot, and the copy of
// today's tally the next incident makes (the days are shared with the
// snapshot).
func BenchmarkTheLoopsShare(b *testing.B) {
	f, grids := suzhouFold(b)
	g := &grids.Divisions[0]
	e := geo.IncidentEvent(geo.Incident{Category: "theft", Severity: 2, Time: now, Regions: geo.RegionCodes{Grid: g.Code}})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		safety.Snapshot(f)
		f.Apply(nil, &e)
	}
}

// suzhouFold is a fold over Suzhou's regions where every grid had an
// incident every day for 130 days.
func suzhouFold(b *testing.B) (*safety.Fold, *geo.Layer) {
	p, err := geo.LoadProfile(profiles.FS, "suzhou")
	if err != nil {
		b.Fatal(err)
	}
	store, errc := geo.GenerateRegionStore(profiles.FS, p)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	regs := store.Load()
	grids := regs.Layer(geo.LevelGrid)
	f := safety.NewFold(safety.FoldConfig{Config: config(b), Regions: func() *geo.Regions { return regs }, Since: now.Add(-130 * 24 * time.Hour)})
	f.Advance(now)
	r := rand.New(rand.NewPCG(1, 2))
	for d := range 130 {
		at := now.Add(-time.Duration(d) * 24 * time.Hour)
		for i := range grids.Divisions {
			g := &grids.Divisions[i]
			comm := regs.Layer(geo.LevelCommunity).Division(g.Parent)
			street := regs.Layer(geo.LevelStreet).Division(comm.Parent)
			e := geo.IncidentEvent(geo.Incident{Category: categories[r.IntN(len(categories))], Severity: 1 + r.IntN(4), Time: at,
				Regions: geo.RegionCodes{District: street.Parent, Street: street.Code, Community: comm.Code, Grid: g.Code}})
			f.Apply(nil, &e)
		}
	}
	return f, grids
}
