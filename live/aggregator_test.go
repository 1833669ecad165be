package live

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/stream"
	"github.com/paulmach/orb"
)

// A question asked after Add returns sees what was added, however the
// aggregator's select happens to order the two.
func TestDoSeesWhatWasAdded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := NewAggregator(Config{Tick: time.Hour})
	go a.Run(ctx)
	cell := geo.CellOf(orb.Point{120.6, 31.3}, geo.FineRes)
	for i := range 200 {
		e := stream.Entry{Kind: stream.Incidents, Incident: geo.Incident{Cell: cell, Time: time.Now(), Severity: 1}}
		if err := a.Add(ctx, []stream.Entry{e}); err != nil {
			t.Fatal(err)
		}
		var total int64
		if err := a.Do(ctx, func(s *State) { _, total = s.Heat(ViewKey{Res: 9, Window: "15m"}) }); err != nil {
			t.Fatal(err)
		}
		if total != int64(i+1) {
			t.Fatalf("after %d adds the fold counts %d", i+1, total)
		}
	}
}
