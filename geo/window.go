package geo

import "time"

// A Window is a sliding span of event time that figures are counted over.
type Window struct {
	Name string // as clients name it: "15m", "1h", "24h"
	Span time.Duration
}

// Windows are the windows heat and region figures are kept for, shortest first.
var Windows = []Window{{"15m", 15 * time.Minute}, {"1h", time.Hour}, {"24h", 24 * time.Hour}}

// DefaultWindow is the window a query that names none gets.
const DefaultWindow = "1h"

// LongestWindow is the span of the longest window: how far back a rebuild
// must read for the windows to be whole.
func LongestWindow() time.Duration { return Windows[len(Windows)-1].Span }

// ParseWindow returns the window called name; "" means DefaultWindow. The
// error is the one every endpoint and the websocket give.
func ParseWindow(name string) (Window, error) {
	if name == "" {
		name = DefaultWindow
	}
	for _, w := range Windows {
		if w.Name == name {
			return w, nil
		}
	}
	return Window{}, &FieldError{Field: "window", Reason: "must be 15m, 1h or 24h"}
}
