package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/carecast/carecast/store"
)

// metrics are the server's Prometheus metrics, in a registry of its own (so several servers in
// one test binary do not collide), exposed at /metrics.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	rateLimited  *prometheus.CounterVec
	runsStarted  prometheus.Counter
	runsFinished *prometheus.CounterVec
	runDuration  *prometheus.HistogramVec
	runsRunning  prometheus.Gauge
	runsQueued   prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "carecast_http_requests_total",
			Help: "HTTP requests served, by operation ID, method and status code.",
		}, []string{"operation", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "carecast_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request (event streams: until the stream ends), by operation ID and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation", "status"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "carecast_http_rate_limited_total",
			Help: "Requests refused by a rate limit, by the limit: key, organisation or address.",
		}, []string{"limit"}),
		runsStarted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "carecast_runs_started_total",
			Help: "Runs a worker started executing.",
		}),
		runsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "carecast_runs_finished_total",
			Help: "Runs that ended, by final status (succeeded, failed, cancelled).",
		}, []string{"status"}),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "carecast_run_duration_seconds",
			Help:    "Time from a run's start to its end, by final status.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2.5, 12), // 50 ms .. ~3 h
		}, []string{"status"}),
		runsRunning: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "carecast_runs_running",
			Help: "Runs executing now.",
		}),
		runsQueued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "carecast_runs_queued",
			Help: "Runs waiting for a worker.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.rateLimited, m.runsStarted, m.runsFinished, m.runDuration,
		m.runsRunning, m.runsQueued,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeRequest(op, method string, status int, d time.Duration) {
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(op, method, code).Inc()
	m.latency.WithLabelValues(op, code).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// runMetrics passes the service's run events to the Prometheus metrics.
type runMetrics struct{ m *metrics }

func (r runMetrics) RunsQueued(n int) { r.m.runsQueued.Set(float64(n)) }
func (r runMetrics) RunStarted()      { r.m.runsStarted.Inc(); r.m.runsRunning.Inc() }
func (r runMetrics) RunStopped()      { r.m.runsRunning.Dec() }

func (r runMetrics) RunFinished(status store.RunStatus, ran time.Duration) {
	r.m.runsFinished.WithLabelValues(string(status)).Inc()
	if ran >= 0 {
		r.m.runDuration.WithLabelValues(string(status)).Observe(ran.Seconds())
	}
}
