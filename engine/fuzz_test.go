package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
)

// The fuzz targets: whatever bytes arrive, a decoder answers with a decision or an
// *InputError, never a panic or another error, and the decision from the query plan is
// exactly the one OPA's evaluator gives; the loader answers with a snapshot or
// Diagnostics. Seeds come from the repository's own requests and decision cases.
// CI runs each briefly (make fuzz); a crasher the fuzzer finds is kept under
// testdata/fuzz/ and so becomes a regression test of plain `go test`.

func seedRequests(f *testing.F, kind engine.Kind) {
	f.Helper()
	_ = filepath.WalkDir("../testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(p, ".json") && kind == engine.KindActivation:
			f.Add(data)
		}
		return nil
	})
	all, err := cases.Load(os.DirFS("../testdata"), "cases")
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range all {
		if body, err := c.Body(); err == nil && c.Kind == kind {
			f.Add(body)
		}
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business","fields":{"a":"1","a":"2"}}}`))
}

func fuzzDecisions(f *testing.F, kind engine.Kind) {
	seedRequests(f, kind)
	snap, topdown := loadRepoAs(f, engine.EvaluatorPlan), loadRepoAs(f, engine.EvaluatorTopdown)
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		got, err := snap.Decide(ctx, kind, body)
		var ie *engine.InputError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("%s: not an input error: %v\nbody: %q", kind, err, body)
		}
		if ie != nil && len(ie.Problems) == 0 {
			t.Fatalf("%s: an input error with no problem", kind)
		}
		if err != nil {
			return
		}
		want, err := topdown.Decide(ctx, kind, body)
		if err != nil {
			t.Fatalf("%s: the plan decided, OPA's evaluator refused: %v\nbody: %q", kind, err, body)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Fatalf("%s: the plan and OPA's evaluator disagree\nplan    %s\ntopdown %s\nbody: %q", kind, g, w, body)
		}
	})
}

func FuzzActivation(f *testing.F) { fuzzDecisions(f, engine.KindActivation) }

func FuzzAccountAction(f *testing.F) { fuzzDecisions(f, engine.KindAccountAction) }

func FuzzContactVerification(f *testing.F) {
	f.Add([]byte(`{"channel":"sms","phone":"+49 (0)30 901820"}`))
	f.Add([]byte(`{"channel":"voice","phone":"(202) 555-0123","default_region":"US"}`))
	fuzzDecisions(f, engine.KindContactVerification)
}

// FuzzPhone: any phone text, with any default region, letters allowed or not, is read to
// one strict E.164 number or refused with a precise code: the JSON is built here so only
// the phone varies.
func FuzzPhone(f *testing.F) {
	for _, p := range []string{"+44 7400 123456", "030 901820", "+49 (0)151-1234-5678", "(202) 555-0123", "+999 1", "０３０ ９０１８２０", "+", "call me",
		"+44\u202f7400\u2009123456\ufeff", "\u202a+44 7400 123456\u202c", "+٤٤ 7400 123456", "+٤٤ ٧٤٠٠ ١٢٣٤٥٦", "+1 800 FLOWERS", "+44 74OO 123456",
		"+44 7400 123456 ext. 12", "+447400123456;ext=12", "07700 900123", "0491 570 156"} {
		f.Add(p, "DE", false)
		f.Add(p, "", true)
	}
	snap := loadRepo(f)
	e164 := regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	f.Fuzz(func(t *testing.T, phone, region string, letters bool) {
		req := map[string]any{"channel": "sms", "phone": phone, "allow_letters": letters}
		if region != "" {
			req["default_region"] = region
		}
		body, _ := json.Marshal(req)
		decision, err := snap.Decide(context.Background(), engine.KindContactVerification, body)
		var ie *engine.InputError
		switch {
		case err != nil && !errors.As(err, &ie):
			t.Fatalf("phone %q region %q: %v", phone, region, err)
		case err == nil && !e164.MatchString(decision.(*engine.ContactDecision).Contact.E164):
			t.Fatalf("phone %q accepted without a strict E.164 form: %+v", phone, decision)
		}
	})
}

// FuzzCountryFile: any bytes as a country file give a snapshot or positioned
// diagnostics.
func FuzzCountryFile(f *testing.F) {
	for _, name := range []string{"DE.yaml", "GB.yaml", "US.yaml"} {
		data, _ := os.ReadFile("../countries/" + name)
		f.Add(data)
	}
	entries, _ := os.ReadDir("../testdata/loader/countries")
	for _, e := range entries {
		data, _ := os.ReadFile("../testdata/loader/countries/" + e.Name())
		f.Add(data)
	}
	base := repoTrees(f)
	catalog, _ := os.ReadFile("../countries/catalog.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		// Only the catalogue beside the fuzzed file: each run stays fast.
		cfg := base
		cfg.Countries.FS = fstest.MapFS{"catalog.yaml": {Data: catalog}, "ZZ.yaml": {Data: data}}
		_, err := engine.Load(context.Background(), cfg)
		var ds engine.Diagnostics
		if err != nil && !errors.As(err, &ds) {
			t.Fatalf("not diagnostics: %v", err)
		}
		for _, d := range ds {
			if d.File == "" || d.Message == "" {
				t.Fatalf("a diagnostic without a file or message: %+v", d)
			}
		}
	})
}
