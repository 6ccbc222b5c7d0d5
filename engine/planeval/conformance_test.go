package planeval_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numgate/numgate/engine/planeval"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/test/cases"
	"github.com/open-policy-agent/opa/v1/topdown"
	"gopkg.in/yaml.v3"
)

// OPA's own conformance suite (the cases OPA's evaluator and its Wasm target are held
// to) decided by planeval and by OPA's evaluator on the same modules, input, data, time
// and random source: every case planeval accepts must give the same value, the same
// definedness, and an error where OPA gives one (with OPA's code and message). A case it
// refuses, or that cannot be posed to it, must be listed in the exceptions file with a
// reason, and one listed that passes fails the test: the list only shrinks.

const exceptionsFile = "testdata/conformance/exceptions.yaml"

// exceptions are the cases planeval is not held to, by case id (see caseIDs), with the
// reason.
type exceptions struct {
	Refused  map[string]string `yaml:"refused"`  // planeval refuses them at load; OPA's evaluator decides
	Excluded map[string]string `yaml:"excluded"` // the test cannot pose them to planeval
	Worded   map[string]string `yaml:"worded"`   // the same outcome and error code; OPA words the error otherwise
}

// verdict is what became of one case.
type verdict struct {
	note, kind, detail string // note: the case id
}

const (
	agree     = "agree"
	mismatch  = "mismatch"
	panicked  = "panic"
	refused   = "refused"
	excluded  = "excluded"
	worded    = "worded"
	opaRefuse = "refused by OPA" // OPA's compiler refuses the case: numgate would not load it
)

// conformanceEnv is what both evaluators' built-ins see: one time, one random source.
var conformanceTime = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

type constantSeed struct{}

func (constantSeed) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 7
	}
	return len(p), nil
}

// caseTimeout bounds one case, so a case that would run away cannot hold CI.
const caseTimeout = 10 * time.Second

func TestConformance(t *testing.T) {
	suite := suiteDir(t)
	set, err := cases.Load(suite)
	if err != nil {
		t.Fatalf("loading OPA's conformance suite from %s: %v", suite, err)
	}
	if len(set.Cases) < 2000 {
		t.Fatalf("OPA's conformance suite at %s has %d cases; expected over 2000", suite, len(set.Cases))
	}
	exc := loadExceptions(t)

	all := set.Cases // in file order, as the loader walks the suite
	ids := caseIDs(suite, all)
	verdicts := make([]verdict, len(all))
	var parallel []int
	for i, tc := range all {
		if len(tc.Env) > 0 { // environment variables are process-wide: these run alone, first
			verdicts[i] = withEnv(tc.Env, func() verdict { return decideCase(ids[i], tc) })
			continue
		}
		parallel = append(parallel, i)
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				verdicts[i] = decideCase(ids[i], all[i])
			}
		}()
	}
	for _, i := range parallel {
		work <- i
	}
	close(work)
	wg.Wait()

	counts := map[string]int{}
	seen := map[string]bool{}
	for _, v := range verdicts {
		counts[v.kind]++
		seen[v.note] = true
		listed := map[string]bool{refused: exc.Refused[v.note] != "", excluded: exc.Excluded[v.note] != "", worded: exc.Worded[v.note] != ""}
		switch v.kind {
		case mismatch, panicked:
			t.Errorf("%s: %s: %s", v.note, v.kind, v.detail)
		case refused, excluded, worded:
			if !listed[v.kind] {
				t.Errorf("%s: %s (%s); list it under %s: in %s with the reason, or make planeval decide it as OPA does", v.note, v.kind, v.detail, v.kind, exceptionsFile)
			}
		}
		for kind, ok := range listed {
			if ok && kind != v.kind {
				t.Errorf("%s is listed under %s: in %s but is now %s; remove it (or move it)", v.note, kind, exceptionsFile, v.kind)
			}
		}
	}
	for _, m := range []map[string]string{exc.Refused, exc.Excluded, exc.Worded} {
		for note := range m {
			if !seen[note] {
				t.Errorf("%s lists %q, which OPA's suite does not have; remove it", exceptionsFile, note)
			}
		}
	}
	t.Logf("OPA's conformance suite (%s): %d cases: %d decided alike, %d refused by planeval, %d excluded, %d worded otherwise, %d refused by OPA's compiler",
		suite, len(all), counts[agree], counts[refused], counts[excluded], counts[worded], counts[opaRefuse])
}

// caseIDs name each case by its file in the suite and its note ("fix1863/test-
// fix1863-0706.yaml: fix1863/is defined"): notes alone repeat. A note repeated within a
// file gets its rank (" #2").
func caseIDs(suite string, all []cases.TestCase) []string {
	ids := make([]string, len(all))
	seen := map[string]int{}
	for i, tc := range all {
		rel, err := filepath.Rel(suite, tc.Filename)
		if err != nil {
			rel = tc.Filename
		}
		id := filepath.ToSlash(rel) + ": " + tc.Note
		if seen[id]++; seen[id] > 1 {
			id += fmt.Sprintf(" #%d", seen[id])
		}
		ids[i] = id
	}
	return ids
}

// suiteDir is the suite shipped in the OPA module go.mod requires.
func suiteDir(t *testing.T) string {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/open-policy-agent/opa/v1/test/cases").Output()
	if err != nil {
		t.Fatalf("finding OPA's conformance suite with go list: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "testdata", "v1")
}

func loadExceptions(t *testing.T) exceptions {
	raw, err := os.ReadFile(exceptionsFile)
	if err != nil {
		t.Fatal(err)
	}
	var exc exceptions
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&exc); err != nil {
		t.Fatalf("%s: %v", exceptionsFile, err)
	}
	for _, m := range []map[string]string{exc.Refused, exc.Excluded, exc.Worded} {
		for note, why := range m {
			if strings.TrimSpace(why) == "" {
				t.Errorf("%s: %q has no reason", exceptionsFile, note)
			}
		}
	}
	return exc
}

func withEnv(env map[string]string, f func() verdict) verdict {
	for k, v := range env {
		old, had := os.LookupEnv(k)
		os.Setenv(k, v)
		defer func() {
			if had {
				os.Setenv(k, old)
			} else {
				os.Unsetenv(k)
			}
		}()
	}
	return f()
}

// outcome is what one evaluator made of a case.
type outcome struct {
	value ast.Value // the result as the engine reads it: JSON (sets as arrays); nil: undefined
	err   error
}

func (o outcome) String() string {
	switch {
	case o.err != nil:
		return "error: " + o.err.Error()
	case o.value == nil:
		return "undefined"
	}
	return o.value.String()
}

func decideCase(id string, tc cases.TestCase) (v verdict) {
	v.note = id
	defer func() {
		if r := recover(); r != nil {
			v.kind, v.detail = panicked, fmt.Sprint(r)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
	defer cancel()
	var input ast.Value
	if tc.InputTerm != nil {
		input = ast.MustParseTerm(*tc.InputTerm).Value
	} else if tc.Input != nil {
		input = ast.MustInterfaceToValue(*tc.Input)
	}
	data := map[string]any{}
	if tc.Data != nil {
		data = *tc.Data
	}
	q, err := poseQuery(tc.Query)
	if err != nil {
		v.kind, v.detail = excluded, err.Error()
		return v
	}
	want, ok := topdownOutcome(ctx, tc, q, input, data)
	if !ok {
		v.kind, v.detail = opaRefuse, want.String()
		return v
	}
	got, refusal := planOutcome(ctx, tc, q, input, data)
	switch {
	case refusal != "":
		v.kind, v.detail = refused, refusal
	case sameOutcome(got, want):
		v.kind = agree
	case sameError(got, want):
		v.kind, v.detail = worded, "planeval: "+got.String()+" | OPA: "+want.String()
	default:
		v.kind, v.detail = mismatch, "planeval: "+got.String()+" | OPA: "+want.String()
	}
	return v
}

// sameOutcome: the same value, or both undefined, or both errors (with OPA's code and
// message when OPA's evaluator gave one of its own).
func sameOutcome(a, b outcome) bool {
	if (a.err != nil) != (b.err != nil) {
		return false
	}
	if a.err != nil {
		var ta, tb *topdown.Error
		if errors.As(b.err, &tb) {
			return errors.As(a.err, &ta) && ta.Code == tb.Code && ta.Message == tb.Message
		}
		return true
	}
	if (a.value == nil) != (b.value == nil) {
		return false
	}
	return a.value == nil || a.value.Compare(b.value) == 0
}

// sameError: both OPA errors of the same code, worded otherwise.
func sameError(a, b outcome) bool {
	var ta, tb *topdown.Error
	return errors.As(a.err, &ta) && errors.As(b.err, &tb) && ta.Code == tb.Code
}

// posed is a case's query as planeval runs it: a rule read whole ("data.x.p = v", the
// shape of numgate's decisions), or any other query as the body of a rule collecting
// its bindings in order.
type posed struct {
	entrypoint string   // "x/p", or the wrapper's rule
	bindVar    string   // v of "data.x.p = v"; "" for a wrapped query
	vars       []string // the wrapped query's variables, in the wrapper's object
	wrapper    *ast.Module
}

var ruleQuery = regexp.MustCompile(`^\s*data((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*=\s*([A-Za-z_][A-Za-z0-9_]*)\s*$`)

const (
	wrapperPackage = "numgate_conformance_query"
	wrapperFile    = "numgate-conformance-query.rego"
)

func poseQuery(query string) (posed, error) {
	if m := ruleQuery.FindStringSubmatch(query); m != nil && m[2] != "input" && m[2] != "data" {
		return posed{entrypoint: strings.ReplaceAll(strings.TrimPrefix(m[1], "."), ".", "/"), bindVar: m[2]}, nil
	}
	return wrapQuery(query)
}

func wrapQuery(query string) (posed, error) {
	body, err := ast.ParseBodyWithOpts(query, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return posed{}, fmt.Errorf("the query does not parse: %w", err)
	}
	var whole bool
	ast.WalkRefs(body, func(r ast.Ref) bool {
		if r[0].Equal(ast.DefaultRootDocument) && len(r.GroundPrefix()) == 1 {
			whole = true
		}
		return whole
	})
	if whole {
		return posed{}, errors.New("the query reads the whole data document, which would hold the rule the test wraps it in")
	}
	var names []string
	for v := range body.Vars(ast.VarVisitorParams{SkipRefHead: true, SkipClosures: true}) {
		if !v.IsGenerated() && !v.IsWildcard() {
			names = append(names, string(v))
		}
	}
	sort.Strings(names)
	fields := make([]string, len(names))
	for i, n := range names {
		fields[i] = fmt.Sprintf("%q: %s", n, n)
	}
	stmts := strings.ReplaceAll(strings.TrimSpace(query), "\n", "; ")
	src := fmt.Sprintf("package %s\n\nrows := [{%s} | %s]\n", wrapperPackage, strings.Join(fields, ", "), stmts)
	m, err := ast.ParseModuleWithOpts(wrapperFile, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return posed{}, fmt.Errorf("the query cannot be the body of a rule: %w", err)
	}
	return posed{entrypoint: wrapperPackage + "/rows", vars: names, wrapper: m}, nil
}

// topdownOutcome decides a case with OPA's evaluator, as the suite poses it; ok is false
// when OPA's compiler refuses it.
func topdownOutcome(ctx context.Context, tc cases.TestCase, q posed, input ast.Value, data map[string]any) (o outcome, ok bool) {
	opts := []func(*rego.Rego){
		rego.Query(tc.Query),
		rego.Store(inmem.NewFromObject(data)),
		rego.Capabilities(ast.CapabilitiesForThisVersion(ast.CapabilitiesExperimentalKeywords(tc.ExperimentalKeywords))),
	}
	for i, m := range tc.Modules {
		opts = append(opts, rego.Module(fmt.Sprintf("module-%d.rego", i), m))
	}
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return outcome{err: err}, false
	}
	evalOpts := []rego.EvalOption{rego.EvalTime(conformanceTime), rego.EvalSeed(constantSeed{})}
	if input != nil {
		evalOpts = append(evalOpts, rego.EvalParsedInput(input))
	}
	rs, err := pq.Eval(ctx, evalOpts...)
	if err != nil {
		return outcome{err: err}, true
	}
	if q.bindVar != "" {
		if len(rs) == 0 {
			return outcome{}, true
		}
		return outcome{value: ast.MustInterfaceToValue(rs[0].Bindings[q.bindVar])}, true
	}
	rows := ast.NewArray()
	for _, r := range rs {
		row := ast.NewObject()
		for _, name := range q.vars {
			if b, ok := r.Bindings[name]; ok {
				row.Insert(ast.StringTerm(name), ast.NewTerm(ast.MustInterfaceToValue(b)))
			}
		}
		rows = rows.Append(ast.NewTerm(row))
	}
	return outcome{value: rows}, true
}

// planOutcome decides a case from its plan; refusal says why planeval would not.
func planOutcome(ctx context.Context, tc cases.TestCase, q posed, input ast.Value, data map[string]any) (o outcome, refusal string) {
	mods := map[string]*ast.Module{}
	for i, src := range tc.Modules {
		name := fmt.Sprintf("module-%d.rego", i)
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			return outcome{err: err}, ""
		}
		mods[name] = m
	}
	prog, err := planeval.Compile(ctx, mods, q.entrypoint)
	if err == nil && q.wrapper == nil {
		if r := prog.Refused(q.entrypoint); r != nil && strings.Contains(r.Reason, "does not refer to a rule") {
			// A base document, not a rule: pose it as a query instead.
			if q, err = wrapQuery(tc.Query); err != nil {
				return outcome{}, "excluded: " + err.Error()
			}
			return planOutcome(ctx, tc, q, input, data)
		}
	}
	if q.wrapper != nil {
		mods[wrapperFile] = q.wrapper
		prog, err = planeval.Compile(ctx, mods, q.entrypoint)
	}
	if err != nil {
		return outcome{err: err}, ""
	}
	if r := prog.Refused(q.entrypoint); r != nil {
		return outcome{}, r.Error()
	}
	v, defined, err := prog.Eval(ctx, q.entrypoint, input, ast.MustInterfaceToValue(data), planeval.Env{Time: conformanceTime, Seed: constantSeed{}})
	switch {
	case err != nil:
		return outcome{err: err}, ""
	case !defined:
		return outcome{}, ""
	}
	js, err := ast.JSON(v)
	if err != nil {
		return outcome{err: err}, ""
	}
	return outcome{value: ast.MustInterfaceToValue(js)}, ""
}
