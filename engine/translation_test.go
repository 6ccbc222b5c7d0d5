package engine_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
)

// The catalogue checks that run with go test (make test): every decision case and every
// offer's requirements render in every language without a missing placeholder or an
// unknown message; a German number is answered wholly in German.

func TestEveryCaseRendersInEveryLanguage(t *testing.T) {
	snap := loadRepo(t)
	ctx := context.Background()
	all, err := cases.Load(os.DirFS("../testdata"), "cases")
	if err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, l := range snap.Languages() {
		for _, c := range all {
			if c.Expect.Error != "" {
				continue
			}
			body, err := c.Body()
			if err != nil {
				t.Fatal(err)
			}
			rep, err := snap.CheckDecision(ctx, l.Code, c.Kind, body)
			if err != nil {
				t.Errorf("%s (%s): %v", c.File, l.Code, err)
				continue
			}
			if len(rep.Problems) > 0 {
				t.Errorf("%s (%s): %s", c.File, l.Code, strings.Join(rep.Problems, "; "))
			}
			decided++
		}
		for _, country := range snap.Countries() {
			for numberType, uses := range country.Numbers {
				for use := range uses {
					rep, err := snap.CheckRequirements(ctx, engine.RequirementsQuery{Country: country.Country, NumberType: numberType, Use: use, Language: l.Code})
					if err != nil {
						t.Errorf("requirements %s %s %s (%s): %v", country.Country, numberType, use, l.Code, err)
					} else if len(rep.Problems) > 0 {
						t.Errorf("requirements %s %s %s (%s): %s", country.Country, numberType, use, l.Code, strings.Join(rep.Problems, "; "))
					}
				}
			}
		}
	}
	if len(snap.Languages()) < 9 || decided < 9*400 {
		t.Errorf("rendered %d decisions in %d languages, expected the nine languages and every case", decided, len(snap.Languages()))
	}
}

// TestGermanNumberAnswersInGerman: every message of every German decision case and of
// every German offer's requirements is German, none an English fallback.
func TestGermanNumberAnswersInGerman(t *testing.T) {
	snap := loadRepo(t)
	ctx := context.Background()
	all, err := cases.Load(os.DirFS("../testdata"), "cases")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range all {
		if !strings.HasPrefix(c.File, "cases/DE/") || c.Expect.Error != "" {
			continue
		}
		body, _ := c.Body()
		rep, err := snap.CheckDecision(ctx, "de", c.Kind, body)
		if err != nil {
			t.Fatalf("%s: %v", c.File, err)
		}
		if len(rep.Problems)+len(rep.Fallbacks) > 0 {
			t.Errorf("%s: written in English for want of German: %v %v", c.File, rep.Fallbacks, rep.Problems)
		}
		n++
	}
	de, _ := snap.Country("DE")
	for numberType, uses := range de.Numbers {
		for use := range uses {
			rep, err := snap.CheckRequirements(ctx, engine.RequirementsQuery{Country: "DE", NumberType: numberType, Use: use, Language: "de"})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems)+len(rep.Fallbacks) > 0 {
				t.Errorf("requirements DE %s %s: written in English for want of German: %v %v", numberType, use, rep.Fallbacks, rep.Problems)
			}
			n++
		}
	}
	if n < 10 {
		t.Errorf("checked %d German answers, expected the DE cases and offers", n)
	}
}

// TestMessagesInTheLanguage: plurals, dates and terms as the language writes them, the
// English unchanged, a language not on file answered in English.
func TestMessagesInTheLanguage(t *testing.T) {
	snap := loadRepo(t)
	ctx := context.Background()
	all, err := cases.Load(os.DirFS("../testdata"), "cases")
	if err != nil {
		t.Fatal(err)
	}
	var tooOld string // a bill issued on 2026-08-01, more than 3 months before 2026-11-25
	for _, c := range all {
		if c.File == "cases/rules/gb-local-personal-bill-too-old.yaml" {
			body, _ := c.Body()
			tooOld = string(body)
		}
	}
	for _, tc := range []struct {
		lang, body, want string
	}{
		{"en", tooOld, "Document bill was issued on 2026-08-01, more than 3 months ago; upload one issued on or after 2026-08-25."},
		{"de", tooOld, "Dokument bill wurde am 1. August 2026 ausgestellt; das liegt mehr als 3 Monate zurück. Laden Sie ein Dokument hoch, das am 25. August 2026 oder später ausgestellt wurde."},
		{"pl", tooOld, "Dokument bill został wydany 1 sierpnia 2026, czyli dawniej niż 3 miesiące temu; prześlij dokument wydany 25 sierpnia 2026 lub później."},
		{"fr", tooOld, "Le document bill a été délivré le 1 août 2026, il y a plus de 3 mois ; téléversez-en un délivré le 25 août 2026 ou après."},
	} {
		d, err := snap.DecideIn(ctx, tc.lang, engine.KindActivation, []byte(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		if d.Head().Language != tc.lang {
			t.Errorf("%s: the answer says language %q", tc.lang, d.Head().Language)
		}
		found := false
		for _, r := range d.Head().Reasons {
			found = found || strings.HasPrefix(r.Message, tc.want)
		}
		if !found {
			t.Errorf("%s: no reason begins %q in %+v", tc.lang, tc.want, d.Head().Reasons)
		}
	}
	for _, tc := range []struct{ param, accept, want string }{
		{"", "de-DE,de;q=0.9,en;q=0.8", "de"},
		{"", "ja-JP", "en"},
		{"pt-BR", "de", "pt"},
		{"", "sv-FI, fi;q=0.9", "sv"},
	} {
		got, err := snap.Language(tc.param, tc.accept)
		if err != nil || got != tc.want {
			t.Errorf("Language(%q, %q) = %q, %v; want %q", tc.param, tc.accept, got, err, tc.want)
		}
	}
	if _, err := snap.Language("12", ""); err == nil {
		t.Error("an invalid lang was accepted")
	}

	// What an end user typed is refused in their language too.
	for _, tc := range []struct{ lang, want string }{
		{"en", "the phone has letters (O); type digits only (an O or an l is not a 0 or a 1), or send allow_letters: true for a vanity number"},
		{"de", "die Telefonnummer enthält Buchstaben (O); geben Sie nur Ziffern ein (ein O oder ein l ist keine 0 oder 1) oder senden Sie allow_letters: true für eine Vanity-Nummer"},
	} {
		_, err := snap.DecideIn(ctx, tc.lang, engine.KindContactVerification, []byte(`{"channel":"sms","phone":"030 9O1820","default_region":"DE"}`))
		var ie *engine.InputError
		if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Message != tc.want {
			t.Errorf("%s: %v, want the problem %q", tc.lang, err, tc.want)
		}
	}
}
