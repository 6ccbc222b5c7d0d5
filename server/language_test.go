package server

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// The language of an answer: Accept-Language (q-values) or lang choose it, the answer
// says it in Content-Language and its language field, and a language numgate has no
// messages in is English.

func (ts *testServer) doIn(t *testing.T, method, target, acceptLanguage, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

// messagesOf collects every "message" string of an answer, with its JSON path.
func messagesOf(v any, path string, into map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && (k == "message" || k == "invalid_message" || k == "label") {
				into[path+"/"+k] = s
				continue
			}
			messagesOf(e, path+"/"+k, into)
		}
	case []any:
		for i, e := range x {
			messagesOf(e, path+"/"+string(rune('0'+i%10)), into)
		}
	}
}

func TestGermanRequestForAGermanNumberIsAnsweredInGerman(t *testing.T) {
	ts := newTestServer(t)
	de, err := os.ReadFile("../testdata/requests/de-local-business.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ method, target, body string }{
		{"POST", "/v1/decisions/activation", string(de)},
		{"POST", "/v1/decisions/activation", `{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business"}}`},
		{"POST", "/v1/decisions/activation", `{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"personal"}}`},
		{"GET", "/v1/requirements/DE/local?use=business", ""},
		{"GET", "/v1/requirements/DE/national?use=personal", ""},
		{"GET", "/v1/requirements?number=%2B4930901820&use=business", ""},
		{"POST", "/v1/decisions/contact-verification", `{"channel":"sms","phone":"030 901820","default_region":"DE"}`},
	} {
		german := ts.doIn(t, q.method, q.target, "de-DE,de;q=0.9,en;q=0.5", q.body)
		english := ts.doIn(t, q.method, q.target, "en", q.body)
		if german.Code != 200 || english.Code != 200 {
			t.Fatalf("%s %s: %d, %d\n%s", q.method, q.target, german.Code, english.Code, german.Body)
		}
		if cl := german.Header().Get("Content-Language"); cl != "de" {
			t.Errorf("%s %s: Content-Language %q, want de", q.method, q.target, cl)
		}
		if v := german.Header().Get("Vary"); !strings.Contains(v, "Accept-Language") {
			t.Errorf("%s %s: Vary %q, want Accept-Language", q.method, q.target, v)
		}
		g, e := decode(t, german), decode(t, english)
		if g["language"] != "de" || e["language"] != "en" {
			t.Errorf("%s %s: language %v and %v, want de and en", q.method, q.target, g["language"], e["language"])
		}
		gm, em := map[string]string{}, map[string]string{}
		messagesOf(g, "", gm)
		messagesOf(e, "", em)
		if len(gm) == 0 || len(gm) != len(em) {
			t.Errorf("%s %s: %d German messages, %d English", q.method, q.target, len(gm), len(em))
		}
		for path, text := range gm {
			if text == em[path] && !sameInGerman[text] {
				t.Errorf("%s %s: %s is not German: %q", q.method, q.target, path, text)
			}
		}
	}
}

// sameInGerman are the words German writes as English does.
var sameInGerman = map[string]bool{"SMS": true, "Website": true}

func TestLanguageNegotiation(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct {
		target, accept string
		status         int
		want           string
	}{
		{"/v1/requirements/DE/local?use=business", "ja-JP,ja;q=0.9", 200, "en"},
		{"/v1/requirements/DE/local?use=business", "", 200, "en"},
		{"/v1/requirements/DE/local?use=business", "fr-CH, de;q=0.5", 200, "fr"},
		{"/v1/requirements/DE/local?use=business&lang=pl", "de-DE", 200, "pl"},
		{"/v1/requirements/DE/local?use=business&lang=pt-BR", "", 200, "pt"},
		{"/v1/requirements/DE/local?use=business&lang=ja", "de", 200, "en"},
		{"/v1/requirements/DE/local?use=business", "de;q=0, sv;q=0.4", 200, "sv"},
		{"/v1/requirements/DE/local?use=business&lang=not%20a%20tag", "", 400, ""},
	} {
		rec := ts.doIn(t, "GET", tc.target, tc.accept, "")
		if rec.Code != tc.status {
			t.Errorf("%s (Accept-Language %q): %d, want %d\n%s", tc.target, tc.accept, rec.Code, tc.status, rec.Body)
			continue
		}
		body := decode(t, rec)
		if tc.status != 200 {
			if errObj, _ := body["error"].(map[string]any); errObj["code"] != "invalid_parameter" {
				t.Errorf("%s: %v, want invalid_parameter", tc.target, body)
			}
			continue
		}
		if cl := rec.Header().Get("Content-Language"); cl != tc.want || body["language"] != tc.want {
			t.Errorf("%s (Accept-Language %q): Content-Language %q, language %v; want %s", tc.target, tc.accept, cl, body["language"], tc.want)
		}
	}
}
