package messages

import (
	"fmt"
	"sort"
)

// Data is the catalogue as a JSON document (data.messages in a numgate bundle), so that a
// bundle carries its texts and a consumer of the bundle can render the policies' codes
// and parameters itself:
//
//	{"languages": {"de": {"name": "Deutsch", "formats": {"date": …, "date_time": …,
//	  "months": […], "list_separator": ", ", "unit_separator": " "}}},
//	 "messages": {ID: {"en": {"text": …, "reviewed": true}, "de": {…}}},
//	 "texts": {ID: {…}}}
//
// messages are the catalogue's templates; texts the country and policy-data files' own.
func (c *Catalogue) Data() map[string]any {
	langs := map[string]any{}
	for _, l := range c.langs {
		f := map[string]any{"list_separator": l.formats.ListSeparator, "unit_separator": l.formats.UnitSeparator}
		if l.formats.Date != nil {
			f["date"] = l.formats.Date.String()
		}
		if l.formats.DateTime != nil {
			f["date_time"] = l.formats.DateTime.String()
		}
		if len(l.formats.Months) > 0 {
			months := make([]any, len(l.formats.Months))
			for i, m := range l.formats.Months {
				months[i] = m
			}
			f["months"] = months
		}
		langs[l.Code] = map[string]any{"name": l.Name, "formats": f}
	}
	msgs, texts := map[string]any{}, map[string]any{}
	for id, e := range c.entries {
		byLang := map[string]any{}
		for i, t := range e.t {
			if t != nil {
				byLang[c.langs[i].Code] = map[string]any{"text": t.String(), "reviewed": e.reviewed[i]}
			}
		}
		if e.source == FromFile {
			texts[id] = byLang
		} else {
			msgs[id] = byLang
		}
	}
	return map[string]any{"languages": langs, "messages": msgs, "texts": texts}
}

// FromData rebuilds a catalogue from its Data (as JSON decodes it).
func FromData(v any) (*Catalogue, error) {
	doc, _ := v.(map[string]any)
	langs, _ := doc["languages"].(map[string]any)
	if _, ok := langs["en"]; !ok {
		return nil, fmt.Errorf("the messages hold no English, expected languages.en")
	}
	codes := make([]string, 0, len(langs))
	for code := range langs {
		if code != "en" {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	var c *Catalogue
	for _, code := range append([]string{"en"}, codes...) {
		l, _ := langs[code].(map[string]any)
		f, err := formatsFromData(l["formats"])
		if err != nil {
			return nil, fmt.Errorf("languages.%s.formats: %w", code, err)
		}
		name, _ := l["name"].(string)
		if c == nil {
			c = New(f)
			c.langs[0].Name = name
			continue
		}
		if _, err := c.AddLanguage(code, name, f); err != nil {
			return nil, err
		}
	}
	for key, src := range map[string]Source{"messages": FromCatalogue, "texts": FromFile} {
		entries, _ := doc[key].(map[string]any)
		for id, v := range entries {
			byLang, _ := v.(map[string]any)
			for code, tv := range byLang {
				i, ok := c.Lookup(code)
				if !ok {
					return nil, fmt.Errorf("%s.%s: language %s is not among the languages", key, id, code)
				}
				tr, _ := tv.(map[string]any)
				text, _ := tr["text"].(string)
				reviewed, _ := tr["reviewed"].(bool)
				t := Literal(text)
				if src == FromCatalogue {
					var err error
					if t, err = Parse(text); err != nil {
						return nil, fmt.Errorf("%s.%s (%s): %w", key, id, code, err)
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
