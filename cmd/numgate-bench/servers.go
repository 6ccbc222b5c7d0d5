package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/numgate/numgate/engine"
)

// The servers the bench drives: numgate, the stock OPA server and a no-op server, each a
// process on a loopback port that the bench starts and stops.

// server is a process serving on loopback.
type server struct {
	url string
	pid int
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func startProcess(ready string, name string, args ...string) (*exec.Cmd, error) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, fmt.Errorf("%s did not become ready", name)
}

func stopper(cmd *exec.Cmd) func() {
	return func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
}

func startNumgate(bin, dir string) (server, func(), error) {
	return startNumgateWith(bin, dir, "--decision-log", "off")
}

// startNumgateWith serves dir's trees as the comparison with the stock OPA server runs
// numgate: no file watching, room for every client, errors only in its log.
func startNumgateWith(bin, dir string, extra ...string) (server, func(), error) {
	return startServe(bin, dir, append([]string{"--watch=false", "--max-concurrent", "256", "--log-level", "error"}, extra...)...)
}

// startServe runs numgate serve on dir's trees with these flags, and the defaults for
// the rest.
func startServe(bin, dir string, flags ...string) (server, func(), error) {
	addr, err := freePort()
	if err != nil {
		return server{}, nil, err
	}
	args := append([]string{"serve", "--addr", addr,
		"--countries", filepath.Join(dir, "countries"), "--policies", filepath.Join(dir, "policies")}, flags...)
	cmd, err := startProcess("http://"+addr+"/readyz", bin, args...)
	if err != nil {
		return server{}, nil, err
	}
	return server{url: "http://" + addr, pid: cmd.Process.Pid}, stopper(cmd), nil
}

// startOPA serves the same policies and data with the stock OPA server: the .rego files
// (tests left out) and the snapshot's data document as data.json.
func startOPA(bin, dir string, snap *engine.Snapshot) (server, func(), error) {
	bundle, err := os.MkdirTemp("", "numgate-bench-opa")
	if err != nil {
		return server{}, nil, err
	}
	files, _ := filepath.Glob(filepath.Join(dir, "policies", "*.rego"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.rego") {
			continue
		}
		b, _ := os.ReadFile(f)
		_ = os.WriteFile(filepath.Join(bundle, filepath.Base(f)), b, 0o644)
	}
	data, err := snap.Data(context.Background())
	if err != nil {
		return server{}, nil, err
	}
	raw, _ := json.Marshal(data)
	_ = os.WriteFile(filepath.Join(bundle, "data.json"), raw, 0o644)
	addr, err := freePort()
	if err != nil {
		return server{}, nil, err
	}
	cmd, err := startProcess("http://"+addr+"/health", bin, "run", "--server", "--addr", addr, "--log-level", "error", bundle)
	if err != nil {
		return server{}, nil, err
	}
	stop := stopper(cmd)
	return server{url: "http://" + addr, pid: cmd.Process.Pid}, func() { stop(); os.RemoveAll(bundle) }, nil
}

// sameDecisions checks that the stock OPA server decides every request as numgate does
// (ids and revision aside), so the comparison is of the same work. OPA answers the
// policy's result, messages as ids with parameters; numgate's Answer renders it in
// English, as a client of a stock OPA serving numgate's bundle would.
func sameDecisions(snap *engine.Snapshot, w workload, ng, opa []call) error {
	differ := 0
	first := ""
	for i := range ng {
		if err := sameDecision(snap, w.reqs[i].Kind, ng[i], opa[i]); err != nil {
			differ++
			if first == "" {
				first = err.Error()
			}
		}
	}
	if differ > 0 {
		return fmt.Errorf("the stock OPA server decides %d of %d requests otherwise than numgate (first: %s)", differ, len(ng), first)
	}
	return nil
}

func sameDecision(snap *engine.Snapshot, kind engine.Kind, ng, opa call) error {
	var got map[string]any
	if err := postJSON(ng.url, ng.body, &got); err != nil {
		return err
	}
	var wrapped struct {
		Result any `json:"result"`
	}
	if err := postJSON(opa.url, opa.body, &wrapped); err != nil {
		return err
	}
	if wrapped.Result == nil {
		return fmt.Errorf("%s: no result from the stock OPA server", opa.url)
	}
	d, err := snap.Answer(kind, wrapped.Result, engine.English)
	if err != nil {
		return fmt.Errorf("%s: the stock OPA server's result: %w", opa.url, err)
	}
	var want map[string]any
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := decodeNumbers(bytes.NewReader(raw), &want); err != nil {
		return err
	}
	for _, m := range []map[string]any{got, want} {
		delete(m, "decision_id")
		delete(m, "policy_revision")
		delete(m, "decided_at")
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s: the stock OPA server's decision differs from numgate's", ng.url)
	}
	return nil
}

func postJSON(url string, body []byte, out any) error {
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	return decodeNumbers(resp.Body, out)
}

// decodeNumbers decodes JSON keeping numbers as their text, as the engine types a
// policy's result (a whole number stays whole).
func decodeNumbers(r io.Reader, out any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return dec.Decode(out)
}

func reloadTime(url string) (float64, error) {
	var times []float64
	for i := 0; i < 3; i++ {
		start := time.Now()
		resp, err := http.Post(url+"/v1/policy/reload", "application/json", nil)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("reload: status %d", resp.StatusCode)
		}
		times = append(times, float64(time.Since(start).Microseconds())/1000)
	}
	sort.Float64s(times)
	return times[1], nil
}

func rssMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

func machine() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	model := ""
	cpus := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") && model == "" {
			_, model, _ = strings.Cut(line, ":")
		}
		if strings.HasPrefix(line, "processor") {
			cpus++
		}
	}
	return fmt.Sprintf("%d CPUs, %s", cpus, strings.TrimSpace(model))
}

// The no-op server decodes the body, as every target must, and answers a fixed JSON.
func startNoop() (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	addr, err := freePort()
	if err != nil {
		return "", nil, err
	}
	cmd, err := startProcess("http://"+addr+"/healthz", self, "-noop", addr)
	if err != nil {
		return "", nil, err
	}
	return "http://" + addr, stopper(cmd), nil
}

var fixedAnswer = []byte(`{"allow":false,"status":"incomplete"}` + "\n")

func serveNoop(addr string) int {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	mux.HandleFunc("/noop", func(w http.ResponseWriter, r *http.Request) {
		var v any
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(fixedAnswer)
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		return 1
	}
	return 0
}

// loadAverage is the machine's one-minute load average, to note beside the figures.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
