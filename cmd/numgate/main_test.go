package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runCLI runs numgate from the repository root, as a user of a fresh clone would.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(repoRoot(t))
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// repoRoot is the directory holding go.mod, above the working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for !fileExists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
	return dir
}

func TestCheckClean(t *testing.T) {
	code, out, errOut := runCLI(t, "", "check")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !regexp.MustCompile(`^ok: \d+ countries, \d+ files, revision sha256:[0-9a-f]{64} \(.*\)\n` +
		`activation: plan\naccount_action: plan\ncontact_verification: plan\nrequirements: plan\n` +
		`coverage: \d+ countries; offers \d+ available, \d+ not available, \d+ unknown; \d+ stale \(over 180 days\), \d+ disputed\n` +
		`translations en  English +messages (\d+)/(\d+) translated, \d+ reviewed; texts \d+/\d+ translated, \d+ reviewed\n` +
		`(translations [a-z]{2,3} +\S+ +messages \d+/\d+ translated, \d+ reviewed; texts \d+/\d+ translated, \d+ reviewed\n){8,}` +
		`(countries/[A-Z]{2}\.yaml:\d+:\d+: warning: .*\n)*$`).MatchString(out) {
		t.Errorf("summary and evaluator lines %q", out)
	}
}

// --evaluator works on the commands that decide as on serve: OPA's evaluator decides
// the same, and check says it is in use; a name that is not an evaluator is a usage error.
func TestEvaluatorFlag(t *testing.T) {
	body := `{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business"}}`
	_, plan, _ := runCLI(t, body, "eval", "--now", "2026-11-25T12:00:00Z", "-")
	code, topdown, errOut := runCLI(t, body, "eval", "--evaluator", "topdown", "--now", "2026-11-25T12:00:00Z", "-")
	strip := regexp.MustCompile(`"decision_id": "[^"]*"`)
	if code != exitOK || strip.ReplaceAllString(plan, "") != strip.ReplaceAllString(topdown, "") {
		t.Errorf("eval --evaluator topdown: exit %d, %s\n%s\nwant the plan's decision:\n%s", code, errOut, topdown, plan)
	}
	if code, out, _ := runCLI(t, "", "check", "--evaluator", "topdown"); code != exitOK || !strings.Contains(out, "activation: topdown (configured: --evaluator topdown)") {
		t.Errorf("check --evaluator topdown: exit %d\n%s", code, out)
	}
	for _, cmd := range []string{"check", "eval", "test", "diff", "impact"} {
		if code, _, errOut := runCLI(t, "", cmd, "--evaluator", "fast"); code != exitUsage || !strings.Contains(errOut, `evaluator "fast" is not one of plan, topdown`) {
			t.Errorf("%s --evaluator fast: exit %d, want %d\n%s", cmd, code, exitUsage, errOut)
		}
	}
}

func TestCheckBrokenCountry(t *testing.T) {
	dir := t.TempDir()
	entries, _ := os.ReadDir("../../countries")
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join("../../countries", e.Name()))
		if e.Name() == "DE.yaml" {
			data = bytes.Replace(data, []byte("scope: local_area"), []byte("scope: nearby"), 1)
		}
		_ = os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644)
	}
	code, out, errOut := runCLI(t, "", "check", "--countries", dir)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFailed, out, errOut)
	}
	if !regexp.MustCompile(`DE\.yaml:\d+:\d+: numbers\.local\.business\.address\.scope: "nearby" is not allowed, expected one of`).MatchString(out) {
		t.Errorf("output lacks the positioned problem:\n%s", out)
	}
	if !strings.Contains(errOut, "1 problem(s) found") {
		t.Errorf("stderr %q", errOut)
	}
}

func TestEvalActivation(t *testing.T) {
	body := `{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business","fields":{"company_name":"Analytical GmbH"}},"account":{"commercial_use":true}}`
	code, out, errOut := runCLI(t, body, "eval", "--kind", "activation", "--now", "2026-11-25T12:00:00Z", "-")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"decision_id", "policy_revision", "allow", "status", "can_route_calls", "requirements", "reasons", "next_step", "kind", "decided_at"} {
		if _, ok := d[k]; !ok {
			t.Errorf("decision lacks %q", k)
		}
	}
	if d["status"] != "incomplete" || d["decided_at"] != "2026-11-25T12:00:00Z" {
		t.Errorf("status %v decided_at %v", d["status"], d["decided_at"])
	}
}

func TestEvalRequirements(t *testing.T) {
	code, out, _ := runCLI(t, `{"country":"GB","number_type":"local","use":"personal"}`, "eval", "--kind", "requirements", "-")
	if code != exitOK || !strings.Contains(out, `"id": "address.proof"`) {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestEvalRefusedInput(t *testing.T) {
	code, out, _ := runCLI(t, `{"number":{"e164":"+4930901820","type":"local","country":"FR"},"identity":{"use":"business"}}`, "eval", "-")
	if code != exitFailed {
		t.Fatalf("exit %d, want %d", code, exitFailed)
	}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Details []struct {
				Code, Pointer string
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.Error.Code != "invalid_input" || e.Error.Details[0].Code != "country_mismatch" || e.Error.Details[0].Pointer != "/number/country" {
		t.Errorf("error output %s (%v)", out, err)
	}
}

func TestTestCommand(t *testing.T) {
	code, out, errOut := runCLI(t, "", "test")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Rego unit tests (policies):", "Rego coverage of the policies:", "Decision cases (testdata/cases):"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^\d+ passed, 0 failed$`).MatchString(out) {
		t.Errorf("no closing count line:\n%s", out)
	}
}

func TestTestCommandFailingCase(t *testing.T) {
	dir := t.TempDir()
	bad := `name: a case that expects the wrong status
now: '2026-11-25T12:00:00Z'
input:
  number: {e164: '+12025550123', type: local}
  identity: {use: business}
expect:
  status: pending
`
	_ = os.WriteFile(filepath.Join(dir, "wrong.yaml"), []byte(bad), 0o644)
	code, out, _ := runCLI(t, "", "test", "--cases", dir)
	if code != exitFailed || !strings.Contains(out, "status: got active, want pending") || !strings.Contains(out, "no decision case for DE local business") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// TestTestCommandUnreadableCase: a case file that is not YAML fails the run; it once
// printed its error and exited 0.
func TestTestCommandUnreadableCase(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("name: x\ndescription: a: b\n"), 0o644)
	code, _, errOut := runCLI(t, "", "test", "--cases", dir)
	if code != exitFailed || !strings.Contains(errOut, "broken.yaml") {
		t.Errorf("exit %d, want %d\n%s", code, exitFailed, errOut)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"check", "--help"}, {"eval", "--help"}, {"test", "--help"}, {"help"}} {
		if code, _, _ := runCLI(t, "", args...); code != exitOK {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	if code, _, _ := runCLI(t, ""); code != exitUsage {
		t.Errorf("no command: exit %d", code)
	}
	if code, _, _ := runCLI(t, "", "frobnicate"); code != exitUsage {
		t.Errorf("unknown command: exit %d", code)
	}
	if code, _, _ := runCLI(t, "", "eval", "--kind", "purchase", "x.json"); code != exitUsage {
		t.Errorf("bad kind: exit %d", code)
	}
}

func TestServeRefusesOpenAddressWithoutTokens(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		code, _, errOut := runCLI(t, "", "serve", "--addr", addr)
		if code != exitUsage || !strings.Contains(errOut, "refusing to listen on "+addr+" without --tokens") {
			t.Errorf("%s: exit %d: %s", addr, code, errOut)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:80", "[::1]:8080", "127.1.2.3:9"} {
		if !isLoopback(addr) {
			t.Errorf("%s is loopback", addr)
		}
	}
}

func TestServeRefusesBadTokensFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens.yaml")
	_ = os.WriteFile(p, []byte("tokens:\n  - name: x\n    sha256: nothex\n    roles: [decide]\n"), 0o600)
	code, _, errOut := runCLI(t, "", "serve", "--addr", "0.0.0.0:0", "--tokens", p)
	if code != exitFailed || !strings.Contains(errOut, "tokens.yaml:2: sha256 is not 64 lower-case hex digits") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestTokenNew(t *testing.T) {
	code, out, _ := runCLI(t, "", "token", "new", "--name", "checkout", "--roles", "decide,audit")
	m := regexp.MustCompile(`(?s)token .*?\n  (ngt_[A-Za-z0-9_-]{43})\n.*sha256: ([0-9a-f]{64})\n    roles: \[decide, audit\]`).FindStringSubmatch(out)
	if code != exitOK || m == nil {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	sum := sha256.Sum256([]byte(m[1]))
	if hex.EncodeToString(sum[:]) != m[2] {
		t.Error("the entry's sha256 is not the token's")
	}
	if code, _, _ := runCLI(t, "", "token", "new", "--name", "x", "--roles", "root"); code != exitUsage {
		t.Errorf("unknown role: exit %d", code)
	}
}

// editedTree copies the repository's countries and policies into a temporary directory
// and applies a replacement to one country file, as compliance staff would edit it.
func editedTree(t *testing.T, file, old, new string) string {
	t.Helper()
	dir := t.TempDir()
	for _, tree := range []string{"countries", "policies"} {
		if err := os.CopyFS(filepath.Join(dir, tree), os.DirFS(filepath.Join(repoRoot(t), tree))); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "countries", file)
	data, _ := os.ReadFile(p)
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	_ = os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644)
	return dir
}

// TestDiffShowsFlippedDecisions: the UK regulator now wants proof of address at most one
// month old; the diff names the decision cases it flips and what appeared.
func TestDiffShowsFlippedDecisions(t *testing.T) {
	head := editedTree(t, "GB.yaml", "max_age: P3M", "max_age: P1M")
	code, out, errOut := runCLI(t, "", "diff", "--base", ".", "--countries", filepath.Join(head, "countries"), "--policies", filepath.Join(head, "policies"))
	if code != exitFailed {
		t.Fatalf("exit %d, want %d (decisions changed)\n%s%s", code, exitFailed, out, errOut)
	}
	for _, want := range []string{
		"GB/local-personal-verified.yaml\n  active, allow true -> incomplete, allow false\n  + address.proof (document_too_old)",
		"GB       local        personal",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "DE/") {
		t.Errorf("a GB edit flipped a German decision:\n%s", out)
	}
	if code, _, _ := runCLI(t, "", "diff", "--base", "."); code != exitOK {
		t.Errorf("no edit: exit %d, want 0", code)
	}
}

// TestImpactListsAffectedDossiers: after the same edit, the approved UK identity whose
// bill is six weeks old must provide a new one; the others are unaffected.
func TestImpactListsAffectedDossiers(t *testing.T) {
	head := editedTree(t, "GB.yaml", "max_age: P3M", "max_age: P1M")
	code, out, _ := runCLI(t, "", "impact", "--dossiers", "testdata/dossiers/approved.yaml",
		"--countries", filepath.Join(head, "countries"), "--policies", filepath.Join(head, "policies"))
	if code != exitFailed || !strings.Contains(out, "3 dossiers, 1 can no longer activate") ||
		!strings.Contains(out, "GB\n  cust-1001 (local personal): incomplete\n    address.proof: Document bill-1 was issued on 2026-10-15") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "", "impact", "--dossiers", "testdata/dossiers/approved.yaml"); code != exitOK || !strings.Contains(out, "0 can no longer activate") {
		t.Errorf("today's policy: exit %d\n%s", code, out)
	}
}

// TestDiffPreviewsADatedChange: a change committed today for 2027-01-01 flips nothing
// now, and flips the US local decisions when previewed at its date.
func TestDiffPreviewsADatedChange(t *testing.T) {
	change, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata/edits/us-local-dated-change.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	head := editedTree(t, "US.yaml", "    business: *us-local\n", string(change))
	args := []string{"diff", "--base", ".", "--countries", filepath.Join(head, "countries"), "--policies", filepath.Join(head, "policies")}
	if code, out, _ := runCLI(t, "", append(args, "--at", "2026-12-31T12:00:00Z")...); code != exitOK {
		t.Errorf("before its date: exit %d\n%s", code, out)
	}
	code, out, _ := runCLI(t, "", append(args, "--at", "2027-01-02T12:00:00Z")...)
	if code != exitFailed || !strings.Contains(out, "US/local-personal-complete.yaml\n  active, allow true -> incomplete, allow false\n  + field.first_name (field_missing)\n  + field.last_name (field_missing)") {
		t.Errorf("at its date: exit %d\n%s", code, out)
	}
}

func TestVersion(t *testing.T) {
	line := regexp.MustCompile(`^numgate \S+, commit \S+.*, go1\.\d+\S*, OPA v1\.\d+\.\d+\n$`)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errOut := runCLI(t, "", args...)
		if code != exitOK || !line.MatchString(out) {
			t.Errorf("%v: exit %d: %q %s", args, code, out, errOut)
		}
	}
	code, out, _ := runCLI(t, "", "version", "--format", "json")
	var v map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &v) != nil || v["go_version"] == "" || v["opa_version"] == "" || v["version"] == "" {
		t.Errorf("exit %d: %s", code, out)
	}
	if code, _, _ := runCLI(t, "", "version", "--format", "xml"); code != exitUsage {
		t.Errorf("--format xml: exit %d", code)
	}
}

func TestRequirementsCommand(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"by offer", []string{"--country", "de", "--type", "local", "--use", "business"}, exitOK, `"id": "field.company_name"`},
		{"flags in any order", []string{"--use", "personal", "--type", "local", "--country", "GB"}, exitOK, `"id": "address.proof"`},
		{"by number", []string{"--number", "+442079460000", "--use", "personal"}, exitOK, `"area_code": "20"`},
		{"at a date", []string{"--country", "US", "--type", "local", "--use", "personal", "--at", "2027-01-02T00:00:00Z"}, exitOK, `"as_of": "2027-01-02"`},
		{"unknown country", []string{"--country", "XX", "--type", "local", "--use", "business"}, exitFailed, `"code": "unknown_country"`},
		{"unknown type and use", []string{"--country", "DE", "--type", "fax", "--use", "x"}, exitFailed, `"code": "unknown_number_type"`},
		{"not a number", []string{"--number", "12345", "--use", "personal"}, exitFailed, `"error"`},
		{"no type", []string{"--country", "DE", "--use", "business"}, exitUsage, ""},
		{"no use", []string{"--number", "+4930901820"}, exitUsage, ""},
		{"a number and its country", []string{"--country", "de", "--number", "+4930901820", "--use", "business"}, exitOK, `"candidates"`},
		{"a number and another country", []string{"--country", "FR", "--number", "+4930901820", "--use", "business"}, exitFailed, `"error"`},
		{"a bad date", []string{"--country", "DE", "--type", "local", "--use", "business", "--at", "tomorrow"}, exitUsage, ""},
		{"an argument", []string{"DE"}, exitUsage, ""},
	} {
		code, out, errOut := runCLI(t, "", append([]string{"requirements"}, tc.args...)...)
		if code != tc.code || !strings.Contains(out, tc.out) {
			t.Errorf("%s: exit %d, want %d\n%s%s", tc.name, code, tc.code, out, errOut)
		}
	}
}

// TestFlagsAfterFile: flags go before or after FILE alike.
func TestFlagsAfterFile(t *testing.T) {
	q := `{"country":"GB","number_type":"local","use":"personal"}`
	for _, args := range [][]string{{"eval", "--kind", "requirements", "-"}, {"eval", "-", "--kind", "requirements"}, {"eval", "-", "--kind=requirements", "--now", "2026-11-25T12:00:00Z"}} {
		if code, out, errOut := runCLI(t, q, args...); code != exitOK || !strings.Contains(out, `"id": "address.proof"`) {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	if code, _, errOut := runCLI(t, q, "eval", "-", "--nope"); code != exitUsage || !strings.Contains(errOut, "flag provided but not defined: -nope") {
		t.Errorf("an unknown flag after FILE: exit %d %s", code, errOut)
	}
}

// TestHelpOneStyle: every command's --help exits 0 and lists its flags one way: long
// flags as --name, no empty defaults.
func TestHelpOneStyle(t *testing.T) {
	singleDashLong := regexp.MustCompile(`(?m)^  -[a-z][a-z-]+`)
	for _, cmd := range [][]string{{"serve"}, {"check"}, {"eval"}, {"test"}, {"requirements"}, {"bundle"}, {"diff"}, {"impact"},
		{"health"}, {"version"}, {"decisions", "export"}, {"token", "new"}} {
		code, out, errOut := runCLI(t, "", append(cmd, "--help")...)
		help := out + errOut
		if code != exitOK || !strings.Contains(help, "Usage: numgate "+strings.Join(cmd, " ")) {
			t.Errorf("%v --help: exit %d\n%s", cmd, code, help)
		}
		if strings.Contains(help, `(default "")`) || strings.Contains(help, "(default 0s)") || strings.Contains(help, "(default false)") {
			t.Errorf("%v --help prints an empty default:\n%s", cmd, help)
		}
		if m := singleDashLong.FindString(help); m != "" {
			t.Errorf("%v --help lists %q with one dash; long flags are --name", cmd, m)
		}
	}
}

// TestCoverageFormats: the matrix as text (with its legend), JSON (as GET /v1/coverage)
// and one HTML page that asks for nothing from another origin.
func TestCoverageFormats(t *testing.T) {
	code, out, errOut := runCLI(t, "", "coverage")
	if code != exitOK || !strings.Contains(out, "Legend: A available") || !strings.Contains(out, "DE   Germany") {
		t.Fatalf("text: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "coverage", "--format", "json", "--stale-after", "10d")
	var cov struct {
		StaleAfterDays int `json:"stale_after_days"`
		Countries      []struct {
			Country string `json:"country"`
		} `json:"countries"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &cov) != nil || cov.StaleAfterDays != 10 || len(cov.Countries) < 60 {
		t.Fatalf("json: exit %d, %+v", code, cov)
	}
	code, out, _ = runCLI(t, "", "coverage", "--format", "html")
	if code != exitOK || !strings.Contains(out, "<table>") || strings.Contains(out, "<script") || strings.Contains(out, "http") {
		t.Errorf("html: exit %d, a page with a table, no script and no other origin expected", code)
	}
	if code, _, _ := runCLI(t, "", "coverage", "--format", "pdf"); code != exitUsage {
		t.Errorf("--format pdf: exit %d, want %d", code, exitUsage)
	}
}

// TestCheckStrictFailsOnWarnings: stale facts and disputed sources are warnings; --strict
// makes them fail.
func TestCheckStrictFailsOnWarnings(t *testing.T) {
	code, out, _ := runCLI(t, "", "check", "--stale-after", "1d")
	if code != exitOK || !strings.Contains(out, ": warning: numbers.") {
		t.Fatalf("exit %d, want warnings and 0\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "", "check", "--stale-after", "1d", "--strict"); code != exitFailed || !strings.Contains(errOut, "--strict fails on warnings") {
		t.Errorf("--strict: exit %d\n%s", code, errOut)
	}
}

// TestServeRefusesLimitsThatMeanNothing: a negative retention would purge the whole
// decision log at the next run, and a zero or negative limit was silently replaced by
// the default; both are refused before the server starts (found by an operator review).
func TestServeRefusesLimitsThatMeanNothing(t *testing.T) {
	for _, args := range [][]string{
		{"--retention", "-1h"},
		{"--eval-timeout", "0"},
		{"--eval-timeout", "-1s"},
		{"--queue-timeout", "0"},
		{"--max-body-bytes", "0"},
		{"--max-concurrent", "-5"},
		{"--read-timeout", "-1s"},
	} {
		code, _, errOut := runCLI(t, "", append([]string{"serve", "--decision-log", "off"}, args...)...)
		if code != exitUsage || !strings.Contains(errOut, args[0]) {
			t.Errorf("serve %v: exit %d, want %d naming the flag\n%s", args, code, exitUsage, errOut)
		}
	}
}
