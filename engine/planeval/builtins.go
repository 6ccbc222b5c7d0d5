package planeval

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"
	"github.com/open-policy-agent/opa/v1/topdown/print"
)

// allowedBuiltins are the built-in functions a plan may call: OPA's own implementations,
// which given the context OPA's evaluator gives them (Env, a cache per evaluation, the
// compiler's capabilities) answer as they answer topdown. A built-in not listed (a new
// one from an OPA upgrade included) refuses the entrypoints that reach it, until it is
// reviewed and listed here or in refusedBuiltins; TestEveryBuiltinIsReviewed keeps the
// two lists covering OPA's.
var allowedBuiltins = setOf(
	"abs", "all", "and", "any", "array.concat", "array.flatten", "array.reverse", "array.slice",
	"base64.decode", "base64.encode", "base64.is_valid", "base64url.decode", "base64url.encode",
	"base64url.encode_no_pad", "bits.and", "bits.lsh", "bits.negate", "bits.or", "bits.rsh", "bits.xor",
	"cast_array", "cast_boolean", "cast_null", "cast_object", "cast_set", "cast_string", "ceil", "concat",
	"contains", "count", "crypto.hmac.equal", "crypto.hmac.md5", "crypto.hmac.sha1", "crypto.hmac.sha256",
	"crypto.hmac.sha512", "crypto.md5", "crypto.parse_private_keys", "crypto.sha1", "crypto.sha256",
	"crypto.x509.parse_and_verify_certificates", "crypto.x509.parse_and_verify_certificates_with_options",
	"crypto.x509.parse_certificate_request", "crypto.x509.parse_certificates", "crypto.x509.parse_keypair",
	"crypto.x509.parse_rsa_private_key", "div", "endswith", "equal", "floor", "format_int", "glob.match",
	"glob.quote_meta", "graph.reachable", "graph.reachable_paths", "graphql.is_valid", "graphql.parse",
	"graphql.parse_and_verify", "graphql.parse_query", "graphql.parse_schema", "graphql.schema_is_valid",
	"gt", "gte", "hex.decode", "hex.encode", "indexof", "indexof_n", "internal.member_2",
	"internal.member_3", "internal.print", "internal.template_string", "intersection", "io.jwt.decode",
	"io.jwt.decode_verify", "io.jwt.encode_sign", "io.jwt.encode_sign_raw", "io.jwt.verify_eddsa",
	"io.jwt.verify_es256", "io.jwt.verify_es384", "io.jwt.verify_es512", "io.jwt.verify_hs256",
	"io.jwt.verify_hs384", "io.jwt.verify_hs512", "io.jwt.verify_ps256", "io.jwt.verify_ps384",
	"io.jwt.verify_ps512", "io.jwt.verify_rs256", "io.jwt.verify_rs384", "io.jwt.verify_rs512", "is_array",
	"is_boolean", "is_null", "is_number", "is_object", "is_set", "is_string", "json.filter", "json.is_valid",
	"json.marshal", "json.marshal_with_options", "json.match_schema", "json.patch", "json.remove",
	"json.unmarshal", "json.verify_schema", "lower", "lt", "lte", "max", "min", "minus", "mul", "neq",
	"net.cidr_contains", "net.cidr_contains_matches", "net.cidr_expand", "net.cidr_intersects",
	"net.cidr_is_valid", "net.cidr_merge", "net.cidr_overlap", "numbers.range", "numbers.range_step",
	"object.filter", "object.get", "object.keys", "object.remove", "object.subset", "object.union",
	"object.union_n", "or", "plus", "product", "providers.aws.sign_req", "rand.intn", "re_match",
	"regex.find_all_string_submatch_n", "regex.find_n", "regex.globs_match", "regex.is_valid",
	"regex.match", "regex.replace", "regex.split", "regex.template_match", "rego.metadata.chain",
	"rego.metadata.rule", "rego.parse_module", "rem", "replace", "round", "semver.compare",
	"semver.is_valid", "set_diff", "sort", "split", "sprintf", "startswith", "strings.any_prefix_match",
	"strings.any_suffix_match", "strings.count", "strings.render_template", "strings.replace_n",
	"strings.reverse", "strings.split_n", "substring", "sum", "time.add_date", "time.clock", "time.date",
	"time.diff", "time.format", "time.now_ns", "time.parse_duration_ns", "time.parse_ns",
	"time.parse_rfc3339_ns", "time.weekday", "to_number", "trim", "trim_left", "trim_prefix", "trim_right",
	"trim_space", "trim_suffix", "type_name", "union", "units.parse", "units.parse_bytes", "upper",
	"uri.is_valid", "uri.parse", "urlquery.decode", "urlquery.decode_object", "urlquery.encode",
	"urlquery.encode_object", "uuid.parse", "uuid.rfc4122", "walk", "yaml.is_valid", "yaml.marshal",
	"yaml.unmarshal",
)

// refusedBuiltins are OPA built-ins a plan may not call, and why: each needs what the
// evaluator around it provides (a network, the runtime, tracers) or never reaches a plan.
var refusedBuiltins = map[string]string{
	"http.send":          "it calls the network, through caches and cancellation OPA's evaluator manages",
	"net.lookup_ip_addr": "it asks DNS, through cancellation OPA's evaluator manages",
	"opa.runtime":        "it reads the OPA runtime's configuration and environment, which planeval is not given",
	"trace":              "it writes to the tracers of OPA's evaluator",
	"internal.test_case": "it only runs under OPA's test runner",
	"eq":                 "the planner compiles unification to statements; it is never called",
	"assign":             "the planner compiles assignment to statements; it is never called",
	"print":              "the compiler rewrites it to internal.print",
}

// cancellable are the built-ins that stop a long computation when OPA's evaluator
// cancels them (numbers.range over a huge range); they get the same signal.
var cancellable = setOf("numbers.range", "numbers.range_step", "net.cidr_expand", "regex.replace")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Env is what built-in functions read besides their arguments; OPA's evaluator gives
// them the same things (rego.EvalTime, rego.EvalSeed, rego.EvalPrintHook).
type Env struct {
	// Time is what time.now_ns returns and the "now" io.jwt.decode_verify checks
	// against; zero: the clock when the evaluation starts.
	Time time.Time
	// Seed is the random source of rand.intn, uuid.rfc4122 and signatures; nil:
	// crypto/rand, as in OPA.
	Seed io.Reader
	// PrintHook receives print() output; nil: it goes nowhere, as in OPA.
	PrintHook print.Hook
}

// builtinContext is the context OPA's evaluator builds for a built-in call, for one
// evaluation: one cache (so rand.intn and uuid.rfc4122 answer the same for the same
// arguments within it), the time, the random source and the compiler's capabilities.
func (p *Program) builtinContext(ctx context.Context, env Env) topdown.BuiltinContext {
	now := env.Time
	if now.IsZero() {
		now = time.Now()
	}
	seed := env.Seed
	if seed == nil {
		seed = rand.Reader
	}
	return topdown.BuiltinContext{
		Context:      ctx,
		Metrics:      metrics.NoOp(),
		Seed:         seed,
		Time:         ast.NumberTerm(json.Number(strconv.FormatInt(now.UnixNano(), 10))),
		Cache:        builtins.Cache{},
		PrintHook:    env.PrintHook,
		Capabilities: p.capabilities,
	}
}

type builtinStmt struct {
	f      topdown.BuiltinFunc
	args   []operand
	result int
	// relation: the built-in gives many results (walk); the plan scans them as an array.
	relation bool
	// void: the built-in gives no result (internal.print); it succeeds without one.
	void bool
}

func (s *builtinStmt) exec(m *machine, f *frame) (int, error) {
	args := m.slots(len(s.args))
	for i, a := range s.args {
		if args[i] = a.get(f); args[i] == nil {
			m.release(args)
			return 0, nil
		}
	}
	m.out, m.relation, m.all = nil, s.relation, nil
	err := s.f(m.bctx, args, m.iter)
	m.release(args) // a built-in keeps no reference to its argument list
	out := m.out
	if err != nil {
		// As OPA's evaluator without strict built-in errors: a failing built-in is
		// undefined, unless it halts evaluation.
		var h topdown.Halt
		if errors.As(err, &h) {
			return 0, h.Err
		}
		return 0, nil
	}
	switch {
	case s.relation:
		out = ast.ArrayTerm(m.all...)
	case out == nil && s.void:
		return next, nil
	case out == nil:
		return 0, nil
	}
	f.locals[s.result] = out
	return next, nil
}

// builtinResult receives a built-in's results (bound once per evaluation as m.iter, so
// a call allocates no closure): the last one, and for a relation every one.
func (m *machine) builtinResult(t *ast.Term) error {
	if m.relation {
		m.all = append(m.all, t)
	}
	m.out = t
	return nil
}
