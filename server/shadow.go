package server

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/rs/zerolog"

	"github.com/numgate/numgate/engine"
)

// shadowChecks decides a share of live decisions made from their plans again with
// OPA's evaluator, and counts whether the two agree: the conformance suite in the tests
// says planeval decides as OPA does on OPA's cases; this says so on the policy and the
// requests actually served. It is off the request path: the decision is answered first,
// then queued; a full queue drops the check (and counts it) rather than wait. A
// disagreement is logged and counted, never acted on: the answer given stands.
type shadowChecks struct {
	rate    float64
	jobs    chan shadowJob
	done    chan struct{}
	wg      sync.WaitGroup
	log     zerolog.Logger
	metrics *Metrics
	timeout time.Duration // longest one check may run

	// reference decides a recorded decision with the evaluator the plan is held to:
	// OPA's. A test puts a deliberately different one here.
	reference func(context.Context, *engine.Snapshot, *engine.ShadowProbe) (any, error)
}

type shadowJob struct {
	snap       *engine.Snapshot
	probe      *engine.ShadowProbe
	decisionID string
}

// shadowQueue is how many checks may wait: at 1% of decisions a check waits rarely,
// and a burst beyond it is dropped rather than kept in memory.
const shadowQueue = 64

// newShadowChecks starts the checker; nil (no checks, no goroutine) when rate is 0.
func newShadowChecks(rate float64, queue int, timeout time.Duration, log zerolog.Logger, m *Metrics) *shadowChecks {
	if rate <= 0 {
		return nil
	}
	c := &shadowChecks{
		rate: rate, jobs: make(chan shadowJob, queue), done: make(chan struct{}),
		log: log, metrics: m, timeout: timeout,
		reference: func(ctx context.Context, snap *engine.Snapshot, p *engine.ShadowProbe) (any, error) {
			return snap.DecideTopdown(ctx, p)
		},
	}
	c.wg.Add(1)
	go c.run()
	return c
}

// probe picks this decision for a check or not; the context carries the probe the
// engine fills when the decision runs from its plan.
func (c *shadowChecks) probe(ctx context.Context) (context.Context, *engine.ShadowProbe) {
	if c == nil || rand.Float64() >= c.rate {
		return ctx, nil
	}
	p := &engine.ShadowProbe{}
	return engine.WithShadowProbe(ctx, p), p
}

// submit queues the check of an answered decision, or drops it when the queue is full.
func (c *shadowChecks) submit(snap *engine.Snapshot, p *engine.ShadowProbe, decisionID string) {
	if c == nil || p == nil || !p.Recorded() {
		return
	}
	select {
	case c.jobs <- shadowJob{snap: snap, probe: p, decisionID: decisionID}:
	default:
		c.metrics.shadowChecks.WithLabelValues(p.Decision(), "dropped").Inc()
	}
}

func (c *shadowChecks) run() {
	defer c.wg.Done()
	for {
		select {
		case <-c.done:
			return
		case job := <-c.jobs:
			c.check(job)
		}
	}
}

func (c *shadowChecks) check(job shadowJob) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	decision := job.probe.Decision()
	planned, err := job.probe.Planned()
	var reference any
	if err == nil {
		reference, err = c.reference(ctx, job.snap, job.probe)
	}
	if err != nil {
		c.metrics.shadowChecks.WithLabelValues(decision, "error").Inc()
		// Only the error's code: OPA's messages may quote values of the request.
		code := "internal"
		var te *topdown.Error
		if errors.As(err, &te) {
			code = te.Code
		}
		c.log.Warn().Str("decision_id", job.decisionID).Str("decision", decision).Str("revision", job.snap.Revision).
			Str("error_code", code).Msg("shadow check: OPA's evaluator could not decide again; the answer given stands")
		return
	}
	where, differ := engine.FirstDifference(planned, reference)
	if !differ {
		c.metrics.shadowChecks.WithLabelValues(decision, "agree").Inc()
		return
	}
	c.metrics.shadowChecks.WithLabelValues(decision, "mismatch").Inc()
	c.log.Error().Str("decision_id", job.decisionID).Str("decision", decision).Str("revision", job.snap.Revision).
		Str("path", where).Msg("shadow check: OPA's evaluator decides otherwise than the plan; the answer given stands")
}

// close stops the checker; checks still queued are not made.
func (c *shadowChecks) close() {
	if c == nil {
		return
	}
	close(c.done)
	c.wg.Wait()
}
