package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/numgate/numgate/engine/messages"
)

// ErrInvalidLanguage: a lang parameter that is not a BCP 47 language tag.
var ErrInvalidLanguage = errors.New("invalid language")

// English is the language every message is written in first, and the one every other
// language falls back to, message by message.
const English = "en"

// Language chooses the language of an answer: the lang parameter when given (a BCP 47
// tag; an invalid one is an error that says so), else the best of an Accept-Language header by
// its q-values, else English. A language the message catalogue does not have (Japanese)
// is English. It returns the language's code in the catalogue (de for de-AT).
func (s *Snapshot) Language(param, acceptLanguage string) (string, error) {
	i, err := s.catalogue.Match(param, acceptLanguage)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidLanguage, err)
	}
	return s.catalogue.Code(i), nil
}

// Languages lists the languages of the message catalogue, English first.
func (s *Snapshot) Languages() []messages.Language { return s.catalogue.Languages() }

// Translations counts per language how many messages and file texts are translated and
// reviewed, English first.
func (s *Snapshot) Translations() []messages.Coverage { return s.catalogue.Coverage() }

// Messages is the snapshot's message catalogue.
func (s *Snapshot) Messages() *messages.Catalogue { return s.catalogue }

func (s *Snapshot) languageIndex(code string) int {
	if i, ok := s.catalogue.Lookup(code); ok {
		return i
	}
	return 0
}

// renderer renders the policies' messages in a language, recording in probs (when not
// nil) what it could not render there.
func (s *Snapshot) renderer(lang int, probs *messages.Problems) func(any) string {
	return func(v any) string { return s.catalogue.RenderChecked(lang, v, probs) }
}

// RenderReport is what rendering an answer in a language could not do: Problems (a
// placeholder without a parameter, a message id not in the catalogue) must never occur;
// Fallbacks are the messages and terms written in English for want of the language's own.
type RenderReport struct {
	Problems  []string
	Fallbacks []string
}

// CheckDecision decides a request in a language and reports how its messages rendered,
// for the catalogue checks (every decision case in every language).
func (s *Snapshot) CheckDecision(ctx context.Context, lang string, kind Kind, body []byte) (RenderReport, error) {
	req, err := s.policyInput(kind, body)
	if err != nil {
		return RenderReport{}, s.localize(err, lang)
	}
	input, err := ast.InterfaceToValue(req)
	if err != nil {
		return RenderReport{}, fmt.Errorf("building the policy input: %w", err)
	}
	res, err := s.eval(ctx, *s.decisions[kind], input)
	if err != nil {
		return RenderReport{}, err
	}
	var probs messages.Problems
	if _, err := s.answer(kind, res, s.languageIndex(lang), &probs); err != nil {
		return RenderReport{}, err
	}
	return RenderReport{Problems: probs.List, Fallbacks: probs.Fallbacks}, nil
}

// CheckRequirements answers a requirements question in q.Language and reports how its
// messages rendered.
func (s *Snapshot) CheckRequirements(ctx context.Context, q RequirementsQuery) (RenderReport, error) {
	var probs messages.Problems
	if _, err := s.requirementsIn(ctx, q, &probs); err != nil {
		return RenderReport{}, s.localize(err, q.Language)
	}
	return RenderReport{Problems: probs.List, Fallbacks: probs.Fallbacks}, nil
}
