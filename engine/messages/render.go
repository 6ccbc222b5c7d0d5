package messages

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
)

// A message, as the policies return it, is {"id": ID, "params": {NAME: VALUE}}. A value
// is one of:
//
//	"text" or 3                       written as it is (a code, a document id, a count)
//	{"id": …, "params": …}            another message, in the same language
//	{"date": "2026-12-01"}            a date, as the language writes dates
//	{"time": "2026-12-01T11:48:00Z"}  a UTC time, likewise
//	{"age": {"years": 0, "months": 3, "days": 0}}  a duration, in the language's units
//	{"list": [VALUE, …]}              items joined as the language joins a list
//	{"term": "line_type", "code": "fixed_line"}    a word of a vocabulary: the message
//	                                  term.line_type.fixed_line, else the code with _ as
//	                                  a space; {"label": ID} beside it names a text the
//	                                  language may have instead (a document type's label)
//
// A select branches on a value's code (the text, the number, a term's code).

// Problems collects what a rendering could not do: a placeholder without a parameter,
// an id not in the catalogue. A decision renders with nil (nothing collected); the
// catalogue checks render with a Problems to find them.
type Problems struct {
	List []string
	// Fallbacks are the ids (and terms) written in English for want of the language's own.
	Fallbacks []string
}

func (p *Problems) add(format string, args ...any) {
	if p != nil {
		p.List = append(p.List, fmt.Sprintf(format, args...))
	}
}

func (p *Problems) fallback(id string) {
	if p != nil {
		p.Fallbacks = append(p.Fallbacks, id)
	}
}

// Render writes a message (or any value above) in a language; what the language does
// not translate is written in English.
func (c *Catalogue) Render(lang int, v any) string {
	return c.RenderChecked(lang, v, nil)
}

// RenderChecked is Render that records what it could not render in probs.
func (c *Catalogue) RenderChecked(lang int, v any, probs *Problems) string {
	r := renderer{c: c, lang: lang, probs: probs}
	r.value(v)
	return r.b.String()
}

type renderer struct {
	c     *Catalogue
	lang  int
	probs *Problems
	b     strings.Builder
}

func (r *renderer) formats() *Formats { return &r.c.langs[r.lang].formats }

// template is id's template in the language, else in English.
func (r *renderer) template(id string) *Template {
	e, ok := r.c.entries[id]
	if !ok {
		return nil
	}
	if t := e.t[r.lang]; t != nil {
		return t
	}
	r.probs.fallback(id)
	return e.t[0]
}

func (r *renderer) message(m map[string]any) {
	id, _ := m["id"].(string)
	t := r.template(id)
	if t == nil {
		r.probs.add("message %q is not in the catalogue", id)
		r.b.WriteString(id)
		return
	}
	params, _ := m["params"].(map[string]any)
	r.parts(t.parts, params, nil)
}

func (r *renderer) parts(parts []part, params map[string]any, number any) {
	for _, p := range parts {
		switch {
		case p.hash:
			r.value(number)
		case p.name == "":
			r.b.WriteString(p.text)
		default:
			v, ok := params[p.name]
			if !ok {
				r.probs.add("placeholder {%s} has no parameter", p.name)
				r.b.WriteString("{" + p.name + "}")
				continue
			}
			switch p.form {
			case "":
				r.value(v)
			case "select":
				r.parts(branch(p.cases, code(v)), params, number)
			case "plural":
				r.parts(r.pluralBranch(p.cases, v), params, v)
			}
		}
	}
}

func branch(cases map[string][]part, key string) []part {
	if b, ok := cases[key]; ok {
		return b
	}
	return cases["other"]
}

// pluralBranch picks =N, else the language's CLDR plural category for v.
func (r *renderer) pluralBranch(cases map[string][]part, v any) []part {
	n, ok := integer(v)
	if !ok {
		return cases["other"]
	}
	if b, ok := cases["="+strconv.FormatInt(n, 10)]; ok {
		return b
	}
	abs := n
	if abs < 0 {
		abs = -abs
	}
	form := plural.Cardinal.MatchPlural(r.c.langs[r.lang].tag, int(abs%1_000_000_000), 0, 0, 0, 0)
	return branch(cases, pluralNames[form])
}

var pluralNames = map[plural.Form]string{
	plural.Other: "other", plural.Zero: "zero", plural.One: "one",
	plural.Two: "two", plural.Few: "few", plural.Many: "many",
}

func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), float64(int64(n)) == n
	}
	return 0, false
}

// code is what a select compares: the text, the number, a term's code.
func code(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case map[string]any:
		if c, ok := x["code"].(string); ok {
			return c
		}
	}
	return "other"
}

func (r *renderer) value(v any) {
	switch x := v.(type) {
	case string:
		r.b.WriteString(x)
	case json.Number:
		r.b.WriteString(x.String())
	case int:
		r.b.WriteString(strconv.Itoa(x))
	case bool:
		r.b.WriteString(strconv.FormatBool(x))
	case []any:
		r.list(x)
	case map[string]any:
		r.object(x)
	case nil:
		r.probs.add("a parameter is null")
	default:
		fmt.Fprint(&r.b, x)
	}
}

func (r *renderer) object(x map[string]any) {
	switch {
	case x["id"] != nil:
		r.message(x)
	case x["date"] != nil:
		r.date(x["date"])
	case x["time"] != nil:
		r.time(x["time"])
	case x["age"] != nil:
		r.age(x["age"])
	case x["list"] != nil:
		l, _ := x["list"].([]any)
		r.list(l)
	case x["term"] != nil:
		r.term(x)
	default:
		r.probs.add("a parameter %v is none of a message, date, time, age, list or term", x)
		b, _ := json.Marshal(x)
		r.b.Write(b)
	}
}

func (r *renderer) list(items []any) {
	for i, it := range items {
		if i > 0 {
			r.b.WriteString(r.formats().ListSeparator)
		}
		r.value(it)
	}
}

// term writes a vocabulary word: term.VOCAB.CODE in the language; else, where the term
// names a label (a catalogue text such as a document type's), the label if the language
// has it; else the English term; else the code with _ as a space.
func (r *renderer) term(x map[string]any) {
	vocab, _ := x["term"].(string)
	c, _ := x["code"].(string)
	id := "term." + vocab + "." + c
	if e, ok := r.c.entries[id]; ok && e.t[r.lang] != nil {
		r.parts(e.t[r.lang].parts, nil, nil)
		return
	}
	if label, _ := x["label"].(string); label != "" && r.lang != 0 {
		if e, ok := r.c.entries[label]; ok && e.t[r.lang] != nil {
			r.parts(e.t[r.lang].parts, nil, nil)
			return
		}
	}
	if r.lang != 0 {
		r.probs.fallback(id)
	}
	if e, ok := r.c.entries[id]; ok && e.t[0] != nil {
		r.parts(e.t[0].parts, nil, nil)
		return
	}
	r.b.WriteString(strings.ReplaceAll(c, "_", " "))
}

func (r *renderer) date(v any) {
	s, _ := v.(string)
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		r.probs.add("%q is not a date (YYYY-MM-DD)", s)
		r.b.WriteString(s)
		return
	}
	r.parts(r.formats().Date.parts, r.dateParams(d), nil)
}

func (r *renderer) dateParams(d time.Time) map[string]any {
	f := r.formats()
	month := two(int(d.Month()))
	if len(f.Months) == 12 {
		month = f.Months[d.Month()-1]
	}
	return map[string]any{
		"day": strconv.Itoa(d.Day()), "dd": two(d.Day()), "month": month,
		"mm": two(int(d.Month())), "year": strconv.Itoa(d.Year()),
	}
}

func (r *renderer) time(v any) {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		r.probs.add("%q is not an RFC 3339 time", s)
		r.b.WriteString(s)
		return
	}
	t = t.UTC()
	params := r.dateParams(t)
	sub := renderer{c: r.c, lang: r.lang, probs: r.probs}
	sub.parts(r.formats().Date.parts, params, nil)
	params["date"] = sub.b.String()
	params["hour"], params["minute"], params["second"] = two(t.Hour()), two(t.Minute()), two(t.Second())
	r.parts(r.formats().DateTime.parts, params, nil)
}

func two(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// age writes {"years": 1, "months": 6, "days": 0} as the language's units (the messages
// unit.years, unit.months, unit.days with the parameter n), the zero ones left out.
func (r *renderer) age(v any) {
	a, _ := v.(map[string]any)
	first := true
	for _, unit := range []string{"years", "months", "days"} {
		n, ok := integer(a[unit])
		if !ok || n == 0 {
			continue
		}
		if !first {
			r.b.WriteString(r.formats().UnitSeparator)
		}
		first = false
		r.message(map[string]any{"id": "unit." + unit, "params": map[string]any{"n": a[unit]}})
	}
}
