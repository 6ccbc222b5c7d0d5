// Package badinput reads the hostile request corpus (testdata/badinput/requests.yaml):
// malformed and hostile requests, each with the status and error code it must get. The
// server sends them to a real listener; the engine replays their bodies.
package badinput

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// Request is one entry of the corpus.
type Request struct {
	Name        string            `yaml:"name"`
	Method      string            `yaml:"method"`
	Path        string            `yaml:"path"`
	ContentType string            `yaml:"content_type"`
	Headers     map[string]string `yaml:"headers"`
	Body        *string           `yaml:"body"`        // sent as is
	BodyBase64  string            `yaml:"body_base64"` // bytes that are not text
	Repeat      *struct {
		Text  string `yaml:"text"`
		Times int    `yaml:"times"`
		Then  string `yaml:"then"`
	} `yaml:"repeat"` // appends Text Times times, then Then
	Raw        string `yaml:"raw"` // the whole request, sent on a TCP connection
	WantStatus int    `yaml:"want_status"`
	WantCode   string `yaml:"want_code"`
}

// Load reads the corpus file; an unknown key is an error, so a typo cannot drop a check.
func Load(path string) ([]Request, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var corpus struct {
		Description string    `yaml:"description"`
		Requests    []Request `yaml:"requests"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&corpus); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return corpus.Requests, nil
}

// HasBody says whether the request carries a body (and so a Content-Length).
func (r Request) HasBody() bool { return r.Body != nil || r.BodyBase64 != "" || r.Repeat != nil }

// BodyBytes builds the request's body.
func (r Request) BodyBytes() ([]byte, error) {
	var body []byte
	switch {
	case r.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(r.BodyBase64)
		if err != nil {
			return nil, fmt.Errorf("%s: body_base64: %w", r.Name, err)
		}
		body = b
	case r.Body != nil:
		body = []byte(*r.Body)
	}
	if rp := r.Repeat; rp != nil {
		body = append(append(body, bytes.Repeat([]byte(rp.Text), rp.Times)...), rp.Then...)
	}
	return body, nil
}
