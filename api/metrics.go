package api

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/ops"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series, on a registry of its own so
// tests can run several servers in one process.
type metrics struct {
	reg      *prometheus.Registry
	events   *prometheus.CounterVec
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(a *API) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "citygrid_ingest_events_total", Help: "Feed events by kind and outcome (accepted, duplicate, rejected).",
		}, []string{"kind", "outcome"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "citygrid_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "citygrid_http_request_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.events, m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "citygrid_ready", Help: "1 once the live state is rebuilt from the streams and the regions are generated."},
			func() float64 { return boolFloat(a.cfg.Loop.Ready() && a.cfg.Regions.Loaded()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "citygrid_history_lost", Help: "1 once Redis was seen to have lost its data (its epoch changed) since this node started."},
			func() float64 { _, lost := a.historyLost(); return boolFloat(lost) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "citygrid_ws_clients", Help: "Connected websocket clients."},
			func() float64 { return float64(a.cfg.Hub.Stats().Clients) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "citygrid_ws_frames_total", Help: "Frames written to websocket clients."},
			func() float64 { return float64(a.cfg.Hub.Stats().FramesSent) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "citygrid_ws_resyncs_total", Help: "Slow clients resynced with a snapshot."},
			func() float64 { return float64(a.cfg.Hub.Stats().Resyncs) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "citygrid_alerts_active", Help: "Alerts open or acknowledged."},
			func() float64 { return a.opsFigure(func(s ops.Stats) float64 { return float64(s.ActiveAlerts) }) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "citygrid_dispatches_active", Help: "Dispatches assigned, en route or on scene."},
			func() float64 { return a.opsFigure(func(s ops.Stats) float64 { return float64(s.ActiveDispatches) }) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "citygrid_rules_evaluation_seconds", Help: "What the last evaluation of the alert rules cost."},
			func() float64 { return a.opsFigure(func(s ops.Stats) float64 { return s.LastEvaluation.Seconds() }) }),
	)
	return m
}

// opsFigure reads a figure of the alerts and dispatches for a scrape, giving
// up after a second (a scrape must not hang on a busy loop).
func (a *API) opsFigure(f func(ops.Stats) float64) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	st, err := a.cfg.Ops.Stats(ctx)
	if err != nil {
		return math.NaN()
	}
	return f(st)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (m *metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

func (m *metrics) ingested(kind string, accepted, duplicates, rejected int) {
	m.events.WithLabelValues(kind, "accepted").Add(float64(accepted))
	m.events.WithLabelValues(kind, "duplicate").Add(float64(duplicates))
	m.events.WithLabelValues(kind, "rejected").Add(float64(rejected))
}

// middleware counts requests by route pattern (never by raw path, which would
// let anyone mint series).
func (m *metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "other"
		}
		m.requests.WithLabelValues(route, strconv.Itoa(c.Writer.Status())).Inc()
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	}
}
