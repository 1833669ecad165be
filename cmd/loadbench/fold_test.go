package main

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
)

// The fold scenario folds a whole simulated day and the soak, samples the
// memory six times, and times the day's reads.
func TestFoldScenarioFoldsADay(t *testing.T) {
	prof, err := geo.LoadProfile(profiles.FS, profiles.Default)
	if err != nil {
		t.Fatal(err)
	}
	f, err := runFold(context.Background(), prof, 2000, 5, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(5 * (24*3600 + 30*60)); f.Events != want {
		t.Errorf("%d events folded, want %d", f.Events, want)
	}
	if len(f.SoakSamples) != 6 || f.SoakMin <= 0 || f.SoakMax < f.SoakMin || f.LiveBytes <= 0 {
		t.Errorf("memory not sampled: %+v", f)
	}
	if f.Heat24hMs <= 0 || f.Streets24hMs <= 0 {
		t.Errorf("the day's reads not timed: %+v", f)
	}
}
