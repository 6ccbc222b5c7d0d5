package storetest

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/numgate/numgate/server/decisionlog"
)

// noClose keeps the store open when the log closes, so the test can read it after.
type noClose struct{ decisionlog.Store }

func (noClose) Close() error { return nil }

// noRegistry takes metrics and keeps none, so each test's log can register its own.
type noRegistry struct{}

func (noRegistry) Register(prometheus.Collector) error  { return nil }
func (noRegistry) MustRegister(...prometheus.Collector) {}
func (noRegistry) Unregister(prometheus.Collector) bool { return true }

func nopLogger() zerolog.Logger { return zerolog.Nop() }
