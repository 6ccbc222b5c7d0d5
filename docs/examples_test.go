package docs

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/server"
	"github.com/numgate/numgate/server/decisionlog"
)

// TestCurlExamplesRun: every curl command in the README and docs/ works against the
// server `make run` starts (the repository's trees, the decision log on, no tokens),
// from the repository's root: each answers 2xx. A decision id in an example stands for
// the id of the last decision an example made.
func TestCurlExamplesRun(t *testing.T) {
	base := startServer(t)
	files, _ := filepath.Glob("*.md")
	files = append(files, "../README.md")
	lastID := ""
	ran := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, cmd := range curlCommands(string(src)) {
			req, err := parseCurl(cmd, base, lastID)
			if err != nil {
				t.Errorf("%s: %q: %v", file, cmd, err)
				continue
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("%s: %q: %v", file, cmd, err)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			ran++
			if resp.StatusCode/100 != 2 {
				t.Errorf("%s: %q: %d %s", file, cmd, resp.StatusCode, body)
				continue
			}
			var answer map[string]any
			if json.Unmarshal(body, &answer) == nil {
				if id, ok := answer["decision_id"].(string); ok && strings.Contains(req.URL.Path, "/v1/decisions/") && req.Method == http.MethodPost {
					lastID = id
				}
				if strings.HasPrefix(req.URL.Path, "/v1/data/") && answer["result"] == nil {
					t.Errorf("%s: %q: the Data API example is undefined (no result): give it an input a rule decides", file, cmd)
				}
			}
		}
	}
	if ran < 15 {
		t.Errorf("only %d curl examples found", ran)
	}
}

// curlCommands finds the curl commands of a document's shell blocks, with their
// continuation lines joined and a leading "$ " prompt dropped.
func curlCommands(doc string) []string {
	var out []string
	inBlock := false
	var cur strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			inBlock = strings.TrimPrefix(line, "```") == "sh"
			continue
		}
		if !inBlock {
			continue
		}
		l := strings.TrimPrefix(strings.TrimSpace(line), "$ ")
		if cur.Len() == 0 && !strings.HasPrefix(l, "curl ") {
			continue
		}
		if i := strings.Index(l, " #"); i >= 0 && cur.Len() == 0 {
			l = l[:i]
		}
		if strings.HasSuffix(l, `\`) {
			cur.WriteString(strings.TrimSuffix(l, `\`) + " ")
			continue
		}
		cur.WriteString(l)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

var (
	shellWords = regexp.MustCompile(`'[^']*'|"[^"]*"|\S+`)
	exampleID  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
)

// parseCurl reads the curl options the docs use (-s, -X, -H, -d, --data @FILE, a URL on
// localhost:8080) into a request to base.
func parseCurl(cmd, base, lastID string) (*http.Request, error) {
	words := shellWords.FindAllString(cmd, -1)
	method, url, body := "", "", ""
	header := http.Header{}
	for i := 1; i < len(words); i++ {
		w := strings.Trim(words[i], `'"`)
		switch w {
		case "-s":
		case "-X":
			i++
			method = words[i]
		case "-H":
			i++
			k, v, _ := strings.Cut(strings.Trim(words[i], `'"`), ":")
			header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		case "-d", "--data":
			i++
			body = strings.Trim(words[i], `'`)
			if strings.HasPrefix(body, "@") {
				data, err := os.ReadFile(filepath.Join("..", body[1:]))
				if err != nil {
					return nil, err
				}
				body = string(data)
			}
		default:
			url = strings.Replace(w, "localhost:8080", strings.TrimPrefix(base, "http://"), 1)
		}
	}
	if lastID != "" {
		url = exampleID.ReplaceAllString(url, lastID)
	}
	if method == "" {
		method = http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
	}
	req, err := http.NewRequest(method, "http://"+strings.TrimPrefix(url, "http://"), strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = header
	return req, nil
}

// startServer serves the repository's trees with a decision log, as make run does.
func startServer(t *testing.T) string {
	t.Helper()
	cfg := engine.Config{
		Countries: engine.Tree{FS: os.DirFS("../countries"), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS("../policies"), Name: "policies"},
	}
	reg := prometheus.NewRegistry()
	metrics := server.NewMetrics(reg)
	policy := server.NewPolicy(func(ctx context.Context) (*engine.Snapshot, error) { return engine.Load(ctx, cfg) }, zerolog.Nop(), metrics)
	if _, err := policy.Reload(context.Background(), "startup"); err != nil {
		t.Fatal(err)
	}
	store, err := decisionlog.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "decisions.db"))
	if err != nil {
		t.Fatal(err)
	}
	dlog := decisionlog.NewLog(store, decisionlog.DefaultCommitDelay, reg, zerolog.Nop())
	t.Cleanup(func() { _ = dlog.Close() })
	srv := server.New(server.Config{Policy: policy, Logger: zerolog.Nop(), Metrics: metrics, Gatherer: reg, DecisionLog: dlog})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}
