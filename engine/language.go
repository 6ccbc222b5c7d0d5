package engine

import (
	"errors"
	"fmt"

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

// renderer renders the policies' messages in a language.
func (s *Snapshot) renderer(lang int) func(any) string {
	return func(v any) string { return s.catalogue.Render(lang, v) }
}
