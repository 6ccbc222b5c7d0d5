package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/numgate/numgate/engine"
)

// maxBundleBytes bounds a downloaded bundle.
const maxBundleBytes = 64 << 20

// BundleSource loads snapshots from an OPA bundle that `numgate bundle` wrote, in a file
// or at an http(s) URL, so many instances can follow one published policy. A URL is
// fetched with the last ETag in If-None-Match: an unchanged bundle costs a 304 and keeps
// the snapshot in service.
type BundleSource struct {
	Location string
	Client   *http.Client
	Config   engine.Config // clock and id source for the snapshots
	// Verify, when set, is the key a bundle's signature must verify with; an unsigned
	// bundle is then refused.
	Verify *engine.BundleKey

	mu   sync.Mutex
	etag string
	last *engine.Snapshot
}

// IsURL says whether the source is fetched over HTTP.
func (b *BundleSource) IsURL() bool {
	return strings.HasPrefix(b.Location, "http://") || strings.HasPrefix(b.Location, "https://")
}

// Load reads the bundle and builds a snapshot (the last one again when a URL answers
// 304 Not Modified).
func (b *BundleSource) Load(ctx context.Context) (*engine.Snapshot, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var data []byte
	if b.IsURL() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.Location, nil)
		if err != nil {
			return nil, err
		}
		if b.etag != "" && b.last != nil {
			req.Header.Set("If-None-Match", b.etag)
		}
		client := b.Client
		if client == nil {
			client = &http.Client{Timeout: 30 * time.Second}
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetching the bundle %s: %w", b.Location, err)
		}
		defer resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusNotModified && b.last != nil:
			return b.last, nil
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("fetching the bundle %s: status %d", b.Location, resp.StatusCode)
		}
		if data, err = io.ReadAll(io.LimitReader(resp.Body, maxBundleBytes+1)); err != nil {
			return nil, fmt.Errorf("fetching the bundle %s: %w", b.Location, err)
		}
		if len(data) > maxBundleBytes {
			return nil, fmt.Errorf("the bundle %s is larger than %d MiB", b.Location, maxBundleBytes>>20)
		}
		b.etag = resp.Header.Get("ETag")
	} else {
		var err error
		if data, err = os.ReadFile(b.Location); err != nil {
			return nil, err
		}
	}
	snap, err := engine.ReadBundle(ctx, bytes.NewReader(data), b.Verify, b.Config)
	if err != nil {
		return nil, fmt.Errorf("the bundle %s: %w", b.Location, err)
	}
	b.last = snap
	return snap, nil
}
