package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/numgate/numgate/engine"
)

// Metrics are the service's Prometheus metrics, registered on the registry it is given
// (never the global one, so two servers can run side by side in a test).
type Metrics struct {
	requests         *prometheus.CounterVec
	requestDuration  *prometheus.HistogramVec
	decisions        *prometheus.CounterVec
	decisionDuration *prometheus.HistogramVec
	reloads          *prometheus.CounterVec
	lastReloadOK     prometheus.Gauge
	lastReloadTime   prometheus.Gauge
	policyInfo       *prometheus.GaugeVec
	panics           prometheus.Counter
	authFailures     *prometheus.CounterVec
	shed             *prometheus.CounterVec
	evaluator        *prometheus.GaugeVec
	shadowChecks     *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "numgate_http_requests_total", Help: "HTTP requests by route template, method and status code.",
		}, []string{"route", "method", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "numgate_http_request_duration_seconds", Help: "HTTP request latency by route template.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"route"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "numgate_decisions_total", Help: "Decisions by kind, status and country.",
		}, []string{"kind", "status", "country"}),
		decisionDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "numgate_decision_duration_seconds", Help: "Time to make a decision in the engine, by kind.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .00075, .001, .0015, .0025, .005, .01, .05},
		}, []string{"kind"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "numgate_policy_reloads_total", Help: "Policy reloads by result (success or failure) and trigger.",
		}, []string{"result", "trigger"}),
		lastReloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "numgate_policy_last_reload_successful", Help: "1 if the last policy reload succeeded, 0 if it was rejected.",
		}),
		lastReloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "numgate_policy_last_reload_timestamp_seconds", Help: "Unix time of the last policy reload attempt.",
		}),
		policyInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "numgate_policy_info", Help: "The policy revision being served (value 1).",
		}, []string{"revision"}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "numgate_http_panics_total", Help: "Handler panics recovered (each answered with a 500).",
		}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "numgate_auth_failures_total", Help: "Requests refused for a missing or unknown token (unauthenticated) or a missing role (forbidden).",
		}, []string{"reason"}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "numgate_requests_shed_total", Help: "Decisions not made: overloaded (no evaluation slot in time), evaluation_timeout (over the deadline) or decision_log (the log could not record it).",
		}, []string{"reason"}),
		evaluator: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "numgate_decision_evaluator", Help: "The evaluator making each decision of the policy served (value 1): plan (numgate runs OPA's query plan) or topdown (OPA's evaluator; GET /v1/policy says why).",
		}, []string{"decision", "evaluator"}),
		shadowChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "numgate_shadow_checks_total", Help: "Planned decisions decided again by OPA's evaluator (serve --shadow-rate), by result: agree, mismatch (logged with the decision id and the first differing path), error, dropped (the queue was full).",
		}, []string{"decision", "result"}),
	}
	reg.MustRegister(m.requests, m.requestDuration, m.decisions, m.decisionDuration, m.reloads,
		m.lastReloadOK, m.lastReloadTime, m.policyInfo, m.panics, m.authFailures, m.shed, m.evaluator, m.shadowChecks)
	return m
}

// setEvaluators shows the evaluator of each decision of the snapshot now served.
func (m *Metrics) setEvaluators(evs []engine.DecisionEvaluator) {
	m.evaluator.Reset()
	for _, e := range evs {
		m.evaluator.WithLabelValues(e.Decision, string(e.Evaluator)).Set(1)
	}
}
