package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// apiAnswer is the API's answer to one in-process call.
type apiAnswer struct {
	Status int
	Body   []byte
}

// OK says whether the call succeeded.
func (a *apiAnswer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// decode reads the answer into v.
func (a *apiAnswer) decode(v any) error {
	if err := json.Unmarshal(a.Body, v); err != nil {
		return fmt.Errorf("reading the API's answer (HTTP %d): %w", a.Status, err)
	}
	return nil
}

// apiError is the API's one error shape.
type apiError struct {
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Details []errorDetail `json:"details"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

// Position is file:line:column, as numgate check prints it.
func (d errorDetail) Position() string {
	if d.Line == 0 {
		return d.File
	}
	return fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Column)
}

// Error reads an unsuccessful answer's error.
func (a *apiAnswer) Error() *apiError {
	var body struct {
		Error apiError `json:"error"`
	}
	if err := json.Unmarshal(a.Body, &body); err != nil || body.Error.Code == "" {
		return &apiError{Code: "unexpected_answer", Message: fmt.Sprintf("the API answered HTTP %d: %s", a.Status, strings.TrimSpace(string(a.Body)))}
	}
	return &body.Error
}

// call makes one API request in-process on behalf of the visitor: with its session's
// token (or its own Authorization header, or client certificate), in the language it
// chose, in the context of the console's request.
func (c *Console) call(r *http.Request, v *visit, method, target string, body []byte) *apiAnswer {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(r.Context(), method, target, rd)
	if err != nil {
		return &apiAnswer{Status: http.StatusInternalServerError,
			Body: []byte(`{"error":{"code":"internal","message":"the console built a bad request: ` + jsonEscape(err.Error()) + `"}}`)}
	}
	req.RemoteAddr, req.TLS, req.Host = r.RemoteAddr, r.TLS, r.Host
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case v.header != "":
		req.Header.Set("Authorization", v.header)
	case v.token != "":
		req.Header.Set("Authorization", "Bearer "+v.token)
	}
	if lang := v.acceptLanguage(r); lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	rec := &recorder{header: http.Header{}}
	c.api.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &apiAnswer{Status: rec.status, Body: rec.body.Bytes()}
}

// acceptLanguage is what the API is asked to answer in: the language chosen in the
// console, or else the browser's own preference.
func (v *visit) acceptLanguage(r *http.Request) string {
	if v.lang != "" {
		return v.lang
	}
	return r.Header.Get("Accept-Language")
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// recorder keeps an in-process answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
