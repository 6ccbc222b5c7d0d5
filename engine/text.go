package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/numgate/numgate/engine/messages"
)

// Text is a text of a country, catalogue or policy-data file that an end user reads (a
// field's message, a restriction): English, and the translations written beside it
// (engine/schema/text.schema.json). In the data document the policies read it is a
// message id ({"id": "DE.local.business.address.proof.message"}); the answer renders it
// in the language asked for.
type Text struct {
	English      string
	Translations map[string]Translation // by language code
	node         *yaml.Node             // where it is written, for diagnostics
}

// Translation is one language's wording of a Text.
type Translation struct {
	Text     string `yaml:"text"     json:"text"`
	Reviewed bool   `yaml:"reviewed" json:"reviewed"`
}

// UnmarshalYAML reads a plain string (English only) or {en: …, de: …, fr: {text, reviewed}}.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	t.node = n
	if n.Kind == yaml.ScalarNode {
		t.English = n.Value
		return nil
	}
	var raw map[string]yaml.Node
	if err := n.Decode(&raw); err != nil {
		return err
	}
	for lang, v := range raw {
		if lang == "en" {
			t.English = v.Value
			continue
		}
		var tr Translation
		if v.Kind == yaml.ScalarNode {
			tr.Text = v.Value
		} else if err := v.Decode(&tr); err != nil {
			return err
		}
		if t.Translations == nil {
			t.Translations = map[string]Translation{}
		}
		t.Translations[lang] = tr
	}
	return nil
}

// MarshalJSON writes the English: data.catalog keeps its plain texts for the policies
// and a stock OPA.
func (t Text) MarshalJSON() ([]byte, error) { return json.Marshal(t.English) }

// UnmarshalJSON reads the English back (a bundle's data.catalog).
func (t *Text) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &t.English) }

// IsZero says whether no text is written.
func (t Text) IsZero() bool { return t.English == "" }

// textRef is a Text as the policies read it: a message with no parameters.
type textRef struct {
	ID string `json:"id"`
}

// texts gathers, while the country and policy-data files are turned into data, every
// text they hold under the id the data refers to it by.
type texts struct {
	byID map[string]Text
}

func newTexts() *texts { return &texts{byID: map[string]Text{}} }

// ref registers a text under id and returns the reference the data holds.
func (ts *texts) ref(id string, t Text) textRef {
	if ts != nil {
		ts.byID[id] = t
	}
	return textRef{ID: id}
}

// refOr registers own under id when it is written, else refers to the fallback id
// (a catalogue text registered on its own).
func (ts *texts) refOr(id string, own Text, fallback string) textRef {
	if own.IsZero() {
		return textRef{ID: fallback}
	}
	return ts.ref(id, own)
}

// addTo puts every text in a catalogue, each translation in its language; a language the
// message catalogue does not have is reported at the text.
func (ts *texts) addTo(cat *messages.Catalogue, present map[string]bool, files map[string]*yamlFile) Diagnostics {
	var ds Diagnostics
	for _, id := range sortedKeys(ts.byID) {
		t := ts.byID[id]
		cat.Add(id, messages.FromFile, 0, messages.Literal(t.English), true)
		langs := sortedKeys(t.Translations)
		for _, code := range langs {
			tr := t.Translations[code]
			i, ok := cat.Lookup(code)
			if !ok && present[code] {
				continue // its file is broken, and says so
			}
			if !ok {
				if d, found := textDiagnostic(t, code, files, fmt.Sprintf("a translation into %q, but policies/messages has no %s.yaml, expected one of the catalogue's languages: %s", code, code, languageCodes(cat))); found {
					ds = append(ds, d)
				}
				continue
			}
			cat.Add(id, messages.FromFile, i, messages.Literal(tr.Text), tr.Reviewed)
		}
	}
	return slices.CompactFunc(ds, func(a, b Diagnostic) bool { return a == b })
}

func languageCodes(cat *messages.Catalogue) string {
	var out []string
	for _, l := range cat.Languages() {
		out = append(out, l.Code)
	}
	return fmt.Sprint(out)
}

// textDiagnostic places a message at a text's translation into lang (its key), else at
// the text, in its file.
func textDiagnostic(t Text, lang string, files map[string]*yamlFile, msg string) (Diagnostic, bool) {
	if t.node == nil {
		return Diagnostic{}, false
	}
	at := t.node
	for i := 0; i+1 < len(t.node.Content); i += 2 {
		if t.node.Content[i].Value == lang {
			at = t.node.Content[i]
		}
	}
	for _, f := range files {
		if containsNode(f.root, t.node) {
			return f.at(at, msg), true
		}
	}
	return Diagnostic{Message: msg}, true
}

func containsNode(root, n *yaml.Node) bool {
	if root == n {
		return true
	}
	for _, c := range root.Content {
		if containsNode(c, n) {
			return true
		}
	}
	return false
}

// accountTexts turns policies/account/data.yaml's texts into message ids:
// account.steps.STEP.message and account.steps.account_details.fields.NAME.message.
func accountTexts(f *yamlFile, v any, ts *texts) {
	steps := asMap(asMap(v)["steps"])
	for _, step := range sortedKeys(steps) {
		st := asMap(steps[step])
		if _, ok := st["message"]; ok {
			st["message"] = dataText(f, ts, []string{"steps", step, "message"}, "account.steps."+step+".message")
		}
		for i, fv := range asList(st["fields"]) {
			field := asMap(fv)
			name, _ := field["name"].(string)
			if _, ok := field["message"]; ok && name != "" {
				field["message"] = dataText(f, ts, []string{"steps", step, "fields", strconv.Itoa(i), "message"},
					"account.steps."+step+".fields."+name+".message")
			}
		}
	}
}

// dataText registers the text at path in a policy-data file under id and returns the
// reference the data holds in its place.
func dataText(f *yamlFile, ts *texts, path []string, id string) map[string]any {
	var t Text
	if n, _ := f.find(path); n != nil {
		_ = n.Decode(&t) // the schema has accepted its shape
	}
	return map[string]any{"id": ts.ref(id, t).ID}
}
