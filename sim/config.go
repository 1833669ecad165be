package sim

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/citygrid/citygrid/geo"
)

// Config configures a Simulator. Only URL and Profile are required; every zero
// value means a sensible default so a demo needs no tuning.
type Config struct {
	URL           string                           // base URL of citygrid, e.g. "http://127.0.0.1:8080". Required.
	Profile       *geo.Profile                     // the city to simulate. Required.
	Rate          float64                          // incidents per second at peak hours. Zero means 5.
	Units         int                              // patrol units. Zero means 120.
	PositionEvery time.Duration                    // each unit reports this often (more often on the way to a dispatch). Zero means 5s.
	DispatchEvery time.Duration                    // how often the server's active dispatches are fetched. Zero means 1s.
	Batch         int                              // max events per POST. Zero means 500.
	Seed          int64                            // zero means time-based
	APIKey        string                           // optional bearer key
	Client        *http.Client                     // nil means a client with a 10s timeout
	Now           func() time.Time                 // nil means time.Now (injectable clock)
	Logf          func(format string, args ...any) // nil means log.Printf
	// CaseKinds are the subcategories the simulator opens cases of, from
	// part of its incidents, and moves through the loop (accept, assign,
	// handle, check, close, rate; with some rework, escalation, suspension
	// and lateness). None means no cases.
	CaseKinds []CaseKind
	// CaseChannels are the intake channels the cases come in by. Required
	// with CaseKinds.
	CaseChannels []string
	// CaseShare is the share of incidents that become cases. Zero means 2 %.
	CaseShare float64
}

// workers is how many POSTs may be in flight at once: enough to keep a high rate
// flowing when one connection's round trip is the bottleneck, few enough not to
// look like an attack on a small server.
const workers = 4

// withDefaults validates c and fills in its zero values.
func (c Config) withDefaults() (Config, error) {
	if c.URL == "" {
		return c, errors.New("sim: Config.URL is required")
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("sim: Config.URL %q is not an http(s) URL", c.URL)
	}
	// The API paths are appended to the base, so a trailing slash would double up.
	c.URL = strings.TrimRight(c.URL, "/")
	if c.Profile == nil || len(c.Profile.Outline) == 0 {
		return c, errors.New("sim: Config.Profile with an outline is required")
	}
	if c.Rate < 0 || c.Units < 0 || c.PositionEvery < 0 || c.DispatchEvery < 0 || c.Batch < 0 {
		return c, errors.New("sim: Rate, Units, PositionEvery, DispatchEvery and Batch must not be negative")
	}
	if c.Rate == 0 {
		c.Rate = 5
	}
	if c.Units == 0 {
		c.Units = 120
	}
	if c.PositionEvery == 0 {
		c.PositionEvery = 5 * time.Second
	}
	if c.DispatchEvery == 0 {
		c.DispatchEvery = time.Second
	}
	if c.Batch == 0 {
		c.Batch = 500
	}
	if c.CaseShare < 0 || c.CaseShare > 1 {
		return c, errors.New("sim: CaseShare must be between 0 and 1")
	}
	if c.CaseShare == 0 {
		c.CaseShare = 0.02
	}
	if len(c.CaseKinds) > 0 && len(c.CaseChannels) == 0 {
		return c, errors.New("sim: CaseChannels are required with CaseKinds")
	}
	if c.Seed == 0 {
		c.Seed = time.Now().UnixNano()
	}
	if c.Client == nil {
		// The default transport keeps only 2 idle connections per host; with more
		// workers than that, connections would be torn down and redialled constantly.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = workers
		c.Client = &http.Client{Timeout: 10 * time.Second, Transport: t}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logf == nil {
		c.Logf = log.Printf
	}
	return c, nil
}
