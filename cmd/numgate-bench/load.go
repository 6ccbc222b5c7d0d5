package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// target is one server answering a workload's decisions.
type target struct {
	name  string
	input string // the workload: single or corpus
	calls []call
	pid   int // the serving process, for its CPU time; 0 when it is this process
}

// drive sends the target's requests from c clients, each waiting for its answer before
// the next (closed loop), for d, and reports throughput and latency. Each client goes
// through the requests in order from its own place in the list, so that c clients send
// c different requests at once. It talks only to the loopback address it was given and
// stops by itself.
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
			for j := i * len(t.calls) / c; time.Now().Before(warm); j++ {
				post(client, t.calls[j%len(t.calls)])
			}
		}()
	}
	wg.Wait()

	var mu sync.Mutex
	var latencies []time.Duration
	errors := 0
	cpu0 := cpuTime(t.pid)
	start := time.Now()
	end := start.Add(d)
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for j := i * len(t.calls) / c; time.Now().Before(end); j++ {
				s := time.Now()
				if !post(client, t.calls[j%len(t.calls)]) {
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
	var cpuPerRequest float64
	if t.pid > 0 && len(latencies) > 0 {
		cpuPerRequest = float64((cpuTime(t.pid) - cpu0).Microseconds()) / float64(len(latencies))
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	return loadRow{Target: t.name, Input: t.input, Concurrency: c, Requests: len(latencies), Errors: errors,
		PerSecond: float64(len(latencies)) / elapsed.Seconds(), P50Ms: pct(0.50), P99Ms: pct(0.99), ServerCPUUs: cpuPerRequest}
}

func post(client *http.Client, c call) bool {
	resp, err := client.Post(c.url, "application/json", bytes.NewReader(c.body))
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == 200
}

// cpuTime is the CPU time (user and system) a process has used so far, from
// /proc/PID/stat; 0 where that cannot be read.
func cpuTime(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces; utime and stime
	// are fields 14 and 15, in clock ticks (100 a second on Linux).
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
