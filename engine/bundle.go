package engine

import (
	"context"
	"sort"

	"github.com/open-policy-agent/opa/v1/bundle"
)

// BundleRoots are the data paths a numgate bundle owns: the policies' packages and the
// data documents.
var BundleRoots = []string{"numgate", "countries", "product", "account", "contact"}

// Bundle is the snapshot as an OPA bundle: the policy modules (tests left out), the whole
// data document in one data.json (a bundle takes data only from data.json/data.yaml
// files), and a manifest with the revision and roots. The stock `opa run --server` serves
// it and decides as numgate does, given the input numgate would evaluate (see
// ActivationInput).
func (s *Snapshot) Bundle(ctx context.Context) (*bundle.Bundle, error) {
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
