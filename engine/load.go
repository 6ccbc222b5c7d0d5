package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"golang.org/x/text/language"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/numgate/numgate/engine/messages"
	"github.com/numgate/numgate/engine/regolint"
)

// Tree is a directory tree to load from, and the name its files carry in messages and
// in the snapshot's file list (e.g. "countries", so a problem reads countries/DE.yaml:12:5).
type Tree struct {
	FS   fs.FS
	Name string
}

// Config is what a snapshot is built from.
type Config struct {
	Countries Tree // catalog.yaml and one XX.yaml per country
	Policies  Tree // *.rego (tests *_test.rego are skipped) and product/data.yaml

	// Clock gives the decision time when a request does not; time.Now when nil.
	Clock func() time.Time
	// NewID gives decision ids; time-ordered UUIDv7 when nil.
	NewID func() string
	// Evaluator is how decisions are evaluated; EvaluatorPlan when empty.
	Evaluator Evaluator
}

// Evaluator names how a snapshot evaluates decisions.
type Evaluator string

const (
	// EvaluatorPlan runs the decisions' query plans (package planeval), several times
	// faster than OPA's evaluator; a decision whose plan reaches what planeval does not
	// run exactly (the with keyword) is evaluated by OPA's evaluator instead (evaluator.go).
	EvaluatorPlan Evaluator = "plan"
	// EvaluatorTopdown runs every decision with OPA's own evaluator (topdown).
	EvaluatorTopdown Evaluator = "topdown"
)

// ParseEvaluator reads an evaluator name ("" is EvaluatorPlan).
func ParseEvaluator(name string) (Evaluator, error) {
	switch Evaluator(name) {
	case "", EvaluatorPlan:
		return EvaluatorPlan, nil
	case EvaluatorTopdown:
		return EvaluatorTopdown, nil
	}
	return "", fmt.Errorf("evaluator %q is not one of plan, topdown", name)
}

const catalogFile = "catalog.yaml"

// Queries every policy tree must define.
const (
	requirementsQuery = "data.numgate.requirements.result"
)

var countryFileName = regexp.MustCompile(`^[A-Z]{2}\.yaml$`)

// Load reads, validates and compiles a whole policy tree into a Snapshot. When anything
// is wrong it returns Diagnostics holding every problem of the run, each at its file,
// line and column; no partial snapshot is ever returned.
func Load(ctx context.Context, cfg Config) (*Snapshot, error) {
	sch, err := loadSchemas()
	if err != nil {
		return nil, fmt.Errorf("engine schemas: %w", err)
	}
	l := &loader{schemas: sch, files: map[string][]byte{}, rego: map[string][]byte{}, offerAt: map[string]Diagnostic{},
		texts: newTexts(), parsed: map[string]*yamlFile{}, messageFiles: map[string]bool{},
		roots: map[string]string{cfg.Countries.Name: "countries", cfg.Policies.Name: "policies"}}

	l.catalogue = l.loadMessages(cfg.Policies)
	countries := l.loadCountries(cfg.Countries)
	policyData := l.loadPolicyData(cfg.Policies)
	compiler := l.loadPolicies(cfg.Policies)
	if l.catalogue != nil {
		l.ds = append(l.ds, l.texts.addTo(l.catalogue, l.messageFiles, l.parsed)...)
		if compiler != nil {
			l.ds = append(l.ds, checkMessageIDs(l.modules, l.catalogue)...)
		}
	}
	if len(l.ds) > 0 {
		return nil, l.ds.normalize()
	}
	policyData["messages"] = l.catalogue.Data()

	store, err := buildStore(ctx, compiler, countries, l.catalog, policyData)
	if err != nil {
		return nil, err
	}

	return l.snapshot(ctx, cfg, l.revision(), countries, l.catalog, sortedKeys(asMap(asMap(policyData["account"])["actions"])), compiler, store)
}

// snapshot builds and prepares a Snapshot from what a load gathered; Load and
// LoadBundle differ only in where the revision, countries and actions come from.
func (l *loader) snapshot(ctx context.Context, cfg Config, revision string, countries map[string]countryData, cat *Catalog, actions []string, compiler *ast.Compiler, store storage.Store) (*Snapshot, error) {
	s := &Snapshot{
		Revision:      revision,
		LoadedAt:      time.Now().UTC(),
		Files:         sortedKeys(l.files),
		countries:     countries,
		documentKinds: sortedKeys(cat.DocumentKinds),
		offerAt:       l.offerAt,
		actions:       actions,
		schemas:       l.schemas,
		compiler:      compiler,
		modules:       l.modules,
		rego:          l.rego,
		store:         store,
		clock:         cfg.Clock,
		newID:         cfg.NewID,
		evaluator:     cfg.Evaluator,
		fiction:       l.fiction,
		catalogue:     l.catalogue,
	}
	s.defaults()
	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

type loader struct {
	catalog *Catalog              // countries/catalog.yaml, once it is read
	offerAt map[string]Diagnostic // each offer's position ("DE local business"), for warnings
	schemas *schemas
	ds      Diagnostics
	files   map[string][]byte // display path -> content, for the revision
	// roots names each tree as the revision hashes its files (countries/…, policies/…),
	// wherever the directory given lies: the same files are the same revision.
	roots    map[string]string
	hashedAs map[string]string      // display path -> its name in the revision
	rego     map[string][]byte      // policy module path (relative to the tree) -> source
	modules  map[string]*ast.Module // the parsed policy modules, for the planner
	fiction  *fictionRanges         // the numbers reserved for fiction

	catalogue *messages.Catalogue  // the message catalogue, with the files' texts once loaded
	texts     *texts               // the country and policy-data files' texts, by id
	parsed    map[string]*yamlFile // every YAML file read, by display path, to place a text's problem
	// messageFiles are the languages policies/messages has a file for, loaded or not: a
	// text's translation into one whose file is broken is not reported again.
	messageFiles map[string]bool
}

func (l *loader) read(src Tree, name string) ([]byte, bool) {
	data, err := fs.ReadFile(src.FS, name)
	display := path.Join(src.Name, name)
	if err != nil {
		l.ds = append(l.ds, Diagnostic{File: display, Message: fmt.Sprintf("cannot read: %v", err)})
		return nil, false
	}
	l.files[display] = data
	if root, ok := l.roots[src.Name]; ok && len(l.roots) == 2 {
		if l.hashedAs == nil {
			l.hashedAs = map[string]string{}
		}
		l.hashedAs[display] = path.Join(root, name)
	}
	return data, true
}

// parseChecked parses a YAML file, validates it against a schema and decodes it into v.
// It returns the parsed file when it could be decoded, so that semantic checks still
// run and a run reports every problem; ok says whether the schema accepted it too.
func (l *loader) parseChecked(src Tree, name, schema string, v any) (f *yamlFile, ok bool) {
	data, readOK := l.read(src, name)
	if !readOK {
		return nil, false
	}
	f, ds := parseYAML(path.Join(src.Name, name), data)
	if len(ds) > 0 {
		l.ds = append(l.ds, ds...)
		return nil, false
	}
	if l.parsed != nil {
		l.parsed[f.path] = f
	}
	val, ds := f.value()
	l.ds = append(l.ds, ds...)
	violations := l.schemas.validate(schema, val)
	for _, vi := range violations {
		switch {
		case vi.atKey:
			l.ds = append(l.ds, f.atKey(vi.path, vi.message))
		case vi.missing != "":
			l.ds = append(l.ds, f.atKey(vi.path, dotted(vi.path)+": "+vi.message))
		default:
			l.ds = append(l.ds, f.atPath(vi.path, dotted(vi.path)+": "+vi.message))
		}
	}
	if dds := decodeNode(f, v); len(dds) > 0 {
		if len(ds) == 0 && len(violations) == 0 {
			l.ds = append(l.ds, dds...)
		}
		return nil, false
	}
	return f, len(ds) == 0 && len(violations) == 0
}

func (l *loader) loadCountries(src Tree) map[string]countryData {
	entries, err := fs.ReadDir(src.FS, ".")
	if err != nil {
		l.ds = append(l.ds, Diagnostic{File: src.Name, Message: fmt.Sprintf("cannot read the countries directory: %v", err)})
		return nil
	}
	var cat Catalog
	l.catalog = &cat
	catFile, catOK := l.parseChecked(src, catalogFile, schemaCatalog, &cat)
	if catFile != nil {
		ds := checkCatalog(catFile, &cat)
		l.ds = append(l.ds, ds...)
		catOK = catOK && len(ds) == 0
	}
	if catOK {
		registerCatalog(&cat, l.texts)
	}

	out := map[string]countryData{}
	definedIn := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		ext := path.Ext(name)
		if e.IsDir() || name == catalogFile || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		display := path.Join(src.Name, name)
		if !countryFileName.MatchString(name) {
			l.ds = append(l.ds, Diagnostic{File: display, Line: 1, Column: 1,
				Message: fmt.Sprintf("unexpected file %q, expected country files named by their upper-case ISO 3166-1 alpha-2 code, e.g. DE.yaml", name)})
			continue
		}
		var c Country
		f, valid := l.parseChecked(src, name, schemaCountry, &c)
		if f == nil {
			continue
		}
		want := strings.TrimSuffix(name, ext)
		if c.Code != want {
			l.ds = append(l.ds, f.atPath([]string{"country"},
				fmt.Sprintf("country: %s disagrees with the file name %s, expected country: %s (or rename the file to %s.yaml)", c.Code, name, want, c.Code)))
			continue
		}
		if prev, dup := definedIn[c.Code]; dup {
			l.ds = append(l.ds, f.atPath([]string{"country"},
				fmt.Sprintf("country %s is already defined in %s, expected one file per country", c.Code, prev)))
			continue
		}
		definedIn[c.Code] = display
		for i, lang := range c.Languages {
			// The schema checks the form (two lower-case letters); an area is named only in
			// a language that exists.
			if _, err := language.ParseBase(lang); err != nil {
				at := []string{"languages", strconv.Itoa(i)}
				l.ds = append(l.ds, f.atPath(at, fmt.Sprintf("%s: %q is not an ISO 639-1 language, expected e.g. de, fr or ja", dotted(at), lang)))
				valid = false
			}
		}
		if !catOK {
			continue // its names cannot be checked against a broken catalogue
		}
		k := &countryChecker{f: f, cat: &cat, c: &c, complete: valid}
		if ds := k.check(); len(ds) > 0 || !valid {
			l.ds = append(l.ds, ds...)
			continue
		}
		out[c.Code] = buildCountryData(&c, &cat, l.texts)
		for t, nt := range c.Numbers {
			for _, use := range Uses {
				if nt.offer(use) != nil {
					l.offerAt[c.Code+" "+t+" "+use] = f.atKey([]string{"numbers", t, use}, "")
				}
			}
		}
	}
	if len(definedIn) == 0 && len(l.ds) == 0 {
		l.ds = append(l.ds, Diagnostic{File: src.Name, Message: "no country files found, expected at least one XX.yaml"})
	}
	return out
}

// policyData are the data files beside the policies: the provider's own rules. Each is
// checked against its schema and placed in the data document at its directory's name,
// as OPA's own loader places a data.yaml, so `opa test policies/` sees the same data.
var policyData = []struct {
	file, schema, key string
	check             func(*yamlFile, any) Diagnostics // what the schema cannot say
	texts             func(*yamlFile, any, *texts)     // turns the file's texts into message ids
}{
	{"product/data.yaml", schemaProduct, "product", nil, nil},
	{"account/data.yaml", schemaAccount, "account", nil, accountTexts},
	{"contact/data.yaml", schemaContact, "contact", checkContact, nil},
	{"fiction/data.yaml", schemaFiction, "fiction", checkFiction, nil},
}

func (l *loader) loadPolicyData(src Tree) map[string]any {
	out := map[string]any{}
	for _, pd := range policyData {
		var v any
		f, ok := l.parseChecked(src, pd.file, pd.schema, &v)
		if f == nil {
			continue
		}
		if pd.check != nil {
			ds := pd.check(f, v)
			l.ds = append(l.ds, ds...)
			ok = ok && len(ds) == 0
		}
		if ok && pd.texts != nil {
			pd.texts(f, v, l.texts)
		}
		if ok {
			out[pd.key] = v
		}
	}
	if doc, ok := out["fiction"]; ok {
		fr, err := newFictionRanges(doc)
		if err != nil {
			l.ds = append(l.ds, Diagnostic{File: path.Join(src.Name, "fiction/data.yaml"), Message: err.Error()})
		}
		l.fiction = fr
	}
	return out
}

func isPolicyData(name string) bool {
	for _, pd := range policyData {
		if pd.file == name {
			return true
		}
	}
	return false
}

func (l *loader) loadPolicies(src Tree) *ast.Compiler {
	modules := map[string]*ast.Module{}
	unparsed := false // a file that does not parse: compiling the rest would report its rules as missing elsewhere
	err := fs.WalkDir(src.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			l.ds = append(l.ds, Diagnostic{File: path.Join(src.Name, name), Message: fmt.Sprintf("cannot read: %v", err)})
			return nil
		}
		if d.IsDir() {
			return nil
		}
		display := path.Join(src.Name, name)
		switch ext := path.Ext(name); {
		case ext == ".rego" && !strings.HasSuffix(name, "_test.rego"):
			data, ok := l.read(src, name)
			if !ok {
				return nil
			}
			m, err := ast.ParseModuleWithOpts(display, string(data), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
			if err != nil {
				l.ds = append(l.ds, regoDiagnostics(display, err)...)
				unparsed = true
				return nil
			}
			modules[display] = m
			l.rego[name] = data
		case (ext == ".yaml" || ext == ".yml" || ext == ".json") && !isPolicyData(name) && !isMessageFile(name):
			var known []string
			for _, pd := range policyData {
				known = append(known, path.Join(src.Name, pd.file))
			}
			known = append(known, path.Join(src.Name, messagesDir, "<language>.yaml"))
			l.ds = append(l.ds, Diagnostic{File: display, Line: 1, Column: 1,
				Message: "unexpected data file, expected only " + strings.Join(known, ", ") + " beside the policies"})
		}
		return nil
	})
	if err != nil {
		l.ds = append(l.ds, Diagnostic{File: src.Name, Message: fmt.Sprintf("cannot read the policies directory: %v", err)})
	}
	if unparsed {
		return nil
	}
	return l.compile(modules, src.Name)
}

// compile compiles the policy modules in strict mode and checks that they define every
// query the engine asks.
func (l *loader) compile(modules map[string]*ast.Module, where string) *ast.Compiler {
	if len(modules) == 0 {
		l.ds = append(l.ds, Diagnostic{File: where, Message: "no Rego policies found, expected *.rego files"})
		return nil
	}
	l.modules = modules
	c := ast.NewCompiler().WithStrict(true)
	if c.Compile(modules); c.Failed() {
		l.ds = append(l.ds, regoDiagnostics(where, c.Errors)...)
		return nil
	}
	for _, f := range regolint.Check(modules) {
		l.ds = append(l.ds, Diagnostic{File: f.Location.File, Line: f.Location.Row, Column: f.Location.Col, Message: f.Message})
	}
	queries := []string{requirementsQuery, maskQuery}
	for _, k := range Kinds {
		queries = append(queries, kinds[k].query)
	}
	for _, q := range queries {
		if len(c.GetRulesExact(ast.MustParseRef(q))) == 0 {
			l.ds = append(l.ds, Diagnostic{File: where, Message: fmt.Sprintf("no rule defines %s, expected the policies to define it", q)})
		}
	}
	return c
}

// regoDiagnostics turns OPA's parse and compile errors into positioned diagnostics.
func regoDiagnostics(file string, err error) Diagnostics {
	var errs ast.Errors
	switch e := err.(type) {
	case ast.Errors:
		errs = e
	case *ast.Error:
		errs = ast.Errors{e}
	default:
		return Diagnostics{{File: file, Message: err.Error()}}
	}
	var ds Diagnostics
	for _, e := range errs {
		d := Diagnostic{File: file, Message: e.Message + " (" + e.Code + ")"}
		if e.Location != nil {
			d.File, d.Line, d.Column = e.Location.File, e.Location.Row, e.Location.Col
		}
		ds = append(ds, d)
	}
	return ds
}

// revision is a content hash of every file the snapshot was built from, so two
// instances serving the same files report the same revision.
func (l *loader) revision() string {
	content := make(map[string][]byte, len(l.files))
	names := make([]string, 0, len(l.files))
	for n, data := range l.files {
		if as, ok := l.hashedAs[n]; ok {
			n = as
		}
		content[n] = data
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(content[n]))
		h.Write(content[n])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
