package decisionlog_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/numgate/numgate/server/decisionlog"
	"github.com/numgate/numgate/server/decisionlog/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.RunAll(t, func(t *testing.T) decisionlog.Store {
		s, err := decisionlog.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "decisions.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestSQLiteReopen: migrations run once; a reopened file keeps its records.
func TestSQLiteReopen(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sub", "decisions.db")
	s, err := decisionlog.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	r := decisionlog.Record{ID: "01900000-0000-7000-8000-000000000001", Kind: "activation", Status: "active", Input: []byte(`{}`), Result: []byte(`{}`)}
	if err := s.Append(ctx, []decisionlog.Record{r}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s, err = decisionlog.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Get(ctx, r.ID); err != nil {
		t.Errorf("after reopening: %v", err)
	}
}

func TestOpenRejectsUnknownDSN(t *testing.T) {
	if _, err := decisionlog.Open(context.Background(), "mysql://x"); err == nil {
		t.Error("mysql:// accepted")
	}
}
