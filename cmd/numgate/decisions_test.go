package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numgate/numgate/server/decisionlog"
)

// TestDecisionsExportFiltersAsTheAPI: the export reads its filters as GET /v1/decisions
// does (both spellings of a kind, any case of a country) and refuses one that cannot
// match, rather than exporting nothing with exit 0; a mistyped log path is an error, not
// a new empty log (found by an operator review).
func TestDecisionsExportFiltersAsTheAPI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	ctx := context.Background()
	store, err := decisionlog.Open(ctx, "sqlite:"+db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	records := []decisionlog.Record{
		{ID: "019ab8a4-7c2e-7d41-9b1a-5f0c2e8d9a10", DecidedAt: at, Kind: "contact_verification", Status: "allowed", Country: "GB", Allow: true, PolicyRevision: "sha256:x", Input: []byte(`{}`), Result: []byte(`{}`)},
		{ID: "019ab8a4-7c2e-7d41-9b1a-5f0c2e8d9a11", DecidedAt: at, Kind: "activation", Status: "incomplete", Country: "DE", PolicyRevision: "sha256:x", Input: []byte(`{}`), Result: []byte(`{}`)},
	}
	if err := store.Append(ctx, records); err != nil {
		t.Fatal(err)
	}
	store.Close()

	for _, tc := range []struct {
		args  []string
		code  int
		lines int
		says  string
	}{
		{nil, exitOK, 2, ""},
		{[]string{"--kind", "contact-verification"}, exitOK, 1, ""},
		{[]string{"--kind", "contact_verification"}, exitOK, 1, ""},
		{[]string{"--country", "gb"}, exitOK, 1, ""},
		{[]string{"--kind", "bogus"}, exitUsage, 0, "is not one of"},
		{[]string{"--kind", "activation", "--status", "allowed"}, exitUsage, 0, "is not recorded for activation decisions"},
		{[]string{"--country", "DEU"}, exitUsage, 0, "is not an ISO 3166-1 alpha-2 code"},
	} {
		code, out, errOut := runCLI(t, "", append([]string{"decisions", "export", "--decision-log", "sqlite:" + db}, tc.args...)...)
		lines := len(strings.Fields(strings.TrimSpace(strings.ReplaceAll(out, " ", ""))))
		if code != tc.code || lines != tc.lines || !strings.Contains(errOut, tc.says) {
			t.Errorf("export %v: exit %d, %d lines, %q; want exit %d, %d lines, saying %q", tc.args, code, lines, errOut, tc.code, tc.lines, tc.says)
		}
	}
	missing := filepath.Join(dir, "nowhere", "x.db")
	if code, _, errOut := runCLI(t, "", "decisions", "export", "--decision-log", "sqlite:"+missing); code != exitError || !strings.Contains(errOut, "no decision log at") {
		t.Errorf("a missing log: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("exporting from a missing log created it")
	}
}
