// Package coveragereport renders the coverage matrix (engine.Coverage) for people: as
// aligned text for a terminal and as one self-contained HTML page (no script, no
// request to any other origin) that a compliance person can open or attach.
package coveragereport

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/messages"
)

// Text writes the matrix with a legend: one line per country, one cell per number type
// and use (personal/business).
func Text(w io.Writer, c *engine.Coverage) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Coverage as of %s (stale: newest source read over %d days before)\n", c.AsOf, c.StaleAfterDays)
	fmt.Fprintf(&b, "%-4s %-24s", "", "")
	for _, nt := range engine.NumberTypes {
		fmt.Fprintf(&b, " %-9s", nt)
	}
	fmt.Fprintf(&b, "\n%-4s %-24s", "", "")
	for range engine.NumberTypes {
		fmt.Fprintf(&b, " %-4s %-4s", "pers", "bus")
	}
	b.WriteString("\n")
	for _, row := range c.Countries {
		fmt.Fprintf(&b, "%-4s %-24s", row.Country, truncate(row.Name, 24))
		for _, o := range row.Offers {
			fmt.Fprintf(&b, " %-4s", Mark(o))
		}
		b.WriteString("\n")
	}
	t := c.Totals
	fmt.Fprintf(&b, "\n%d countries: %d offers available, %d not available, %d unknown; %d stale, %d disputed\n",
		t.Countries, t.Available, t.NotAvailable, t.Unknown, t.Stale, t.Disputed)
	b.WriteString("Legend: A available (h/m/l: confidence high, medium, low), N not available (the sources say so),\n" +
		"        . unknown (no rules on file), * stale sources, ! sources disagree\n")
	if len(c.Translations) > 0 {
		b.WriteString("\n")
		Translations(&b, c.Translations)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Mark is a cell in a few characters: A, N or . for the availability, the confidence's
// initial, * when stale, ! when disputed.
func Mark(o engine.OfferCoverage) string {
	var m string
	switch o.Availability {
	case "available":
		m = "A"
	case "not_available":
		m = "N"
	default:
		return "."
	}
	if o.Confidence != "" {
		m += o.Confidence[:1]
	}
	if o.Stale {
		m += "*"
	}
	if len(o.Disputed) > 0 {
		m += "!"
	}
	return m
}

// Translations writes, per language, how many messages and file texts are translated and
// how many of those a person has reviewed.
func Translations(w io.Writer, ts []messages.Coverage) {
	for _, t := range ts {
		fmt.Fprintf(w, "translations %-3s %-11s messages %d/%d translated, %d reviewed; texts %d/%d translated, %d reviewed\n", t.Language, truncate(t.Name, 11),
			t.Messages.Translated, t.Messages.Total, t.Messages.Reviewed, t.Texts.Translated, t.Texts.Total, t.Texts.Reviewed)
	}
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

//go:embed coverage.html.tmpl
var files embed.FS

var page = template.Must(template.New("coverage.html.tmpl").Funcs(template.FuncMap{
	"numberTypes": func() []string { return engine.NumberTypes },
	"uses":        func() []string { return engine.Uses },
	"words":       func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"join":        strings.Join,
}).ParseFS(files, "coverage.html.tmpl"))

// HTML writes the matrix as one self-contained page.
func HTML(w io.Writer, c *engine.Coverage) error {
	return page.Execute(w, c)
}
