package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestPprofServer(t *testing.T) {
	ps, ln, err := pprofServer("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	go func() { _ = ps.Serve(ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "heap profile") {
		t.Errorf("status %d, body %.80q", resp.StatusCode, body)
	}
}

func TestPprofServerLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "192.0.2.1:6060"} {
		if _, _, err := pprofServer(addr); err == nil || !strings.Contains(err.Error(), "loopback only") {
			t.Errorf("%s: %v, want a refusal", addr, err)
		}
	}
}
