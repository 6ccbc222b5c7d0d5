package messages

import (
	"encoding/json"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) *Template {
	t.Helper()
	tp, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return tp
}

func testCatalogue(t *testing.T) (*Catalogue, int, int) {
	t.Helper()
	c := New(Formats{Date: mustParse(t, "{year}-{mm}-{dd}"), DateTime: mustParse(t, "{year}-{mm}-{dd}T{hour}:{minute}:{second}Z")})
	de, err := c.AddLanguage("de", "Deutsch", Formats{
		Date:     mustParse(t, "{day}. {month} {year}"),
		DateTime: mustParse(t, "{date} um {hour}:{minute} UTC"),
		Months:   strings.Fields("Januar Februar März April Mai Juni Juli August September Oktober November Dezember"),
	})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := c.AddLanguage("pl", "Polski", Formats{
		Date:     mustParse(t, "{day} {month} {year}"),
		DateTime: mustParse(t, "{date}, {hour}:{minute} UTC"),
		Months:   strings.Fields("stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia"),
	})
	if err != nil {
		t.Fatal(err)
	}
	add := func(id string, lang int, s string) { c.Add(id, FromCatalogue, lang, mustParse(t, s), false) }
	add("left", 0, "{n, plural, one {# attempt} other {# attempts}} left")
	add("left", de, "noch {n, plural, =0 {kein Versuch} one {# Versuch} other {# Versuche}}")
	add("left", pl, "{n, plural, one {została # próba} few {zostały # próby} many {zostało # prób} other {zostało # próby}}")
	add("expired", 0, "Document {doc} expired on {on}.")
	add("expired", de, "Dokument {doc} ist am {on} abgelaufen.")
	add("unit.months", 0, "{n, plural, one {# month} other {# months}}")
	add("unit.years", 0, "{n, plural, one {# year} other {# years}}")
	add("unit.years", de, "{n, plural, one {# Jahr} other {# Jahre}}")
	add("who", 0, "A {use} identity")
	add("who", de, "{use, select, personal {Eine private Identität} other {Eine Identität}}")
	add("only.en", 0, "Only English.")
	add("line", 0, "A {t} number")
	add("term.line_type.fixed_line", de, "Festnetz")
	c.Add("catalog.document_types.utility_bill.label", FromFile, 0, Literal("Utility bill (gas, electricity, water)"), true)
	c.Add("catalog.document_types.utility_bill.label", FromFile, de, Literal("Versorgerrechnung"), false)
	return c, de, pl
}

func msg(id string, params map[string]any) map[string]any {
	return map[string]any{"id": id, "params": params}
}

func TestRender(t *testing.T) {
	c, de, pl := testCatalogue(t)
	n := func(i int) json.Number { return json.Number(string(rune('0' + i))) }
	for _, tc := range []struct {
		lang int
		v    any
		want string
	}{
		{0, msg("left", map[string]any{"n": n(1)}), "1 attempt left"},
		{0, msg("left", map[string]any{"n": n(2)}), "2 attempts left"},
		{de, msg("left", map[string]any{"n": n(0)}), "noch kein Versuch"},
		{de, msg("left", map[string]any{"n": n(3)}), "noch 3 Versuche"},
		{pl, msg("left", map[string]any{"n": n(1)}), "została 1 próba"},
		{pl, msg("left", map[string]any{"n": n(3)}), "zostały 3 próby"},
		{pl, msg("left", map[string]any{"n": n(5)}), "zostało 5 prób"},
		{0, msg("expired", map[string]any{"doc": "p1", "on": map[string]any{"date": "2026-12-01"}}), "Document p1 expired on 2026-12-01."},
		{de, msg("expired", map[string]any{"doc": "p1", "on": map[string]any{"date": "2026-12-01"}}), "Dokument p1 ist am 1. Dezember 2026 abgelaufen."},
		{pl, msg("expired", map[string]any{"doc": "p1", "on": map[string]any{"date": "2026-12-01"}}), "Document p1 expired on 1 grudnia 2026."},
		{0, map[string]any{"time": "2026-03-01T11:48:05Z"}, "2026-03-01T11:48:05Z"},
		{de, map[string]any{"time": "2026-03-01T11:48:05Z"}, "1. März 2026 um 11:48 UTC"},
		{0, map[string]any{"age": map[string]any{"years": n(1), "months": n(6), "days": n(0)}}, "1 year 6 months"},
		{de, map[string]any{"age": map[string]any{"years": n(2), "months": n(1), "days": n(0)}}, "2 Jahre 1 month"},
		{de, msg("who", map[string]any{"use": "personal"}), "Eine private Identität"},
		{0, msg("who", map[string]any{"use": "personal"}), "A personal identity"},
		{de, msg("only.en", nil), "Only English."},
		{0, msg("line", map[string]any{"t": map[string]any{"term": "line_type", "code": "fixed_line"}}), "A fixed line number"},
		{de, map[string]any{"list": []any{map[string]any{"term": "line_type", "code": "fixed_line"}, "x"}}, "Festnetz, x"},
		{de, map[string]any{"term": "document_type", "code": "utility_bill", "label": "catalog.document_types.utility_bill.label"}, "Versorgerrechnung"},
		{0, map[string]any{"term": "document_type", "code": "utility_bill", "label": "catalog.document_types.utility_bill.label"}, "utility bill"},
		{pl, map[string]any{"term": "document_type", "code": "utility_bill", "label": "catalog.document_types.utility_bill.label"}, "utility bill"},
	} {
		var probs Problems
		if got := c.RenderChecked(tc.lang, tc.v, &probs); got != tc.want || len(probs.List) > 0 {
			t.Errorf("%s %v: got %q (problems %v), want %q", c.Code(tc.lang), tc.v, got, probs.List, tc.want)
		}
	}
	var probs Problems
	if got := c.RenderChecked(de, msg("expired", map[string]any{"doc": "p1"}), &probs); got != "Dokument p1 ist am {on} abgelaufen." || len(probs.List) != 1 {
		t.Errorf("missing parameter: %q %v", got, probs.List)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a } b", "at character 3: an unmatched }"},
		{"a {", "at character 4: a placeholder without a name"},
		{"{n, plural, one {x}}", "has no other branch"},
		{"{n, plural, lots {x} other {y}}", `"lots" is not a plural category`},
		{"{n, choice, a {x} other {y}}", `has the form "choice"`},
		{"{n, select, a {x other {y}}", "is not closed"},
		{"{n x}", `unexpected "x"`},
	} {
		_, err := Parse(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", tc.src, err, tc.want)
		}
	}
	tp := mustParse(t, "{a} {n, plural, one {# {b}} other {{c}}} {s, select, x {{d}} other {}}")
	if got := strings.Join(tp.Names(), ","); got != "a,b,c,d,n,s" {
		t.Errorf("Names = %s", got)
	}
}

func TestMatch(t *testing.T) {
	c, _, _ := testCatalogue(t)
	for _, tc := range []struct{ param, accept, want string }{
		{"", "", "en"},
		{"", "de-DE", "de"},
		{"", "de-CH, en;q=0.5", "de"},
		{"", "ja, pl;q=0.8, de;q=0.9", "de"},
		{"", "fr-FR", "en"},
		{"", "pl;q=0.2, en;q=0.3", "en"},
		{"", "*", "en"},
		{"", "de;q=0, pl", "pl"},
		{"", "!!garbage", "en"},
		{"pl", "de-DE", "pl"},
		{"de-AT", "", "de"},
		{"ja", "de", "en"},
		{"", "nb", "en"},
	} {
		i, err := c.Match(tc.param, tc.accept)
		if err != nil || c.Code(i) != tc.want {
			t.Errorf("Match(%q, %q) = %s, %v; want %s", tc.param, tc.accept, c.Code(i), err, tc.want)
		}
	}
	if _, err := c.Match("not a tag!", ""); err == nil {
		t.Error("Match accepted an invalid lang")
	}
}

func TestCoverage(t *testing.T) {
	c, de, _ := testCatalogue(t)
	c.Add("DE.text", FromFile, 0, Literal("Upload it."), true)
	c.Add("DE.text", FromFile, de, Literal("Laden Sie es hoch."), true)
	cov := c.Coverage()
	if cov[0].Messages.Total != 7 || cov[0].Messages.Translated != 7 || cov[de].Messages.Translated != 4 || cov[de].Texts.Reviewed != 1 || cov[de].Messages.Reviewed != 0 {
		t.Errorf("coverage: %+v", cov)
	}
}
