package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
)

// stockOPA finds the stock opa binary (make installs it with go install); without it the
// test skips, except under CI=true.
func stockOPA(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("OPA"); p != "" {
		return p
	}
	if p, err := exec.LookPath("opa"); err == nil {
		return p
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	if p := filepath.Join(string(bytes.TrimSpace(gopath)), "bin", "opa"); fileExists(p) {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but the stock opa binary is not installed (make installs it)")
	}
	t.Skip("no stock opa binary")
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestBundleServedByStockOPA writes the repository's tree as a bundle, serves it with the
// stock `opa run --server`, checks every country arrived, and that OPA's Data API answers
// every decision case exactly as numgate's policy does, given the input numgate
// evaluates, and that numgate renders that answer into its own answer.
func TestBundleServedByStockOPA(t *testing.T) {
	opa := stockOPA(t)
	file := filepath.Join(t.TempDir(), "numgate.tar.gz")
	if code, out, errOut := runCLI(t, "", "bundle", "-o", file); code != exitOK {
		t.Fatalf("numgate bundle: exit %d\n%s%s", code, out, errOut)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(opa, "run", "--server", "--addr", addr, "--log-level", "error", "--bundle", file)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr
	waitFor(t, func() bool {
		code, _ := call(t, &http.Client{Timeout: time.Second}, "GET", base+"/health", "")
		return code == 200
	}, "opa")

	ctx := context.Background()
	snap, err := engine.Load(ctx, engine.Config{
		Countries: engine.Tree{FS: os.DirFS("countries"), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS("policies"), Name: "policies"},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, countries := call(t, http.DefaultClient, "GET", base+"/v1/data/countries", "")
	got, _ := countries["result"].(map[string]any)
	for _, c := range snap.Countries() {
		if _, ok := got[c.Country]; !ok {
			t.Errorf("country %s did not arrive in the bundle", c.Country)
		}
	}

	all, err := cases.Load(os.DirFS("testdata"), "cases")
	if err != nil {
		t.Fatal(err)
	}
	// Stock OPA answers with the policies' codes, and messages as ids with parameters;
	// numgate renders them (engine.Snapshot.Answer). Its policy result must be numgate's,
	// and rendered by numgate it must be numgate's answer, in English and in German.
	compared := 0
	for _, c := range all {
		if c.Expect.Error != "" {
			continue
		}
		body, _ := c.Body()
		input, err := snap.PolicyInput(c.Kind, body)
		if err != nil {
			t.Errorf("%s: %v", c.File, err)
			continue
		}
		policyResult, _, err := snap.Query(ctx, "numgate/"+string(c.Kind)+"/decision", input)
		if err != nil {
			t.Errorf("%s: %v", c.File, err)
			continue
		}
		req, _ := json.Marshal(map[string]any{"input": input})
		_, resp := call(t, http.DefaultClient, "POST", base+"/v1/data/numgate/"+string(c.Kind)+"/decision", string(req))
		if !reflect.DeepEqual(resp["result"], plainJSON(t, policyResult)) {
			t.Errorf("%s: stock OPA decided\n%v\nnumgate's policy decided\n%v", c.File, resp["result"], plainJSON(t, policyResult))
			continue
		}
		for _, lang := range []string{"en", "de"} {
			d, err := snap.DecideIn(ctx, lang, c.Kind, body)
			if err != nil {
				t.Errorf("%s: %v", c.File, err)
				continue
			}
			want := plainJSON(t, d).(map[string]any)
			delete(want, "decision_id")
			delete(want, "policy_revision")
			rendered, err := snap.Answer(c.Kind, numbersExact(t, resp["result"]), lang)
			if err != nil {
				t.Errorf("%s: %v", c.File, err)
				continue
			}
			got := plainJSON(t, rendered).(map[string]any)
			delete(got, "decision_id")
			delete(got, "policy_revision")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (%s): stock OPA's result rendered by numgate\n%v\nnumgate decided\n%v", c.File, lang, got, want)
			}
		}
		compared++
	}
	if compared < 100 {
		t.Errorf("compared %d decision cases, expected over 100", compared)
	}
	t.Logf("%d decision cases of every kind decided identically by the stock OPA server from the bundle", compared)
}

// plainJSON is v as encoding/json decodes it into any: what a JSON answer holds.
func plainJSON(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// numbersExact re-reads a decoded JSON value with its numbers as json.Number, as the
// engine takes a policy's result.
func numbersExact(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSignedBundle: a bundle signed with an RSA key is accepted by the stock OPA server
// with the public key, and refused with another.
func TestSignedBundle(t *testing.T) {
	opa := stockOPA(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	writePEM := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
		return p
	}
	priv := writePEM("key.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub := writePEM("pub.pem", "PUBLIC KEY", pubDER)
	otherDER, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
	wrong := writePEM("other.pem", "PUBLIC KEY", otherDER)
	file := filepath.Join(dir, "signed.tar.gz")
	if code, out, errOut := runCLI(t, "", "bundle", "-o", file, "--signing-key", priv); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	serves := func(verificationKey string) bool {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		cmd := exec.Command(opa, "run", "--server", "--addr", addr, "--log-level", "error", "--verification-key", verificationKey, "--bundle", file)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		defer func() { _ = cmd.Process.Kill(); <-exited }()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if code, _ := call(t, &http.Client{Timeout: time.Second}, "GET", "http://"+addr+"/v1/data/countries/DE/name", ""); code == 200 {
				return true
			}
			select {
			case <-exited:
				return false // OPA refused the bundle and stopped
			case <-time.After(100 * time.Millisecond):
			}
		}
		return false
	}
	if !serves(pub) {
		t.Error("the stock OPA server did not serve the signed bundle with its public key")
	}
	if serves(wrong) {
		t.Error("the stock OPA server served the bundle with another key")
	}

	// numgate serves the same signed bundle with the public key, and refuses it, and an
	// unsigned one, with the wrong key or where a key is required.
	_, base := startServe(t, bin, "--decision-log", "off", "--bundle", file, "--bundle-verification-key", pub)
	if code, body := call(t, &http.Client{Timeout: 5 * time.Second}, "GET", base+"/v1/countries/DE", ""); code != 200 {
		t.Errorf("numgate serving the signed bundle: %d %v", code, body)
	}
	unsigned := filepath.Join(dir, "unsigned.tar.gz")
	if code, out, errOut := runCLI(t, "", "bundle", "-o", unsigned); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, tc := range []struct{ bundle, key string }{{file, wrong}, {unsigned, pub}} {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--decision-log", "off", "--bundle", tc.bundle, "--bundle-verification-key", tc.key)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitFailed || !strings.Contains(string(out), "signature") {
			t.Errorf("numgate serve --bundle %s --bundle-verification-key %s: %v\n%s", filepath.Base(tc.bundle), filepath.Base(tc.key), err, out)
		}
	}
}
