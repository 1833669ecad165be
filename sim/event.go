package sim

import "time"

// An Incident is one reported event, as the server's incident feed expects it.
type Incident struct {
	ID       string    `json:"id"`
	Source   string    `json:"source"`
	Category string    `json:"category"`
	Severity int       `json:"severity"`
	Lat      float64   `json:"lat"`
	Lng      float64   `json:"lng"`
	Time     time.Time `json:"time"`
	Title    string    `json:"title"`
	Address  string    `json:"address"`
}

// A Position is one patrol unit's report, as the server's position feed expects it.
type Position struct {
	Unit    string    `json:"unit"`
	Kind    string    `json:"kind"`
	Status  string    `json:"status"`
	Lat     float64   `json:"lat"`
	Lng     float64   `json:"lng"`
	Time    time.Time `json:"time"`
	Heading float64   `json:"heading"`
	Speed   float64   `json:"speed"`
}

// stamp is a clock reading as the wire wants it: millisecond precision is all
// the server keeps, and the monotonic reading must not leak into comparisons.
func stamp(t time.Time) time.Time { return t.Round(0).Truncate(time.Millisecond) }
