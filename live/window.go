package live

import (
	"fmt"
	"time"
)

// A Window is a sliding span of event time that heat is counted over.
type Window struct {
	Name string // as clients name it: "15m", "1h", "24h"
	Span time.Duration
}

// Windows are the windows heat is kept for, shortest first.
var Windows = []Window{{"15m", 15 * time.Minute}, {"1h", time.Hour}, {"24h", 24 * time.Hour}}

// WindowByName returns the window called name.
func WindowByName(name string) (Window, error) {
	for _, w := range Windows {
		if w.Name == name {
			return w, nil
		}
	}
	return Window{}, fmt.Errorf("live: unknown window %q (use 15m, 1h or 24h)", name)
}

// Longest is the span of the longest window: how far back a rebuild must read.
func Longest() time.Duration { return Windows[len(Windows)-1].Span }

// A Filter narrows heat to some incidents. The zero Filter keeps all.
type Filter struct {
	Category    string // empty keeps every category
	MinSeverity int    // 0 or 1 keeps every severity
}

func (f Filter) keeps(cat string, sev int) bool {
	return (f.Category == "" || f.Category == cat) && sev >= f.MinSeverity
}

// IsZero reports whether the filter keeps everything.
func (f Filter) IsZero() bool { return f.Category == "" && f.MinSeverity <= 1 }

func (f Filter) normal() Filter {
	if f.MinSeverity <= 1 {
		f.MinSeverity = 0
	}
	return f
}

// A ViewKey names one heat layer: a resolution, a window and a filter.
type ViewKey struct {
	Res    int
	Window string
	Filter Filter
}

// Normal returns the key with equivalent filters written one way, so equal
// views get equal keys.
func (k ViewKey) Normal() ViewKey {
	k.Filter = k.Filter.normal()
	return k
}
