// Package api is citygrid's HTTP surface (docs/API.md; docs/openapi.yaml for
// generating clients): one route table in which every route names the least
// role it needs, the handlers, who may call them (API keys, sign-in, roles,
// rate limits, the audit), and one table that maps the domain's errors to
// statuses (errors.go).
//
// Handlers hold no state of their own: they parse the query vocabulary the
// websocket shares (wire.Query), ask the live state through the loop (heat,
// units, region figures), the ops service (alerts, dispatches), or the streams
// (what feeds post, a cell's incidents), and answer.
package api

import (
	"context"
	"net/http"
	"time"

	"github.com/citygrid/citygrid/auth"
	"github.com/citygrid/citygrid/basemap"
	"github.com/citygrid/citygrid/briefing"
	"github.com/citygrid/citygrid/cases"
	"github.com/citygrid/citygrid/feed"
	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/hub"
	"github.com/citygrid/citygrid/live"
	"github.com/citygrid/citygrid/ops"
	"github.com/citygrid/citygrid/recent"
	"github.com/citygrid/citygrid/safety"
	"github.com/citygrid/citygrid/stream"
)

// Config is what the API serves from. Fields marked required must be set;
// the zero value of the others means their default.
type Config struct {
	// Loop is the live state: its heat fold (heat.State) answers the heat,
	// the units and the region figures. Required.
	Loop *live.Loop
	// Ops carries out alerts and dispatches. Required.
	Ops *ops.Service
	// Cases registers, moves and counts cases. Required.
	Cases *cases.Service
	// Hub serves GET /ws. Required.
	Hub *hub.Hub
	// Tiles serves GET /tiles/{layer}/{z}/{x}/{y}.pbf. Required.
	Tiles http.Handler
	// Basemap says where the page finds its base map (GET /api/v1/basemap);
	// BasemapArchive serves the -basemap archive at basemap.ArchivePath (nil:
	// none, 404).
	Basemap        basemap.Source
	BasemapArchive http.Handler
	// Regions is the region hierarchy; PUT /api/v1/regions/{level} replaces
	// a level of it. Required.
	Regions *geo.RegionStore
	// Layers keeps uploaded levels for every node and restart (see
	// RegionSync); nil keeps them in this node's memory only.
	Layers LayerKeeper
	// Decoder validates and places what feeds post. Required.
	Decoder *feed.Decoder
	// Writer stores what feeds post; a request is answered once Redis has it.
	// Required.
	Writer *stream.Writer
	// Recent is the fold that indexes each cell's newest incidents; Reader
	// reads them from the streams. Both required.
	Recent *recent.Index
	Reader *stream.Reader
	// Safety answers the safety index. Required.
	Safety *safety.Service
	// Briefing computes the briefing's figures from the streams. Required.
	Briefing *briefing.Source
	// Audit is the audit stream. Required.
	Audit *stream.Audit
	// Sessions keeps people's sessions. Required.
	Sessions *auth.Sessions
	// Credentials are the keys and users. Nil means open: everyone is an
	// anonymous admin (the caller listens on loopback only).
	Credentials *auth.Store
	// SimulatorKey, when set with Credentials, is a key that may feed and do
	// nothing else: the built-in simulator's, which lives in memory only.
	SimulatorKey string
	// TLS says the server serves HTTPS (cookies are Secure, and HSTS is sent).
	TLS bool
	// MaxBody is the largest ingest body, in bytes. Zero means 16 MiB.
	MaxBody int64
	// MaxLayer is the largest region upload, in bytes. Zero means
	// geo.MaxLayerBytes.
	MaxLayer int64
	// RateLimit is requests per second per key, user or address, with bursts
	// of twice that, when Credentials are set. Zero means no limit.
	RateLimit float64
	// WSPerIP bounds the websockets of one address when Credentials are set.
	// Zero means no bound.
	WSPerIP int
	// HistoryLost says when Redis was seen to have lost its data (see
	// stream.Epoch), if it was; /readyz and the metrics say so. Nil: never.
	HistoryLost func() (time.Time, bool)
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Logf reports what a client is not told (an unexpected error, a failed
	// audit). Nil means no logging.
	Logf func(format string, args ...any)
}

// A LayerKeeper stores an uploaded region level before this node applies
// it, so the other nodes (and this one, started again) apply it too.
type LayerKeeper interface {
	// Keep stores the level's upload, and returns the version it makes.
	Keep(ctx context.Context, level geo.Level, geojson []byte) (int64, error)
	// Applied says this node has applied version v itself.
	Applied(v int64)
}

// An API is the HTTP surface of one node. It is an http.Handler.
type API struct {
	cfg     Config
	guard   *guard
	metrics *metrics
	http.Handler
}

// New returns the API over the config's parts.
func New(cfg Config) *API {
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 16 << 20
	}
	if cfg.MaxLayer == 0 {
		cfg.MaxLayer = geo.MaxLayerBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	a := &API{cfg: cfg, guard: newGuard(cfg)}
	a.metrics = newMetrics(a)
	a.Handler = a.handler()
	return a
}
