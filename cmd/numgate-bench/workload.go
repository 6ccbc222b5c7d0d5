package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
)

// What the load sends: one request repeated (the DE local business activation), or the
// corpus, every decision case's request in turn (all countries, kinds and statuses, and
// hundreds of different numbers and identities), which is what a server meets.

// workload is a named list of decision requests.
type workload struct {
	name string // "single" or "corpus"
	reqs []cases.Request
}

// workloads reads the single request and the corpus from the repository.
func workloads(repo string) (single, corpus workload, err error) {
	body, err := os.ReadFile(filepath.Join(repo, "testdata/requests/de-local-business.json"))
	if err != nil {
		return single, corpus, err
	}
	single = workload{name: "single", reqs: []cases.Request{{File: "testdata/requests/de-local-business.json", Kind: engine.KindActivation, Body: body}}}
	all, err := cases.Load(os.DirFS(filepath.Join(repo, "testdata")), "cases")
	if err != nil {
		return single, corpus, fmt.Errorf("reading the decision cases: %w", err)
	}
	reqs, err := cases.Corpus(all)
	if err != nil {
		return single, corpus, err
	}
	return single, workload{name: "corpus", reqs: reqs}, nil
}

// of keeps the requests of one kind.
func (w workload) of(kind engine.Kind) workload {
	out := workload{name: w.name}
	for _, r := range w.reqs {
		if r.Kind == kind {
			out.reqs = append(out.reqs, r)
		}
	}
	return out
}

// decidedBy keeps the requests a snapshot decides (a smaller tree configures fewer of
// the corpus's countries).
func (w workload) decidedBy(snap *engine.Snapshot) workload {
	out := workload{name: w.name}
	for _, r := range w.reqs {
		if _, err := snap.PolicyInput(r.Kind, r.Body); err == nil {
			out.reqs = append(out.reqs, r)
		}
	}
	return out
}

// call is one HTTP request of a load: where it goes and its body.
type call struct {
	url  string
	body []byte
}

// numgateCalls posts each request to /v1/decisions/{kind}; the no-op server takes the
// same bodies.
func numgateCalls(base string, w workload) []call {
	out := make([]call, len(w.reqs))
	for i, r := range w.reqs {
		out[i] = call{url: base + "/v1/decisions/" + r.Kind.Path(), body: r.Body}
	}
	return out
}

func noopCalls(base string, w workload) []call {
	out := make([]call, len(w.reqs))
	for i, r := range w.reqs {
		out[i] = call{url: base + "/noop", body: r.Body}
	}
	return out
}

// opaCalls poses the stock OPA server the same decisions through its Data API: the
// policy input numgate builds for each request (the number read, the decision time).
func opaCalls(base string, snap *engine.Snapshot, w workload) ([]call, error) {
	out := make([]call, len(w.reqs))
	for i, r := range w.reqs {
		input, err := snap.PolicyInput(r.Kind, r.Body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.File, err)
		}
		body, err := json.Marshal(map[string]any{"input": input})
		if err != nil {
			return nil, err
		}
		out[i] = call{url: base + "/v1/data/numgate/" + string(r.Kind) + "/decision", body: body}
	}
	return out, nil
}
