// Package docs holds numgate's documentation; its tests keep the reference tables and the
// examples true to the code.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// codePatterns find the codes an answer or an error can carry, where the code writes
// them: reasons, next steps, requirement and account-step codes in the Rego; problem and
// error codes in the engine and the server.
var codePatterns = map[string][]*regexp.Regexp{
	".rego": {
		regexp.MustCompile(`"code":\s*"([a-z][a-z0-9_]+)"`),
		regexp.MustCompile(`unmet\(\s*"([a-z][a-z0-9_]+)"`),
		regexp.MustCompile(`"next":\s*"([a-z][a-z0-9_]+)"`),
		regexp.MustCompile(`\bopen\(\s*"[a-z_]+",\s*"([a-z][a-z0-9_]+)"`),
		regexp.MustCompile(`refusal\["([a-z][a-z0-9_]+)"\]`),
		regexp.MustCompile(`"(?:field|address|document)":\s*"([a-z][a-z0-9_]+)"`), // step_codes
	},
	".go": {
		regexp.MustCompile(`\b[Cc]ode:\s*"([a-z][a-z0-9_]+)"`),
		regexp.MustCompile(`writeError\([^"\n]*"([a-z][a-z0-9_]+)"`),
		regexp.MustCompile(`\bbad\("([a-z][a-z0-9_]+)"`),
		regexp.MustCompile(`\bproblem\("([a-z][a-z0-9_]+)"`),
		regexp.MustCompile(`badParameter\{"[a-z_]+"`), // no code of its own: invalid_parameter
		regexp.MustCompile(`code\s*=\s*[^,\n]*,\s*"([a-z][a-z0-9_]+)"`),
		regexp.MustCompile(`return\s+"(invalid_input|unknown_country)"`),
	},
}

// sourceCodes gathers every code the policies, the engine and the server can answer.
func sourceCodes(t *testing.T) map[string]string {
	t.Helper()
	codes := map[string]string{}
	for _, dir := range []string{"../policies", "../engine", "../server"} {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			// The console answers people with pages, not the API's codes.
			if d.IsDir() && filepath.Base(p) == "console" {
				return filepath.SkipDir
			}
			if d.IsDir() || strings.HasSuffix(p, "_test.go") || strings.HasSuffix(p, "_test.rego") {
				return nil
			}
			pats := codePatterns[filepath.Ext(p)]
			if pats == nil || strings.Contains(p, "planeval") {
				return nil
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, re := range pats {
				for _, m := range re.FindAllStringSubmatch(string(src), -1) {
					if len(m) > 1 {
						codes[m[1]] = p
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(codes) < 60 {
		t.Fatalf("only %d codes found in the sources; the patterns no longer match the code", len(codes))
	}
	return codes
}

// tableCodes lists the codes of docs/api.md's code tables: every `code` in the column
// whose header names codes, in each table that has one.
func tableCodes(t *testing.T, doc string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	cell := regexp.MustCompile("`([a-z][a-z0-9_]+)`")
	lines := strings.Split(doc, "\n")
	column := -1 // the code column of the table being read
	for i, line := range lines {
		if !strings.HasPrefix(line, "|") {
			column = -1
			continue
		}
		cells := strings.Split(line, "|")
		header := i+1 < len(lines) && strings.HasPrefix(strings.ReplaceAll(lines[i+1], " ", ""), "|---")
		switch {
		case header:
			column = -1
			for j, c := range cells {
				if strings.Contains(strings.ToLower(c), "code") && !strings.Contains(c, "`") {
					column = j
					break
				}
			}
		case column > 0 && column < len(cells) && !strings.HasPrefix(strings.ReplaceAll(line, " ", ""), "|---"):
			for _, m := range cell.FindAllStringSubmatch(cells[column], -1) {
				out[m[1]] = true
			}
		}
	}
	return out
}

// TestReferenceTablesCannotDrift: every code the policies, the engine or the server can
// answer is documented in docs/api.md and named in the contract (server/openapi.json);
// every code of docs/api.md's code tables is one the code can answer.
func TestReferenceTablesCannotDrift(t *testing.T) {
	codes := sourceCodes(t)
	api, err := os.ReadFile("api.md")
	if err != nil {
		t.Fatal(err)
	}
	contract, err := os.ReadFile("../server/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var missingDoc, missingContract []string
	for code, where := range codes {
		if !strings.Contains(string(api), "`"+code+"`") {
			missingDoc = append(missingDoc, code+" ("+where+")")
		}
		if !regexp.MustCompile(`\b` + code + `\b`).Match(contract) {
			missingContract = append(missingContract, code+" ("+where+")")
		}
	}
	sort.Strings(missingDoc)
	sort.Strings(missingContract)
	for _, c := range missingDoc {
		t.Errorf("code %s is not documented in docs/api.md", c)
	}
	for _, c := range missingContract {
		t.Errorf("code %s is not named in server/openapi.json", c)
	}
	for code := range tableCodes(t, string(api)) {
		if _, ok := codes[code]; !ok {
			t.Errorf("docs/api.md lists code %s in a code table, but no policy or code answers it", code)
		}
	}
}
