package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/util"

	"github.com/numgate/numgate/engine/messages"
)

// BundleRoots are the data paths a numgate bundle owns: the policies' packages and the
// data documents.
var BundleRoots = []string{"numgate", "countries", "catalog", "product", "account", "contact", "fiction", "messages"}

// BundleKey signs or verifies a bundle's signature, as `opa build --signing-key` and
// `opa run --verification-key` take keys: a PEM private (signing) or public
// (verifying) key, or an HMAC secret for HS256.
type BundleKey struct {
	Key   []byte // PEM, or the HMAC secret
	Alg   string // RS256 when empty; ES256, PS256, HS256, ...
	KeyID string // the key's id in the signature; "default" when empty
}

func (k *BundleKey) alg() string   { return cmpOr(k.Alg, "RS256") }
func (k *BundleKey) keyID() string { return cmpOr(k.KeyID, "default") }

// WriteBundle writes the snapshot as an OPA bundle (a gzipped tar), signed with sign
// when it is not nil. The stock `opa run --server` serves it (with
// --verification-key when signed) and decides as numgate does, given the input numgate
// would evaluate (see PolicyInput).
func (s *Snapshot) WriteBundle(ctx context.Context, w io.Writer, sign *BundleKey) error {
	b, err := s.bundle(ctx)
	if err != nil {
		return err
	}
	if sign != nil {
		if err := b.GenerateSignature(bundle.NewSigningConfig(string(sign.Key), sign.alg(), ""), sign.keyID(), false); err != nil {
			return fmt.Errorf("signing the bundle: %w", err)
		}
	}
	return bundle.NewWriter(w).Write(*b)
}

// ReadBundle builds a snapshot from an OPA bundle that `numgate bundle` wrote. With a
// key, the bundle must carry a signature the key verifies (an unsigned or tampered bundle
// is refused); without one, a signed bundle is read without checking its signature.
func ReadBundle(ctx context.Context, r io.Reader, verify *BundleKey, cfg Config) (*Snapshot, error) {
	reader := bundle.NewReader(r)
	if verify != nil {
		keys := map[string]*bundle.KeyConfig{verify.keyID(): {Key: string(verify.Key), Algorithm: verify.alg()}}
		reader = reader.WithBundleVerificationConfig(bundle.NewVerificationConfig(keys, verify.keyID(), "", nil))
	} else {
		reader = reader.WithSkipBundleVerification(true)
	}
	b, err := reader.Read()
	if err != nil {
		return nil, fmt.Errorf("not a numgate bundle, or its signature does not verify: %w", err)
	}
	return loadBundle(ctx, &b, cfg)
}

// bundle is the snapshot as an OPA bundle: the policy modules (tests left out), the whole
// data document in one data.json (a bundle takes data only from data.json/data.yaml
// files), and a manifest with the revision and roots.
func (s *Snapshot) bundle(ctx context.Context) (*bundle.Bundle, error) {
	data, err := s.Data(ctx)
	if err != nil {
		return nil, err
	}
	roots := append([]string(nil), BundleRoots...)
	v1 := 1
	b := &bundle.Bundle{
		Manifest: bundle.Manifest{Revision: s.Revision, Roots: &roots, RegoVersion: &v1,
			Metadata: map[string]any{"built_by": "numgate bundle"}},
		Data: data,
	}
	paths := make([]string, 0, len(s.rego))
	for p := range s.rego {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		b.Modules = append(b.Modules, bundle.ModuleFile{URL: "/policies/" + p, Path: "/policies/" + p, Raw: s.rego[p]})
	}
	return b, nil
}

// loadBundle builds a snapshot from a bundle: its modules are compiled as a tree's would
// be (strict), and its data document is served as it is (a bundle holds country data
// already normalised and checked when it was built). The revision is the bundle's.
func loadBundle(ctx context.Context, b *bundle.Bundle, cfg Config) (*Snapshot, error) {
	sch, err := loadSchemas()
	if err != nil {
		return nil, err
	}
	l := &loader{schemas: sch, files: map[string][]byte{}, rego: map[string][]byte{}}
	modules := map[string]*ast.Module{}
	for _, m := range b.Modules {
		name := strings.TrimPrefix(m.Path, "/")
		parsed, err := ast.ParseModuleWithOpts(name, string(m.Raw), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			l.ds = append(l.ds, regoDiagnostics(name, err)...)
			continue
		}
		modules[name] = parsed
		l.rego[strings.TrimPrefix(name, "policies/")] = m.Raw
		l.files[name] = m.Raw
	}
	compiler := l.compile(modules, "bundle")
	if len(l.ds) > 0 {
		return nil, l.ds.normalize()
	}
	raw, err := json.Marshal(b.Data)
	if err != nil {
		return nil, err
	}
	var parts struct {
		Countries map[string]countryData `json:"countries"`
		Catalog   Catalog                `json:"catalog"`
		Account   struct {
			Actions map[string]any `json:"actions"`
		} `json:"account"`
		Fiction  any `json:"fiction"`
		Messages any `json:"messages"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts.Countries) == 0 {
		return nil, fmt.Errorf("the bundle's data.json holds no countries; expected a bundle written by numgate bundle (%v)", err)
	}
	if parts.Fiction != nil {
		if l.fiction, err = newFictionRanges(parts.Fiction); err != nil {
			return nil, err
		}
	}
	if l.catalogue, err = messages.FromData(parts.Messages); err != nil {
		return nil, fmt.Errorf("the bundle's messages: %w", err)
	}
	var doc map[string]any
	if err := util.UnmarshalJSON(raw, &doc); err != nil {
		return nil, err
	}
	return l.snapshot(ctx, cfg, b.Manifest.Revision, parts.Countries, &parts.Catalog, sortedKeys(parts.Account.Actions), compiler, newStore(doc))
}
