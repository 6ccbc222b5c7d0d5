package messages

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// Source is where an entry's texts come from.
type Source int

const (
	// FromCatalogue is a message of the policies' message catalogue
	// (policies/messages/<language>.yaml), with placeholders.
	FromCatalogue Source = iota
	// FromFile is a country or policy-data file's own text (a field's message, a
	// restriction): literal, with its translations written beside the English.
	FromFile
)

// Formats says how a language writes what is not words: dates, times, lists.
type Formats struct {
	// Date writes a date from day (1), dd (01), month (its name in Months), mm (12) and
	// year (2026).
	Date *Template
	// DateTime writes a UTC time from date (the Date form) and hour, minute, second (two
	// digits each), and day, dd, month, mm, year as Date has them.
	DateTime *Template
	// Months are the months' names as a date writes them (Dezember; grudnia in Polish).
	Months []string
	// ListSeparator joins a list's items (", "); UnitSeparator a duration's units (" ").
	ListSeparator, UnitSeparator string
}

// Language is one language of a catalogue.
type Language struct {
	Code    string // a BCP 47 base language: en, de, pt
	Name    string // its own name: Deutsch
	tag     language.Tag
	formats Formats
}

// Catalogue holds every message and text of a policy snapshot in every language, parsed.
// It is built once per snapshot and only read after: safe for concurrent use.
type Catalogue struct {
	langs   []*Language // English first: the language everything falls back to
	index   map[string]int
	entries map[string]*entry
	matcher language.Matcher
}

type entry struct {
	source   Source
	t        []*Template // by language index; nil where not translated
	reviewed []bool
}

// New starts a catalogue whose fallback language is English, written with f.
func New(english Formats) *Catalogue {
	c := &Catalogue{index: map[string]int{}, entries: map[string]*entry{}}
	_, _ = c.AddLanguage("en", "English", english)
	return c
}

// AddLanguage adds a language (a BCP 47 base language such as de) and returns its index.
func (c *Catalogue) AddLanguage(code, name string, f Formats) (int, error) {
	tag, err := language.Parse(code)
	if err != nil {
		return 0, fmt.Errorf("%q is not a BCP 47 language code, expected e.g. de or pt: %v", code, err)
	}
	if base, _ := tag.Base(); base.String() != code {
		return 0, fmt.Errorf("%q is not a base language code, expected %s", code, base)
	}
	f = withDefaults(f)
	if i, ok := c.index[code]; ok {
		c.langs[i].Name, c.langs[i].formats = name, f
		return i, nil
	}
	c.index[code] = len(c.langs)
	c.langs = append(c.langs, &Language{Code: code, Name: name, tag: tag, formats: f})
	for _, e := range c.entries {
		e.t = append(e.t, nil)
		e.reviewed = append(e.reviewed, false)
	}
	tags := make([]language.Tag, len(c.langs))
	for i, l := range c.langs {
		tags[i] = l.tag
	}
	c.matcher = language.NewMatcher(tags)
	return c.index[code], nil
}

func withDefaults(f Formats) Formats {
	if f.ListSeparator == "" {
		f.ListSeparator = ", "
	}
	if f.UnitSeparator == "" {
		f.UnitSeparator = " "
	}
	return f
}

// Add sets the template of id in a language.
func (c *Catalogue) Add(id string, src Source, lang int, t *Template, reviewed bool) {
	e, ok := c.entries[id]
	if !ok {
		e = &entry{source: src, t: make([]*Template, len(c.langs)), reviewed: make([]bool, len(c.langs))}
		c.entries[id] = e
	}
	e.t[lang], e.reviewed[lang] = t, reviewed
}

// Languages lists the catalogue's languages, English first.
func (c *Catalogue) Languages() []Language {
	out := make([]Language, len(c.langs))
	for i, l := range c.langs {
		out[i] = *l
	}
	return out
}

// Code is a language index's code.
func (c *Catalogue) Code(lang int) string { return c.langs[lang].Code }

// Lookup finds a language by its code.
func (c *Catalogue) Lookup(code string) (int, bool) {
	i, ok := c.index[code]
	return i, ok
}

// IDs lists the entries of a source, sorted.
func (c *Catalogue) IDs(src Source) []string {
	var out []string
	for id, e := range c.entries {
		if e.source == src {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Template is id's template in a language, nil where it has none (no fallback).
func (c *Catalogue) Template(id string, lang int) *Template {
	if e, ok := c.entries[id]; ok {
		return e.t[lang]
	}
	return nil
}

// Has says whether id is in the catalogue in English.
func (c *Catalogue) Has(id string) bool {
	e, ok := c.entries[id]
	return ok && e.t[0] != nil
}

// Coverage counts, for one language, how many entries of each source it translates and
// how many of those a person has reviewed.
type Coverage struct {
	Language string      `json:"language"`
	Name     string      `json:"name"`
	Messages CoverageSet `json:"messages"` // the message catalogue's
	Texts    CoverageSet `json:"texts"`    // the country and policy-data files' own texts
}

// CoverageSet is how much of one set of entries a language has.
type CoverageSet struct {
	Total      int `json:"total"`
	Translated int `json:"translated"`
	Reviewed   int `json:"reviewed"`
}

// Coverage lists each language's coverage, English first.
func (c *Catalogue) Coverage() []Coverage {
	out := make([]Coverage, len(c.langs))
	for i, l := range c.langs {
		out[i] = Coverage{Language: l.Code, Name: l.Name}
	}
	for _, e := range c.entries {
		if e.t[0] == nil {
			continue // not in English: not a message numgate can send
		}
		for i := range c.langs {
			set := &out[i].Messages
			if e.source == FromFile {
				set = &out[i].Texts
			}
			set.Total++
			if e.t[i] != nil {
				set.Translated++
				if e.reviewed[i] {
					set.Reviewed++
				}
			}
		}
	}
	return out
}

// Match chooses the language to answer in: the lang parameter when given (a BCP 47
// tag; an invalid one is an error), else the best of an Accept-Language header by its
// q-values (RFC 9110, section 12.5.4), else English. A language the catalogue does not
// have is answered in English.
func (c *Catalogue) Match(param, acceptLanguage string) (int, error) {
	var want []language.Tag
	if param = strings.TrimSpace(param); param != "" {
		t, err := language.Parse(param)
		if err != nil {
			return 0, fmt.Errorf("lang %q is not a BCP 47 language tag, expected e.g. de or de-AT", param)
		}
		want = []language.Tag{t}
	} else if acceptLanguage != "" {
		tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err != nil {
			return 0, nil // RFC 9110: a header that cannot be read may be ignored
		}
		want = tags
	}
	if len(want) == 0 {
		return 0, nil
	}
	_, i, conf := c.matcher.Match(want...)
	if conf < language.High {
		// Low is a guess across languages (Norwegian for Danish); the end user is better
		// served by the fallback than by a language they may not read.
		return 0, nil
	}
	return i, nil
}
