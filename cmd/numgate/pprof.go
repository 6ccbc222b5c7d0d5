package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofServer serves Go's profiles (/debug/pprof/) on their own listener, for operators
// chasing CPU or memory on a live server: go tool pprof http://ADDR/debug/pprof/profile.
// Profiles tell a lot about the process, so the address must be loopback.
func pprofServer(addr string) (*http.Server, net.Listener, error) {
	if !isLoopback(addr) {
		return nil, nil, fmt.Errorf("--pprof-addr %s: profiles are served on loopback only, e.g. 127.0.0.1:6060", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("--pprof-addr: %w", err)
	}
	// No write timeout: a CPU profile or trace streams for as long as it was asked to.
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln, nil
}
