// Package messages holds numgate's texts in every language it speaks and renders them:
// templates with named placeholders (a subset of ICU MessageFormat), one catalogue per
// policy snapshot, language negotiation, and the forms of numbers, dates, durations and
// plurals each language writes. The policies return a message as an id with parameters;
// the engine renders it here, once, after evaluation.
//
// A template is text with placeholders in braces:
//
//	{name}                                  the parameter's value
//	{n, plural, one {# day} other {# days}} a plural form by CLDR's rules (=0 for exact
//	                                        values); # is the number
//	{use, select, personal {…} other {…}}   a branch by the parameter's value
//
// Branches may hold placeholders of their own. Every plural and select needs an other
// branch. A literal brace cannot be written; an apostrophe is an apostrophe.
package messages

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Template is one message's text in one language, parsed once when the policies load.
type Template struct {
	src   string
	parts []part
	names []string // the placeholders it uses, sorted, each once
}

// part is a piece of a template: literal text, a placeholder, or a branch over a value.
type part struct {
	text string // literal text when name is ""
	name string // the placeholder's parameter
	// form is "" for {name}, "plural" or "select"; cases holds the branches by key
	// ("one", "=0", "personal", "other").
	form  string
	cases map[string][]part
	hash  bool // the number itself (#) inside a plural branch
}

// Literal is a template of plain text, with no placeholders: a country file's own text.
func Literal(s string) *Template {
	return &Template{src: s, parts: []part{{text: s}}}
}

// String is the template as written.
func (t *Template) String() string { return t.src }

// Names lists the placeholders the template uses, sorted.
func (t *Template) Names() []string { return t.names }

// SyntaxError is a template that cannot be parsed, at a byte offset into its text.
type SyntaxError struct {
	Offset  int
	Message string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("at character %d: %s", e.Offset+1, e.Message)
}

// pluralKeys are CLDR's plural categories.
var pluralKeys = []string{"zero", "one", "two", "few", "many", "other"}

// Parse reads a template.
func Parse(src string) (*Template, error) {
	p := &parser{src: src}
	parts, err := p.parts(false, false)
	if err != nil {
		return nil, err
	}
	if p.pos < len(src) {
		return nil, p.fail("an unmatched }, expected { before it")
	}
	names := map[string]bool{}
	collectNames(parts, names)
	t := &Template{src: src, parts: parts, names: make([]string, 0, len(names))}
	for n := range names {
		t.names = append(t.names, n)
	}
	slices.Sort(t.names)
	return t, nil
}

func collectNames(parts []part, into map[string]bool) {
	for _, p := range parts {
		if p.name != "" {
			into[p.name] = true
		}
		for _, c := range p.cases {
			collectNames(c, into)
		}
	}
}

type parser struct {
	src string
	pos int
}

func (p *parser) fail(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Message: fmt.Sprintf(format, args...)}
}

// parts reads text and placeholders up to the end, or up to the } that closes a branch
// (nested); inPlural makes # the number.
func (p *parser) parts(nested, inPlural bool) ([]part, error) {
	var out []part
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			out = append(out, part{text: text.String()})
			text.Reset()
		}
	}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '}':
			if !nested {
				return nil, p.fail("an unmatched }, expected { before it")
			}
			flush()
			return out, nil
		case c == '{':
			flush()
			ph, err := p.placeholder()
			if err != nil {
				return nil, err
			}
			out = append(out, ph)
		case c == '#' && inPlural:
			flush()
			out = append(out, part{hash: true})
			p.pos++
		default:
			text.WriteByte(c)
			p.pos++
		}
	}
	if nested {
		return nil, p.fail("the branch is not closed, expected }")
	}
	flush()
	return out, nil
}

// placeholder reads {name}, {name, plural, …} or {name, select, …} at p.pos.
func (p *parser) placeholder() (part, error) {
	start := p.pos
	p.pos++ // {
	name := p.word()
	if name == "" {
		return part{}, p.fail("a placeholder without a name, expected {name}")
	}
	p.space()
	if p.peek() == '}' {
		p.pos++
		return part{name: name}, nil
	}
	if p.peek() != ',' {
		return part{}, p.fail("unexpected %q in placeholder %s, expected } or , plural or , select", string(p.peek()), name)
	}
	p.pos++
	p.space()
	form := p.word()
	if form != "plural" && form != "select" {
		return part{}, p.fail("placeholder %s has the form %q, expected plural or select", name, form)
	}
	p.space()
	if p.peek() != ',' {
		return part{}, p.fail("expected , and the branches after %s, %s", name, form)
	}
	p.pos++
	ph := part{name: name, form: form, cases: map[string][]part{}}
	for {
		p.space()
		if p.peek() == '}' {
			p.pos++
			break
		}
		if p.pos >= len(p.src) {
			p.pos = start
			return part{}, p.fail("placeholder %s is not closed, expected }", name)
		}
		keyAt := p.pos
		key := p.key()
		if key == "" {
			return part{}, p.fail("expected a branch key such as one, other or =0 in %s", name)
		}
		if form == "plural" && !strings.HasPrefix(key, "=") && !slices.Contains(pluralKeys, key) {
			p.pos = keyAt
			return part{}, p.fail("%q is not a plural category, expected one of %s or =N", key, strings.Join(pluralKeys, ", "))
		}
		if _, dup := ph.cases[key]; dup {
			p.pos = keyAt
			return part{}, p.fail("branch %s is given twice in %s", key, name)
		}
		p.space()
		if p.peek() != '{' {
			return part{}, p.fail("expected { after branch %s of %s", key, name)
		}
		p.pos++
		body, err := p.parts(true, form == "plural")
		if err != nil {
			return part{}, err
		}
		p.pos++ // }
		ph.cases[key] = body
	}
	if _, ok := ph.cases["other"]; !ok {
		p.pos = start
		return part{}, p.fail("%s of %s has no other branch, expected one for every value not listed", form, name)
	}
	return ph, nil
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) space() {
	for p.pos < len(p.src) && unicode.IsSpace(rune(p.src[p.pos])) {
		p.pos++
	}
}

// word reads a placeholder name or form: letters, digits and _.
func (p *parser) word() string {
	p.space()
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			p.pos++
			continue
		}
		break
	}
	return p.src[start:p.pos]
}

// key reads a branch key: a word, or =N.
func (p *parser) key() string {
	if p.peek() == '=' {
		start := p.pos
		p.pos++
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		return p.src[start:p.pos]
	}
	return p.word()
}
