package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/internal/buildinfo"
	"github.com/numgate/numgate/server"
	"github.com/numgate/numgate/server/decisionlog"
)

// serveCmd runs the HTTP decision service.
type serveCmd struct {
	stdout, stderr io.Writer
	trees          treeFlags
	// signals lets a test stand in for the process's signals; nil means the real ones.
	signals chan os.Signal
}

// envFlags maps each serve flag to the environment variable that sets it; a flag on
// the command line wins over the variable.
var envFlags = map[string]string{
	"addr":                    "NUMGATE_ADDR",
	"countries":               "NUMGATE_COUNTRIES",
	"policies":                "NUMGATE_POLICIES",
	"log-level":               "NUMGATE_LOG_LEVEL",
	"log-format":              "NUMGATE_LOG_FORMAT",
	"watch":                   "NUMGATE_WATCH",
	"max-body-bytes":          "NUMGATE_MAX_BODY_BYTES",
	"read-timeout":            "NUMGATE_READ_TIMEOUT",
	"write-timeout":           "NUMGATE_WRITE_TIMEOUT",
	"idle-timeout":            "NUMGATE_IDLE_TIMEOUT",
	"shutdown-timeout":        "NUMGATE_SHUTDOWN_TIMEOUT",
	"tokens":                  "NUMGATE_TOKENS",
	"tls-cert":                "NUMGATE_TLS_CERT",
	"tls-key":                 "NUMGATE_TLS_KEY",
	"tls-client-ca":           "NUMGATE_TLS_CLIENT_CA",
	"tls-client-certs":        "NUMGATE_TLS_CLIENT_CERTS",
	"eval-timeout":            "NUMGATE_EVAL_TIMEOUT",
	"max-concurrent":          "NUMGATE_MAX_CONCURRENT",
	"queue-timeout":           "NUMGATE_QUEUE_TIMEOUT",
	"decision-log":            "NUMGATE_DECISION_LOG",
	"retention":               "NUMGATE_RETENTION",
	"commit-delay":            "NUMGATE_COMMIT_DELAY",
	"gc-percent":              "NUMGATE_GC_PERCENT",
	"bundle":                  "NUMGATE_BUNDLE",
	"bundle-poll":             "NUMGATE_BUNDLE_POLL",
	"bundle-verification-key": "NUMGATE_BUNDLE_VERIFICATION_KEY",
	"bundle-verification-alg": "NUMGATE_BUNDLE_VERIFICATION_ALG",
	"pprof-addr":              "NUMGATE_PPROF_ADDR",
	"evaluator":               "NUMGATE_EVALUATOR",
	"shadow-rate":             "NUMGATE_SHADOW_RATE",
	"console":                 "NUMGATE_CONSOLE",
}

// serveOptions are serve's flags, read and checked.
type serveOptions struct {
	addr, logLevel, logFormat                        string
	watch                                            bool
	maxBody                                          int64
	readTimeout, writeTimeout, idleTimeout, shutdown time.Duration
	tokensFile                                       string
	tls                                              server.TLSFiles
	evalTimeout, queueTimeout                        time.Duration
	maxConcurrent                                    int
	logDSN                                           string
	retention, commitDelay                           time.Duration
	bundle, bundleKeyFile, bundleKeyAlg              string
	bundlePoll                                       time.Duration
	pprofAddr                                        string
	evaluator                                        engine.Evaluator
	shadowRate                                       float64
	gcPercent                                        int
	console                                          bool
}

func (c *serveCmd) run(args []string) int {
	o, code, done := c.parse(args)
	if done {
		return code // --help, or a flag to fix
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(o.gcPercent)
	}
	log, err := newLogger(c.stderr, o.logLevel, o.logFormat)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate serve:", err)
		return exitUsage
	}
	var tokens *server.Tokens
	if o.tokensFile != "" {
		if tokens, err = server.LoadTokens(o.tokensFile); err != nil {
			fmt.Fprintf(c.stderr, "numgate serve: --tokens: %v\n", err)
			return exitFailed
		}
	} else if !isLoopback(o.addr) {
		fmt.Fprintf(c.stderr, "numgate serve: refusing to listen on %s without --tokens: anyone who can reach it could make decisions and reload the policy. "+
			"Give --tokens FILE (numgate token new makes entries) or listen on loopback, e.g. --addr 127.0.0.1:8080\n", o.addr)
		return exitUsage
	}
	tlsConfig, err := server.TLSConfig(o.tls)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate serve:", err)
		return exitUsage
	}
	load, dirs, pollURL, code := c.policySource(o)
	if code != exitOK {
		return code
	}

	build := buildinfo.Read()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), build.Collector())
	metrics := server.NewMetrics(reg)
	var ps *http.Server
	var pln net.Listener
	if o.pprofAddr != "" {
		if ps, pln, err = pprofServer(o.pprofAddr); err != nil {
			fmt.Fprintln(c.stderr, "numgate serve:", err)
			return exitUsage
		}
		defer pln.Close() // also when serve stops before it begins serving
	}
	dlog, err := openDecisionLog(o, reg, log)
	if err != nil {
		fmt.Fprintf(c.stderr, "numgate serve: --decision-log: %v\n", err)
		return exitError
	}
	if dlog != nil {
		defer dlog.Close()
	}
	policy := server.NewPolicy(load, log, metrics)
	srv := server.New(server.Config{
		Policy: policy, Logger: log, Metrics: metrics, Gatherer: reg,
		Tokens: tokens, TLS: tlsConfig, DecisionLog: dlog, Build: build, Console: o.console,
		MaxBodyBytes: o.maxBody, ReadTimeout: o.readTimeout, WriteTimeout: o.writeTimeout, IdleTimeout: o.idleTimeout,
		EvalTimeout: o.evalTimeout, MaxConcurrent: o.maxConcurrent, QueueTimeout: o.queueTimeout,
		ShadowRate: o.shadowRate,
	})

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		log.Error().Err(err).Str("addr", o.addr).Msg("cannot listen")
		return exitError
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if ps != nil {
		defer ps.Close()
		go func() { _ = ps.Serve(pln) }()
		log.Info().Str("addr", pln.Addr().String()).Msg("serving Go profiles at /debug/pprof/")
	}
	log.Info().Str("addr", ln.Addr().String()).Bool("tls", tlsConfig != nil).Str("version", build.Version).Str("commit", build.Commit).
		Msg("listening; not ready until the policy loads")
	if tokens == nil {
		log.Warn().Msg("authentication is off (no --tokens): listening on loopback only")
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := policy.Reload(ctx, "startup"); err != nil {
		var ds engine.Diagnostics
		if errors.As(err, &ds) {
			fmt.Fprintf(c.stderr, "numgate serve: the policy tree is invalid:\n%v\n", ds)
		} else {
			fmt.Fprintf(c.stderr, "numgate serve: the policy cannot load: %v\n", err)
		}
		_ = srv.Shutdown(ctx)
		return exitFailed
	}
	c.follow(ctx, o, policy, dirs, pollURL, log)
	if dlog != nil && o.retention > 0 {
		go dlog.Retain(ctx, o.retention, time.Hour)
	}
	return c.untilStopped(o, srv, policy, served, log)
}

// parse reads serve's flags, each also set by its environment variable, and checks them;
// done says that serve ends here with code (help was asked for, or a flag is wrong).
func (c *serveCmd) parse(args []string) (o serveOptions, code int, done bool) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate serve [flags]

Serves the HTTP API on the country files and policies, reloading them when they change
(file watch, SIGHUP, POST /v1/policy/reload); an invalid edit is refused and the last
good policy keeps serving. Logs are JSON on stderr. SIGTERM or SIGINT drains requests
in flight and exits.

Flags (each also set by the environment variable named in brackets):`)
		printFlags(c.stderr, fs, envFlags)
	}
	c.trees.register(fs)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "`ADDR` to listen on (host:port); loopback by default")
	fs.StringVar(&o.logLevel, "log-level", "info", "`LEVEL`: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "json", "`FORMAT`: json, or console for people")
	fs.BoolVar(&o.watch, "watch", true, "reload when files under --countries or --policies change")
	fs.Int64Var(&o.maxBody, "max-body-bytes", 1<<20, "largest request body accepted, in `BYTES`")
	fs.DurationVar(&o.readTimeout, "read-timeout", 10*time.Second, "time to read a whole request")
	fs.DurationVar(&o.writeTimeout, "write-timeout", 10*time.Second, "time to write a response")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 60*time.Second, "keep-alive idle time")
	fs.DurationVar(&o.shutdown, "shutdown-timeout", 15*time.Second, "time to drain requests on shutdown")
	fs.StringVar(&o.tokensFile, "tokens", "", "tokens `FILE` (see numgate token new); without it the server only listens on loopback")
	fs.StringVar(&o.tls.Cert, "tls-cert", "", "TLS certificate `FILE` (PEM); serve HTTPS with --tls-key")
	fs.StringVar(&o.tls.Key, "tls-key", "", "TLS private key `FILE` (PEM)")
	fs.StringVar(&o.tls.ClientCA, "tls-client-ca", "", "CA `FILE` (PEM): verify client certificates signed by it (client_cn entries in --tokens)")
	clientCerts := fs.String("tls-client-certs", string(server.ClientCertsRequired), "with --tls-client-ca, `WHICH` connections present a certificate: required (every one) or optional (token-only callers and probes connect without one)")
	fs.DurationVar(&o.evalTimeout, "eval-timeout", 2*time.Second, "longest one evaluation may run")
	fs.IntVar(&o.maxConcurrent, "max-concurrent", 0, "evaluations at once, `N` (0: 16 per CPU)")
	fs.DurationVar(&o.queueTimeout, "queue-timeout", 100*time.Millisecond, "wait for an evaluation slot before answering 503")
	fs.StringVar(&o.logDSN, "decision-log", defaultDecisionLog, "where decisions are recorded (`DSN`): sqlite:PATH (sqlite:PATH?synchronous=full to fsync every commit), postgres://user:pass@host/db, or off")
	fs.DurationVar(&o.retention, "retention", 90*24*time.Hour, "how long logged decisions are kept, e.g. 2160h (0: every record is kept)")
	fs.DurationVar(&o.commitDelay, "commit-delay", decisionlog.DefaultCommitDelay, "under load, how long a decision-log commit waits for more decisions to share it (0: never); more throughput for that much latency")
	fs.StringVar(&o.bundle, "bundle", "", "serve an OPA bundle written by numgate bundle (a `FILE`, or an http(s) URL to poll) instead of --countries/--policies")
	fs.StringVar(&o.bundleKeyFile, "bundle-verification-key", "", "public key (PEM) or HMAC secret `FILE` a --bundle's signature must verify with (numgate bundle --signing-key signs); an unsigned bundle is then refused")
	fs.StringVar(&o.bundleKeyAlg, "bundle-verification-alg", "RS256", "signature `ALGORITHM` of --bundle-verification-key (RS256, ES256, HS256, ...)")
	fs.DurationVar(&o.bundlePoll, "bundle-poll", 30*time.Second, "how often a bundle URL is polled (with its ETag)")
	fs.StringVar(&o.pprofAddr, "pprof-addr", "", "serve Go profiles (/debug/pprof/) on this loopback `ADDR`, e.g. 127.0.0.1:6060; off when empty")
	evaluatorName := fs.String("evaluator", string(engine.EvaluatorPlan), "how decisions are evaluated (`EVALUATOR`): plan (OPA's query plans, run by numgate; several times faster) or topdown (OPA's own evaluator)")
	fs.Float64Var(&o.shadowRate, "shadow-rate", 0.01, "share of decisions made from their plans that OPA's evaluator decides again, off the request path, counting agreement in numgate_shadow_checks_total, as a `FRACTION` (0: off)")
	fs.BoolVar(&o.console, "console", true, "serve the web console at /console/ (docs/console.md), with the API's tokens and roles")
	fs.IntVar(&o.gcPercent, "gc-percent", 100, "Go GC target (GOGC), in `PERCENT`: how far the heap may grow beyond what is live before a collection (100: Go's default); a decision's garbage dies at once, so more buys a little throughput for much memory")
	for name, env := range envFlags {
		if v, ok := os.LookupEnv(env); ok {
			if err := fs.Set(name, v); err != nil {
				fmt.Fprintf(c.stderr, "numgate serve: %s=%q (--%s): %v%s\n", env, v, name, err, expectedForm(fs.Lookup(name)))
				return o, exitUsage, true
			}
		}
	}
	positional, err := parseFlags(fs, args)
	if err != nil {
		return o, usageExit(err), true
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate serve: unexpected argument %q; serve takes only flags\n", positional[0])
		return o, exitUsage, true
	}
	if o.evaluator, err = engine.ParseEvaluator(*evaluatorName); err != nil {
		fmt.Fprintln(c.stderr, "numgate serve: --evaluator:", err)
		return o, exitUsage, true
	}
	if o.tls.ClientCerts, err = server.ParseClientCerts(*clientCerts); err != nil {
		fmt.Fprintln(c.stderr, "numgate serve: --tls-client-certs:", err)
		return o, exitUsage, true
	}
	switch {
	case o.shadowRate < 0 || o.shadowRate > 1 || o.shadowRate != o.shadowRate:
		fmt.Fprintf(c.stderr, "numgate serve: --shadow-rate %v: must be between 0 (off) and 1 (every decision)\n", o.shadowRate)
		return o, exitUsage, true
	case o.commitDelay < 0 || o.commitDelay > time.Second:
		fmt.Fprintf(c.stderr, "numgate serve: --commit-delay %s: must be between 0 and 1s\n", o.commitDelay)
		return o, exitUsage, true
	case o.retention < 0:
		fmt.Fprintf(c.stderr, "numgate serve: --retention %s: must be 0 (keep every record) or how long records are kept, e.g. 2160h\n", o.retention)
		return o, exitUsage, true
	case badLimit(c.stderr, o):
		return o, exitUsage, true
	case o.bundleKeyFile != "" && o.bundle == "":
		fmt.Fprintln(c.stderr, "numgate serve: --bundle-verification-key needs --bundle")
		return o, exitUsage, true
	}
	return o, exitOK, false
}

// expectedForm says what a flag's value looks like, for an environment variable the
// flag package could not read ("parse error" alone does not say).
func expectedForm(f *flag.Flag) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case time.Duration:
		return "; expected a duration such as 2160h, 90m or 2s (no days: 90d is 2160h)"
	case int, int64, uint, uint64:
		return "; expected a whole number"
	case float64:
		return "; expected a number such as 0.01"
	case bool:
		return "; expected true or false"
	}
	return ""
}

// badLimit refuses a limit that would mean nothing, naming it: the server would
// otherwise put its default in place of a zero or negative one without a word.
func badLimit(stderr io.Writer, o serveOptions) bool {
	for _, l := range []struct {
		flag     string
		value    any
		positive bool // else at least 0
		bad      bool
	}{
		{"--max-body-bytes", o.maxBody, true, o.maxBody <= 0},
		{"--eval-timeout", o.evalTimeout, true, o.evalTimeout <= 0},
		{"--queue-timeout", o.queueTimeout, true, o.queueTimeout <= 0},
		{"--read-timeout", o.readTimeout, true, o.readTimeout <= 0},
		{"--write-timeout", o.writeTimeout, true, o.writeTimeout <= 0},
		{"--idle-timeout", o.idleTimeout, true, o.idleTimeout <= 0},
		{"--max-concurrent", o.maxConcurrent, false, o.maxConcurrent < 0},
		{"--shutdown-timeout", o.shutdown, false, o.shutdown < 0},
	} {
		if !l.bad {
			continue
		}
		want := "must be above 0"
		if !l.positive {
			want = "must be at least 0"
		}
		fmt.Fprintf(stderr, "numgate serve: %s %v: %s\n", l.flag, l.value, want)
		return true
	}
	return false
}

// policySource says where snapshots come from: the trees (and the directories to watch),
// or a bundle file or URL (to poll).
func (c *serveCmd) policySource(o serveOptions) (load func(context.Context) (*engine.Snapshot, error), dirs []string, pollURL string, code int) {
	cfg, dirs, err := c.trees.resolve(c.stderr)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate serve:", err)
		return nil, nil, "", exitError
	}
	cfg.Evaluator = o.evaluator
	if o.bundle == "" {
		return func(ctx context.Context) (*engine.Snapshot, error) { return engine.Load(ctx, cfg) }, dirs, "", exitOK
	}
	src := &server.BundleSource{Location: o.bundle, Config: engine.Config{Evaluator: o.evaluator}}
	if o.bundleKeyFile != "" {
		key, err := os.ReadFile(o.bundleKeyFile)
		if err != nil {
			fmt.Fprintln(c.stderr, "numgate serve: --bundle-verification-key:", err)
			return nil, nil, "", exitError
		}
		src.Verify = &engine.BundleKey{Key: key, Alg: o.bundleKeyAlg}
	}
	if src.IsURL() {
		return src.Load, nil, o.bundle, exitOK
	}
	return src.Load, []string{filepath.Dir(o.bundle)}, "", exitOK
}

// openDecisionLog opens the store --decision-log names, or returns nil when it is off.
func openDecisionLog(o serveOptions, reg prometheus.Registerer, log zerolog.Logger) (*decisionlog.Log, error) {
	if o.logDSN == "off" {
		log.Warn().Msg("the decision log is off: decisions are not recorded")
		return nil, nil
	}
	store, err := decisionlog.Open(context.Background(), o.logDSN)
	if err != nil {
		return nil, err
	}
	log.Info().Str("store", redactDSN(o.logDSN)).Float64("retention_hours", o.retention.Hours()).Float64("commit_delay_ms", milliseconds(o.commitDelay)).Msg("decision log open")
	return decisionlog.NewLog(store, o.commitDelay, reg, log), nil
}

// follow starts what keeps the policy current: polling a bundle URL, or watching the
// trees' directories.
func (c *serveCmd) follow(ctx context.Context, o serveOptions, policy *server.Policy, dirs []string, pollURL string, log zerolog.Logger) {
	if pollURL != "" {
		go policy.Poll(ctx, o.bundlePoll)
		log.Info().Str("bundle", pollURL).Float64("poll_interval_ms", milliseconds(o.bundlePoll)).Msg("polling the bundle")
	}
	switch {
	case !o.watch:
		log.Info().Msg("file watching is off; reload with SIGHUP or POST /v1/policy/reload")
	case len(dirs) == 0:
		log.Info().Msg("serving the built-in policy; nothing to watch")
	default:
		go func() {
			if err := policy.Watch(ctx, dirs); err != nil {
				log.Error().Err(err).Msg("file watching failed; reload with SIGHUP or POST /v1/policy/reload")
			}
		}()
		log.Info().Strs("dirs", dirs).Msg("watching for changes")
	}
}

// untilStopped serves until SIGTERM or SIGINT (then drains) or the server fails;
// SIGHUP reloads the policy and the tokens file.
func (c *serveCmd) untilStopped(o serveOptions, srv *server.Server, policy *server.Policy, served <-chan error, log zerolog.Logger) int {
	sig := c.signals
	if sig == nil {
		sig = make(chan os.Signal, 4)
		signal.Notify(sig, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(sig)
	}
	for {
		select {
		case err := <-served:
			log.Error().Err(err).Msg("server stopped")
			return exitError
		case s := <-sig:
			if s == syscall.SIGHUP {
				_, _ = policy.Reload(context.Background(), "sighup")
				if o.tokensFile != "" {
					// Token rotation: the file is read again; a broken file keeps the old tokens.
					if t, err := server.LoadTokens(o.tokensFile); err != nil {
						log.Error().Err(err).Msg("tokens file not reloaded; the previous tokens stay")
					} else {
						srv.SetTokens(t)
						log.Info().Msg("tokens reloaded")
					}
				}
				continue
			}
			log.Info().Str("signal", s.String()).Float64("timeout_ms", milliseconds(o.shutdown)).Msg("shutting down; draining requests")
			sctx, scancel := context.WithTimeout(context.Background(), o.shutdown)
			err := srv.Shutdown(sctx)
			scancel()
			if err != nil {
				log.Error().Err(err).Msg("requests did not drain in time")
				return exitError
			}
			<-served
			log.Info().Msg("stopped")
			return exitOK
		}
	}
}

func newLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || level == "" {
		return zerolog.Logger{}, fmt.Errorf("--log-level %q is not debug, info, warn or error", level)
	}
	switch format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	default:
		return zerolog.Logger{}, fmt.Errorf("--log-format %q is not json or console", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// milliseconds is a duration as a log field ending in _ms: log fields carry their unit in
// their name.
func milliseconds(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// isLoopback says whether addr only listens on this machine.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// defaultDecisionLog is where a fresh clone's server records decisions.
const defaultDecisionLog = "sqlite:numgate-data/decisions.db"

// redactDSN hides a database password from the log.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
