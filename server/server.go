package server

import (
	"context"
	"crypto/tls"
	"errors"
	stdlog "log"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/numgate/numgate/internal/buildinfo"
	"github.com/numgate/numgate/server/decisionlog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Config is everything a Server needs, passed in: nothing is global.
type Config struct {
	Policy   *Policy
	Logger   zerolog.Logger
	Metrics  *Metrics
	Gatherer prometheus.Gatherer // what /metrics serves

	Tokens      *Tokens          // callers and their roles; nil: no authentication (loopback only)
	DecisionLog *decisionlog.Log // where decisions are recorded before they are answered; nil: off
	TLS         *tls.Config      // serve HTTPS (and verify client certificates) when set
	Build       buildinfo.Info   // which numgate this is, for GET /v1/policy
	Console     bool             // serve the web console at /console/ (server/console)

	MaxBodyBytes      int64         // decision and data request bodies; default 1 MiB
	EvalTimeout       time.Duration // longest one evaluation may run; default 2s
	MaxConcurrent     int           // evaluations at once; default 16 per CPU
	QueueTimeout      time.Duration // wait for an evaluation slot before 503; default 100ms
	ReadHeaderTimeout time.Duration // default 5s
	ReadTimeout       time.Duration // whole request, body included; default 10s
	WriteTimeout      time.Duration // default 10s
	IdleTimeout       time.Duration // keep-alive; default 60s
	MaxHeaderBytes    int           // default 64 KiB
	// ShadowRate is the share of decisions made from their plans that OPA's evaluator
	// decides again, off the request path, to count agreement (shadow.go); 0: none.
	ShadowRate float64
}

func (c *Config) defaults() {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = 5 * time.Second
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 60 * time.Second
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	if c.EvalTimeout <= 0 {
		c.EvalTimeout = 2 * time.Second
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = 16 * runtime.GOMAXPROCS(0)
	}
	if c.QueueTimeout <= 0 {
		c.QueueTimeout = 100 * time.Millisecond
	}
}

// Server is the HTTP decision service.
type Server struct {
	cfg      Config
	log      zerolog.Logger
	metrics  *Metrics
	policy   *Policy
	handler  http.Handler
	http     *http.Server
	stopping atomic.Bool
	tokens   atomic.Pointer[Tokens]
	slots    chan struct{} // one per evaluation running
	shadow   *shadowChecks // nil: no shadow checks
}

// New builds a server; it serves nothing until Serve.
func New(cfg Config) *Server {
	cfg.defaults()
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: cfg.Metrics, policy: cfg.Policy, slots: make(chan struct{}, cfg.MaxConcurrent),
		shadow: newShadowChecks(cfg.ShadowRate, shadowQueue, cfg.EvalTimeout, cfg.Logger, cfg.Metrics)}
	s.tokens.Store(cfg.Tokens)
	s.handler = s.observe(s.routes())
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		TLSConfig:         cfg.TLS,
		// The http package's own complaints (TLS handshakes, malformed requests) go to the
		// structured log too.
		ErrorLog: stdlog.New(cfg.Logger.With().Str("source", "net/http").Logger(), "", 0),
	}
	return s
}

// Handler is the whole API, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers on ln (with TLS when configured) until Shutdown; it returns nil after a
// clean shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if s.cfg.TLS != nil {
		ln = tls.NewListener(ln, s.cfg.TLS)
	}
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown turns readiness off, stops accepting connections and waits for requests in
// flight to finish, until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopping.Store(true)
	err := s.http.Shutdown(ctx)
	s.shadow.close()
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
