package main

import (
	"bytes"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// target is one server answering the same decision.
type target struct {
	name string
	url  string
	body []byte
}

// drive sends the target's request from c clients, each waiting for its answer before
// the next (closed loop), for d, and reports throughput and latency. It talks only to
// the loopback address it was given and stops by itself.
func drive(t target, c int, d time.Duration) loadRow {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}}
	defer client.CloseIdleConnections()
	// Warm up connections and caches.
	warm := time.Now().Add(300 * time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(warm) {
				post(client, t)
			}
		}()
	}
	wg.Wait()

	var mu sync.Mutex
	var latencies []time.Duration
	errors := 0
	start := time.Now()
	end := start.Add(d)
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for time.Now().Before(end) {
				s := time.Now()
				if !post(client, t) {
					bad++
					continue
				}
				mine = append(mine, time.Since(s))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			errors += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	return loadRow{Target: t.name, Concurrency: c, Requests: len(latencies), Errors: errors,
		PerSecond: float64(len(latencies)) / elapsed.Seconds(), P50Ms: pct(0.50), P99Ms: pct(0.99)}
}

func post(client *http.Client, t target) bool {
	resp, err := client.Post(t.url, "application/json", bytes.NewReader(t.body))
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == 200
}
