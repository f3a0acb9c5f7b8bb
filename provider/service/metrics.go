package service

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one process's Prometheus registry: the Go runtime and process
// collectors, the requests by route, method and status, and their duration
// by route. A program registers its own counters on Registry. Each
// Metrics has its own registry, so tests can run several servers in one
// process.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	mu     sync.RWMutex
	series map[seriesKey]requestSeries // the children of requests and duration met so far
}

// seriesKey names the series one answered request counts in.
type seriesKey struct {
	route, method string
	status        int
}

// requestSeries is the counter and the histogram of one seriesKey.
type requestSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// NewMetrics returns a registry holding the collectors above.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests answered, by route (the route table's pattern), method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time from the request's headers to the end of the answer, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		series: map[seriesKey]requestSeries{},
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration,
	)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// MetricsPath is where the metrics are served.
const MetricsPath = "/metrics"

// MetricsOnly is the handler of a listener of the metrics' own
// (METRICS_ADDR): metrics (Handler) at GET and HEAD MetricsPath, 404 at
// any other path whatever the method, 405 with Allow for another method
// there, as on the main listener. Nothing else is served there: a
// readiness probe pointed at it by mistake fails instead of reading the
// metrics as "ready". The path must be MetricsPath exactly: a path that
// only cleans to it (//metrics, /./metrics) is 404 too, not the redirect
// to MetricsPath that http.ServeMux would answer.
func MetricsOnly(metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(http.MethodGet+" "+MetricsPath, metrics) // a GET pattern takes HEAD too
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != MetricsPath {
			http.NotFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// observe counts one answered request under its route (the route table's
// pattern) and method (methodLabel's): labels never come from raw input,
// so the number of series stays bounded whatever is requested.
func (m *Metrics) observe(route, method string, status int, seconds float64) {
	s := m.seriesOf(seriesKey{route, method, status})
	s.requests.Inc()
	s.duration.Observe(seconds)
}

// seriesOf returns the series of k. The vectors' WithLabelValues hashes
// every label value and formats the status on every call; a request finds
// its series here with one map lookup, and only the first request of each
// route, method and status asks the vectors.
func (m *Metrics) seriesOf(k seriesKey) requestSeries {
	m.mu.RLock()
	s, ok := m.series[k]
	m.mu.RUnlock()
	if ok {
		return s
	}
	s = requestSeries{
		requests: m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(k.status)),
		duration: m.duration.WithLabelValues(k.route),
	}
	m.mu.Lock()
	m.series[k] = s
	m.mu.Unlock()
	return s
}

// methodLabel is the method when it is a standard one, else "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}
