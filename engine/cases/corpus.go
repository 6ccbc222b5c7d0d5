package cases

import (
	"fmt"

	"github.com/numgate/numgate/engine"
)

// Request is one case's decision request, as a client would POST it to
// /v1/decisions/{Kind.Path()}.
type Request struct {
	File string
	Kind engine.Kind
	Body []byte
}

// Corpus is the requests of the cases that expect a decision, in file order: every
// country, kind and status the cases reach, and many different numbers and identities.
// Cases that expect a refused input are left out: a benchmark that compares numgate with
// the stock OPA server must pose every target the same decisions, and a refused request
// has no policy input.
func Corpus(all []Case) ([]Request, error) {
	var out []Request
	for _, c := range all {
		if c.Expect.Error != "" {
			continue
		}
		body, err := c.Body()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.File, err)
		}
		out = append(out, Request{File: c.File, Kind: c.Kind, Body: body})
	}
	return out, nil
}
