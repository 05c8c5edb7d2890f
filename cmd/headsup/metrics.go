package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus series of one server. Labels carry only fixed values (route
// patterns, kinds, outcomes), never anything a client sent.
type metrics struct {
	registry        *prometheus.Registry
	requestDuration *prometheus.HistogramVec
	reports         *prometheus.CounterVec
	deliveries      *prometheus.CounterVec
	fanoutDuration  prometheus.Histogram
}

func newMetrics(s store.Store) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "headsup_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "code"}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "headsup_reports_total", Help: "Reports accepted, by kind and whether a proof of work came with them.",
		}, []string{"kind", "verified"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "headsup_push_deliveries_total", Help: "Push deliveries by outcome (sent, gone, failed, retried).",
		}, []string{"outcome"}),
		fanoutDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "headsup_push_fanout_duration_seconds", Help: "Time from claiming a delivery job to finishing it.",
			Buckets: prometheus.ExponentialBuckets(0.1, 2, 14),
		}),
	}
	gauge := func(name, help string, count func(context.Context) (int64, error)) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := count(ctx)
			if err != nil {
				return -1 // visible in dashboards, and the scrape itself still succeeds
			}
			return float64(n)
		})
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requestDuration, m.reports, m.deliveries, m.fanoutDuration,
		gauge("headsup_queue_depth", "Reports waiting for a moderator.", func(ctx context.Context) (int64, error) {
			return s.CountReports(ctx, report.StatusPending)
		}),
		gauge("headsup_alerts_published", "Alerts published and not expired.", s.CountPublishedAlerts),
	)
	// Every kind starts at zero, so rates work from the first report.
	for _, k := range report.Kinds {
		m.reports.WithLabelValues(string(k), "true")
		m.reports.WithLabelValues(string(k), "false")
	}
	return m
}

// observeRequest is given to the engine's access logger.
func (m *metrics) observeRequest(method, route string, status int, d time.Duration) {
	m.requestDuration.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
}

func (m *metrics) reportAccepted(kind string, verified bool) {
	m.reports.WithLabelValues(kind, strconv.FormatBool(verified)).Inc()
}

// serveMetrics runs the admin listener. It is separate from the public port so that a proxy
// in front can never expose it by mistake.
func serveMetrics(ctx context.Context, addr string, m *metrics, log *slog.Logger) (stop func(), boundAddr string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	// Profiles for diagnosing a slow server; the admin listener is private (loopback by default).
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, ln.Addr().String(), nil
}
