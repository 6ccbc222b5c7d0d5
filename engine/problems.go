package engine

import (
	"errors"
	"strconv"
)

// The engine's own input problems (a phone with letters, a country the number cannot
// belong to) are messages like the policies': an id of the message catalogue
// (input.*) with parameters, rendered in the language of the request where the engine
// answers (localize). Problems found by the JSON parser and the request's JSON Schema
// keep their English words: they name JSON syntax and schema terms for the developer
// who builds the request, not the end user.

// problemText is a problem's message before it is rendered.
type problemText struct {
	id     string
	params map[string]any
}

// problem is a Problem whose message is the catalogue's id with params.
func problem(code, pointer, id string, params map[string]any) Problem {
	return Problem{Code: code, Pointer: pointer, text: &problemText{id: id, params: params}}
}

// quoted writes a value as %q does, for the messages that quote what the caller sent.
func quoted(s string) string { return strconv.Quote(s) }

// localize renders the messages of an *InputError's problems in a language (a code of
// the catalogue); any other error is returned as it is.
func (s *Snapshot) localize(err error, lang string) error {
	var ie *InputError
	if !errors.As(err, &ie) {
		return err
	}
	i := s.languageIndex(lang)
	for k := range ie.Problems {
		p := &ie.Problems[k]
		if p.text == nil {
			continue
		}
		msg := map[string]any{"id": p.text.id}
		if p.text.params != nil {
			msg["params"] = p.text.params
		}
		p.Message = s.catalogue.Render(i, msg)
	}
	return err
}
