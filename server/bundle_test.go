package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/numgate/numgate/engine"
)

func bundleBytes(t *testing.T, countries string) ([]byte, string) {
	t.Helper()
	snap, err := engine.Load(context.Background(), engine.Config{
		Countries: engine.Tree{FS: os.DirFS(countries), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS("../policies"), Name: "policies"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := snap.WriteBundle(context.Background(), &buf, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), snap.Revision
}

// TestBundleURLWithETag: the policy follows a published bundle; an unchanged one costs a
// 304 and keeps the snapshot; a new one is served after the next poll.
func TestBundleURLWithETag(t *testing.T) {
	first, rev1 := bundleBytes(t, "../countries")
	dir := t.TempDir()
	_ = os.CopyFS(dir, os.DirFS("../countries"))
	us, _ := os.ReadFile(dir + "/US.yaml")
	_ = os.WriteFile(dir+"/US.yaml", append(us, []byte("\n# republished\n")...), 0o644)
	second, rev2 := bundleBytes(t, dir)

	var current atomic.Pointer[[]byte]
	current.Store(&first)
	var notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := *current.Load()
		sum := sha256.Sum256(body)
		etag := `"` + hex.EncodeToString(sum[:]) + `"`
		if r.Header.Get("If-None-Match") == etag {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	reg := prometheus.NewRegistry()
	src := &BundleSource{Location: srv.URL + "/numgate.tar.gz"}
	p := NewPolicy(src.Load, zerolog.Nop(), NewMetrics(reg))
	ctx := context.Background()
	if _, err := p.Reload(ctx, "startup"); err != nil {
		t.Fatal(err)
	}
	if p.Current().Revision != rev1 {
		t.Fatalf("revision %s, want the bundle's %s", p.Current().Revision, rev1)
	}
	before := p.Current()
	if _, err := p.Reload(ctx, "bundle_poll"); err != nil || p.Current() != before || notModified.Load() != 1 {
		t.Errorf("unchanged bundle: %v, same snapshot %v, 304s %d", err, p.Current() == before, notModified.Load())
	}
	current.Store(&second)
	if _, err := p.Reload(ctx, "bundle_poll"); err != nil || p.Current().Revision != rev2 {
		t.Errorf("republished bundle: %v, revision %s want %s", err, p.Current().Revision, rev2)
	}
	garbage := []byte("not a bundle")
	current.Store(&garbage)
	if _, err := p.Reload(ctx, "bundle_poll"); err == nil || p.Current().Revision != rev2 {
		t.Errorf("a broken bundle: %v, serving %s", err, p.Current().Revision)
	}
}
