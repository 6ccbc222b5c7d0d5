package messages

import (
	"fmt"
	"sort"
)

// Data is the catalogue as a JSON document, data.messages in a numgate bundle: the shape
// of the message files (policies/messages/<language>.yaml), one key per language, with
// every template as {text, reviewed} and the country and policy-data files' own texts
// beside the messages:
//
//	{"de": {"name": "Deutsch",
//	        "formats": {"date": …, "date_time": …, "months": […], "list_separator": ", ", "unit_separator": " "},
//	        "messages": {ID: {"text": …, "reviewed": false}},
//	        "texts": {ID: {"text": …, "reviewed": false}}}}
//
// A bundle so carries its texts, and a consumer of the bundle can render the policies'
// codes and parameters itself.
func (c *Catalogue) Data() map[string]any {
	out := map[string]any{}
	for i, l := range c.langs {
		f := map[string]any{"list_separator": l.formats.ListSeparator, "unit_separator": l.formats.UnitSeparator}
		if l.formats.Date != nil {
			f["date"] = l.formats.Date.String()
		}
		if l.formats.DateTime != nil {
			f["date_time"] = l.formats.DateTime.String()
		}
		if len(l.formats.Months) > 0 {
			months := make([]any, len(l.formats.Months))
			for j, m := range l.formats.Months {
				months[j] = m
			}
			f["months"] = months
		}
		msgs, texts := map[string]any{}, map[string]any{}
		for id, e := range c.entries {
			if e.t[i] == nil {
				continue
			}
			v := map[string]any{"text": e.t[i].String(), "reviewed": e.reviewed[i]}
			if e.source == FromFile {
				texts[id] = v
			} else {
				msgs[id] = v
			}
		}
		out[l.Code] = map[string]any{"name": l.Name, "formats": f, "messages": msgs, "texts": texts}
	}
	return out
}

// FromData rebuilds a catalogue from its Data (as JSON decodes it).
func FromData(v any) (*Catalogue, error) {
	doc, _ := v.(map[string]any)
	if _, ok := doc["en"]; !ok {
		return nil, fmt.Errorf("the messages hold no English, expected the key en")
	}
	codes := make([]string, 0, len(doc))
	for code := range doc {
		if code != "en" {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	var c *Catalogue
	for _, code := range append([]string{"en"}, codes...) {
		l, _ := doc[code].(map[string]any)
		f, err := formatsFromData(l["formats"])
		if err != nil {
			return nil, fmt.Errorf("%s.formats: %w", code, err)
		}
		name, _ := l["name"].(string)
		if c == nil {
			c = New(f)
		}
		i, err := c.AddLanguage(code, name, f)
		if err != nil {
			return nil, err
		}
		for key, src := range map[string]Source{"messages": FromCatalogue, "texts": FromFile} {
			entries, _ := l[key].(map[string]any)
			for id, tv := range entries {
				tr, _ := tv.(map[string]any)
				text, _ := tr["text"].(string)
				reviewed, _ := tr["reviewed"].(bool)
				t := Literal(text)
				if src == FromCatalogue {
					if t, err = Parse(text); err != nil {
						return nil, fmt.Errorf("%s.%s.%s: %w", code, key, id, err)
					}
				}
				c.Add(id, src, i, t, reviewed)
			}
		}
	}
	return c, nil
}

func formatsFromData(v any) (Formats, error) {
	m, _ := v.(map[string]any)
	var f Formats
	var err error
	str := func(k string) string { s, _ := m[k].(string); return s }
	if f.Date, err = Parse(str("date")); err != nil {
		return f, fmt.Errorf("date: %w", err)
	}
	if f.DateTime, err = Parse(str("date_time")); err != nil {
		return f, fmt.Errorf("date_time: %w", err)
	}
	months, _ := m["months"].([]any)
	for _, mo := range months {
		s, _ := mo.(string)
		f.Months = append(f.Months, s)
	}
	f.ListSeparator, f.UnitSeparator = str("list_separator"), str("unit_separator")
	return f, nil
}
