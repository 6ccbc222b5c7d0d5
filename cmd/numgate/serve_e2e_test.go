package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	numgateclient "github.com/numgate/numgate/client"
)

// TestServeEndToEnd builds the real binary, serves a copy of the repository's policy tree
// on a loopback port, calls every endpoint, edits a country file and sees the new
// revision, breaks it and sees the old revision keep serving, then stops it with SIGTERM.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "numgate")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tree := range []string{"countries", "policies"} {
		if err := os.CopyFS(filepath.Join(dir, tree), os.DirFS(filepath.Join("../..", tree))); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--decision-log", "sqlite:"+filepath.Join(dir, "log", "decisions.db"),
		"--countries", filepath.Join(dir, "countries"), "--policies", filepath.Join(dir, "policies"))
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
	})
	logs := &syncBuffer{}
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		listening := regexp.MustCompile(`"addr":"([^"]+)".*"message":"listening`)
		for sc.Scan() {
			logs.WriteLine(sc.Text())
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addrCh <- m[1]
			}
		}
		exited <- cmd.Wait()
	}()
	var base string
	select {
	case a := <-addrCh:
		base = "http://" + a
	case <-time.After(20 * time.Second):
		t.Fatalf("the server did not start:\n%s", logs)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("listening on %s, want loopback", base)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	waitFor(t, func() bool { code, _ := call(t, client, "GET", base+"/readyz", ""); return code == 200 }, "ready")

	get := func(path string) (int, map[string]any) { return call(t, client, "GET", base+path, "") }
	post := func(path, body string) (int, map[string]any) { return call(t, client, "POST", base+path, body) }
	expect := func(what string, code, want int, body map[string]any) {
		t.Helper()
		if code != want {
			t.Errorf("%s: status %d, want %d: %v", what, code, want, body)
		}
	}

	code, health := get("/healthz")
	expect("healthz", code, 200, health)
	code, body := get("/v1/countries")
	expect("countries", code, 200, body)
	if n := len(body["countries"].([]any)); n < 15 {
		t.Errorf("%d countries", n)
	}
	code, body = get("/v1/countries/DE")
	expect("country", code, 200, body)
	// The generated client (package client) on the live server: typed requests and
	// answers, as a Go caller would use numgate.
	api, err := numgateclient.NewClientWithResponses(base, numgateclient.WithHTTPClient(client))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req, err := api.GetRequirementsWithResponse(ctx, "DE", numgateclient.GetRequirementsParamsNumberTypeLocal, &numgateclient.GetRequirementsParams{Use: numgateclient.GetRequirementsParamsUseBusiness})
	if err != nil || req.JSON200 == nil || len(req.JSON200.Requirements) == 0 {
		t.Errorf("requirements through the client: %v %s", err, req.Body)
	}
	byNumber, err := api.GetRequirementsForNumberWithResponse(ctx, &numgateclient.GetRequirementsForNumberParams{Number: "+442079460000", Use: numgateclient.GetRequirementsForNumberParamsUsePersonal})
	if err != nil || byNumber.JSON200 == nil || len(byNumber.JSON200.Candidates) == 0 || byNumber.JSON200.Candidates[0].Country != "GB" {
		t.Errorf("requirements by number through the client: %v %s", err, byNumber.Body)
	}
	de, _ := os.ReadFile("../../testdata/requests/de-local-business.json")
	german := "de-DE, en;q=0.5"
	decided, err := api.DecideActivationWithBodyWithResponse(ctx, &numgateclient.DecideActivationParams{AcceptLanguage: &german}, "application/json", bytes.NewReader(de))
	if err != nil || decided.JSON200 == nil {
		t.Fatalf("activation through the client: %v %s", err, decided.Body)
	}
	if decided.JSON200.Language != "de" || decided.HTTPResponse.Header.Get("Content-Language") != "de" {
		t.Errorf("activation asked for in German answers in %q (Content-Language %q)", decided.JSON200.Language, decided.HTTPResponse.Header.Get("Content-Language"))
	}
	activation := decided.JSON200
	first := activation.PolicyRevision
	if activation.Status != numgateclient.ActivationDecisionStatusIncomplete || activation.DecisionId == "" || activation.Allow || len(activation.Reasons) == 0 {
		t.Errorf("activation: %+v", activation)
	}
	code, body = get("/v1/decisions/" + activation.DecisionId)
	expect("the logged decision", code, 200, body)
	if body["kind"] != "activation" || strings.Contains(fmt.Sprint(body["input"]), "Lovelace") {
		t.Errorf("logged decision: %v", body)
	}
	code, body = post("/v1/data/numgate/requirements/result", `{"input":{"country":"US","number_type":"local","use":"personal"}}`)
	expect("data", code, 200, body)
	code, body = get("/v1/policy")
	expect("policy", code, 200, body)
	code, body = post("/v1/policy/reload", "")
	expect("reload", code, 200, body)
	code, body = get("/nope")
	expect("not found", code, 404, body)
	resp, err := client.Get(base + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("metrics: %v", err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `numgate_decisions_total{country="DE",kind="activation",status="incomplete"} 1`) || !strings.Contains(string(metrics), "go_goroutines") {
		t.Errorf("metrics lack the decision or Go runtime metrics")
	}
	if !regexp.MustCompile(`numgate_build_info\{commit="[^"]+",go_version="go1\.[^"]+",opa_version="v1\.[^"]+",version="[^"]+"\} 1`).Match(metrics) {
		t.Errorf("metrics lack numgate_build_info")
	}
	resp, err = client.Get(base + "/openapi.json")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("openapi: %v", err)
	}
	resp.Body.Close()
	// The web console is on the same listener, with nothing more to set up.
	resp, err = client.Get(base + "/console/")
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `id="matrix"`) {
		t.Errorf("console: status %d, no coverage matrix", resp.StatusCode)
	}

	// A valid edit on disk is picked up by the file watcher.
	countryFile := filepath.Join(dir, "countries", "US.yaml")
	orig, _ := os.ReadFile(countryFile)
	_ = os.WriteFile(countryFile, append(orig, []byte("\n# edited while serving\n")...), 0o644)
	var second string
	waitFor(t, func() bool {
		_, st := get("/v1/policy")
		second, _ = st["revision"].(string)
		return second != "" && second != first
	}, "the edited revision")

	// A broken edit is refused; the last good revision keeps serving.
	_ = os.WriteFile(countryFile, bytes.Replace(orig, []byte("available: true"), []byte("available: maybe"), 1), 0o644)
	waitFor(t, func() bool {
		_, st := get("/v1/policy")
		last, _ := st["last_reload"].(map[string]any)
		return last != nil && last["ok"] == false
	}, "the broken edit to be refused")
	_, st := get("/v1/policy")
	diags := st["last_reload"].(map[string]any)["diagnostics"].([]any)
	if st["revision"] != second || !strings.Contains(diags[0].(map[string]any)["file"].(string), "US.yaml") {
		t.Errorf("after a broken edit: %v", st)
	}
	code, body = post("/v1/decisions/activation", `{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"business"}}`)
	if code != 200 || body["policy_revision"] != second || body["status"] != "active" {
		t.Errorf("after a broken edit the service answers %d %v", code, body)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("a broken edit took readiness away")
	}

	// SIGHUP reloads too (still refused: the file is still broken).
	_ = cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, func() bool {
		_, st := get("/v1/policy")
		last, _ := st["last_reload"].(map[string]any)
		return last != nil && last["trigger"] == "sighup"
	}, "a reload on SIGHUP")

	// SIGTERM drains and exits 0.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop within 20s of SIGTERM")
	}
	if !strings.Contains(logs.String(), `"message":"stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", logs)
	}
	checkLogUnits(t, logs.String())
}

// logCounts are the numeric log fields that count things and so need no unit.
var logCounts = map[string]bool{"status": true, "files": true, "problems": true, "records": true}

// logUnit is the suffix a numeric log field that measures something carries.
var logUnit = regexp.MustCompile(`(_ms|_us|_seconds|_hours|_bytes|^bytes)$`)

// checkLogUnits: every number in the server's JSON log lines is a count or names its
// unit (took_ms, not took).
func checkLogUnits(t *testing.T, logs string) {
	t.Helper()
	fields := 0
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		for k, v := range m {
			if _, isNumber := v.(float64); !isNumber || logCounts[k] {
				continue
			}
			fields++
			if !logUnit.MatchString(k) {
				t.Errorf("log field %q = %v has no unit in its name: %s", k, v, line)
			}
		}
	}
	if fields == 0 {
		t.Error("no measured log field was checked")
	}
}

func call(t *testing.T, c *http.Client, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// syncBuffer collects the server's log lines from another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) WriteLine(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s + "\n")
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
