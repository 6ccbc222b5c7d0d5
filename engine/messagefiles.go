package engine

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"gopkg.in/yaml.v3"

	"github.com/numgate/numgate/engine/messages"
)

// The message catalogue: policies/messages/<language>.yaml, one file per language.
// en.yaml holds every message the policies and the engine can send; another language
// translates what it can. The loader parses every template once, here, and checks what
// a translation must keep: the ids of English and exactly their placeholders.

const (
	messagesDir     = "messages"
	englishMessages = "messages/en.yaml"
)

// messageFile is one language of policies/messages/<language>.yaml as written: the file
// holds it under the language's code (de:), which places it at data.messages.de where OPA
// itself reads the policy directory (opa test policies/).
type messageFile struct {
	Name     string                  `yaml:"name"`
	Reviewed bool                    `yaml:"reviewed"`
	Formats  formatsFile             `yaml:"formats"`
	Messages map[string]messageEntry `yaml:"messages"`
}

type formatsFile struct {
	Date          string   `yaml:"date"`
	DateTime      string   `yaml:"date_time"`
	Months        []string `yaml:"months"`
	ListSeparator string   `yaml:"list_separator"`
	UnitSeparator string   `yaml:"unit_separator"`
}

// messageEntry is a template, written as a string or as {text, reviewed, note}.
type messageEntry struct {
	Text     string
	Reviewed *bool
}

func (m *messageEntry) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		m.Text = n.Value
		return nil
	}
	var v struct {
		Text     string `yaml:"text"`
		Reviewed *bool  `yaml:"reviewed"`
		Note     string `yaml:"note"`
	}
	if err := n.Decode(&v); err != nil {
		return err
	}
	m.Text, m.Reviewed = v.Text, v.Reviewed
	return nil
}

// The placeholders a date and a time form may use.
var (
	datePlaceholders     = []string{"day", "dd", "month", "mm", "year"}
	dateTimePlaceholders = []string{"date", "day", "dd", "hour", "minute", "mm", "month", "second", "year"}
)

// isMessageFile says whether a file of the policy tree belongs to the message catalogue.
func isMessageFile(name string) bool {
	dir, file := path.Split(name)
	return dir == messagesDir+"/" && (path.Ext(file) == ".yaml" || path.Ext(file) == ".yml")
}

// loadMessages reads the message catalogue of a policy tree.
func (l *loader) loadMessages(src Tree) *messages.Catalogue {
	entries, err := fs.ReadDir(src.FS, messagesDir)
	if err != nil {
		l.ds = append(l.ds, Diagnostic{File: path.Join(src.Name, messagesDir), Message: fmt.Sprintf("cannot read the message catalogue: %v; expected %s and a file per language", err, path.Join(src.Name, englishMessages))})
		return nil
	}
	names := []string{}
	hasEnglish := false
	for _, e := range entries {
		name := path.Join(messagesDir, e.Name())
		switch {
		case e.IsDir():
			continue
		case name == englishMessages:
			hasEnglish = true
		case isMessageFile(name):
			names = append(names, name)
			l.messageFiles[strings.TrimSuffix(e.Name(), path.Ext(e.Name()))] = true
		default:
			l.ds = append(l.ds, Diagnostic{File: path.Join(src.Name, name), Line: 1, Column: 1,
				Message: "unexpected file in the message catalogue, expected <language>.yaml such as de.yaml"})
		}
	}
	if !hasEnglish {
		l.ds = append(l.ds, Diagnostic{File: path.Join(src.Name, messagesDir), Message: "no en.yaml, expected the English messages every other language falls back to"})
		return nil
	}
	slices.Sort(names)
	en, cat := l.messageFile(src, englishMessages, nil, nil)
	if cat == nil {
		return nil
	}
	for _, name := range names {
		l.messageFile(src, name, en, cat)
	}
	return cat
}

// messageFile reads one language's file into the catalogue; English (en nil) starts it.
// It returns the file's templates by id.
func (l *loader) messageFile(src Tree, name string, en map[string]*messages.Template, cat *messages.Catalogue) (map[string]*messages.Template, *messages.Catalogue) {
	var doc map[string]messageFile
	f, ok := l.parseChecked(src, name, schemaMessages, &doc)
	if f == nil || !ok {
		return nil, cat
	}
	code := strings.TrimSuffix(path.Base(name), path.Ext(name))
	mf, found := doc[code]
	if !found {
		for other := range doc {
			l.ds = append(l.ds, f.atKey([]string{other}, fmt.Sprintf("%s: disagrees with the file name %s, expected the messages under %s:", other, path.Base(name), code)))
		}
		return nil, cat
	}
	formats, ok := l.formats(f, code, mf.Formats)
	if !ok {
		return nil, cat
	}
	lang := 0
	if cat == nil {
		cat = messages.New(formats)
	} else {
		var err error
		if lang, err = cat.AddLanguage(code, mf.Name, formats); err != nil {
			l.ds = append(l.ds, f.atKey([]string{code}, err.Error()))
			return nil, cat
		}
	}
	if lang == 0 {
		if _, err := cat.AddLanguage("en", mf.Name, formats); err != nil {
			l.ds = append(l.ds, f.atKey([]string{code}, err.Error()))
		}
	}
	out := map[string]*messages.Template{}
	for _, id := range sortedKeys(mf.Messages) {
		m := mf.Messages[id]
		at := []string{code, "messages", id}
		t, err := messages.Parse(m.Text)
		if err != nil {
			l.ds = append(l.ds, f.atPath(at, fmt.Sprintf("%s.messages.%s: the template cannot be read %v", code, id, err)))
			continue
		}
		if en != nil {
			base, ok := en[id]
			if !ok {
				l.ds = append(l.ds, f.atKey(at, fmt.Sprintf("%s.messages.%s is not in %s, expected only ids English has (a misspelt id, or one English no longer sends)", code, id, englishMessages)))
				continue
			}
			if !slices.Equal(t.Names(), base.Names()) {
				l.ds = append(l.ds, f.atPath(at, fmt.Sprintf("%s.messages.%s uses the placeholders %s, expected exactly English's %s", code, id, braces(t.Names()), braces(base.Names()))))
				continue
			}
		}
		reviewed := mf.Reviewed
		if m.Reviewed != nil {
			reviewed = *m.Reviewed
		}
		out[id] = t
		cat.Add(id, messages.FromCatalogue, lang, t, reviewed)
	}
	return out, cat
}

// formats reads a language's date and list forms.
func (l *loader) formats(f *yamlFile, code string, ff formatsFile) (messages.Formats, bool) {
	out := messages.Formats{Months: ff.Months, ListSeparator: ff.ListSeparator, UnitSeparator: ff.UnitSeparator}
	ok := true
	read := func(key, src string, allowed []string) *messages.Template {
		at := []string{code, "formats", key}
		t, err := messages.Parse(src)
		if err != nil {
			l.ds = append(l.ds, f.atPath(at, fmt.Sprintf("%s.formats.%s: the form cannot be read %v", code, key, err)))
			ok = false
			return nil
		}
		for _, n := range t.Names() {
			if !slices.Contains(allowed, n) {
				l.ds = append(l.ds, f.atPath(at, fmt.Sprintf("%s.formats.%s uses {%s}, expected only %s", code, key, n, braces(allowed))))
				ok = false
			}
		}
		return t
	}
	out.Date = read("date", ff.Date, datePlaceholders)
	out.DateTime = read("date_time", ff.DateTime, dateTimePlaceholders)
	if out.Date != nil && slices.Contains(out.Date.Names(), "month") && len(ff.Months) != 12 {
		l.ds = append(l.ds, f.atKey([]string{code, "formats"}, code+".formats.date uses {month}, expected the twelve months' names under formats.months"))
		ok = false
	}
	return out, ok
}

func braces(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "{" + n + "}"
	}
	return strings.Join(out, " ")
}

// checkMessageIDs finds every message the policies write literally ({"id": "…"} or
// {"id": "…", "params": …}) and reports one that English does not define, at its place
// in the Rego.
func checkMessageIDs(modules map[string]*ast.Module, cat *messages.Catalogue) Diagnostics {
	var ds Diagnostics
	for _, name := range sortedKeys(modules) {
		ast.WalkTerms(modules[name], func(t *ast.Term) bool {
			obj, ok := t.Value.(ast.Object)
			if !ok {
				return false
			}
			id, params := obj.Get(ast.StringTerm("id")), obj.Get(ast.StringTerm("params"))
			size := 1
			if params != nil {
				size = 2
			}
			if id == nil || obj.Len() != size {
				return false
			}
			s, ok := id.Value.(ast.String)
			if !ok {
				return false
			}
			at := func(msg string) Diagnostic {
				d := Diagnostic{File: name, Message: msg}
				if loc := id.Location; loc != nil {
					d.File, d.Line, d.Column = loc.File, loc.Row, loc.Col
				}
				return d
			}
			if !cat.Has(string(s)) {
				ds = append(ds, at(fmt.Sprintf("message %q is not in policies/%s, expected every message the policies send there", string(s), englishMessages)))
				return false
			}
			// A placeholder the policy does not send would reach the end user as {name}.
			sent, literal := sentParams(params)
			if !literal {
				return false // built by a function or a rule: what it holds is known at evaluation only
			}
			for _, want := range cat.Template(string(s), 0).Names() {
				if !slices.Contains(sent, want) {
					ds = append(ds, at(fmt.Sprintf("message %q uses {%s} in policies/%s, but the policy sends no %s here (it sends: %s); send it, or take it out of the template",
						string(s), want, englishMessages, want, orNothing(sent))))
				}
			}
			return false
		})
	}
	return ds
}

// sentParams lists the keys of a message's params when the policy writes them as an
// object literal (no params: none); literal is false when they are computed.
func sentParams(params *ast.Term) (keys []string, literal bool) {
	if params == nil {
		return nil, true
	}
	obj, ok := params.Value.(ast.Object)
	if !ok {
		return nil, false
	}
	for _, k := range obj.Keys() {
		s, ok := k.Value.(ast.String)
		if !ok {
			return nil, false
		}
		keys = append(keys, string(s))
	}
	return keys, true
}

func orNothing(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
