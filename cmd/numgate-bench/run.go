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
	"testing"
	"time"

	"github.com/numgate/numgate/engine"
)

// results is everything one run measured.
type results struct {
	Machine string      `json:"machine"`
	When    time.Time   `json:"when"`
	Engine  []engineRow `json:"engine"`
	Trees   []treeRow   `json:"trees"`
	Load    []loadRow   `json:"load"`
	Ratios  []ratioRow  `json:"ratios"`
	Log     []logRow    `json:"decision_log"`
	// ScaleCost is the activation cost at the large tree over the cost at 15 countries:
	// the median of per-pair ratios, each pair measured back to back.
	ScaleCost       float64       `json:"activation_cost_large_over_15"`
	ScaleCostRounds []float64     `json:"activation_cost_ratio_rounds"`
	Notes           []string      `json:"notes"`
	took            time.Duration `json:"-"`
}

type engineRow struct {
	Countries   int     `json:"countries"`
	Kind        string  `json:"kind"`
	NsPerOp     int64   `json:"ns_per_op"`
	AllocsPerOp int64   `json:"allocs_per_op"`
	BytesPerOp  int64   `json:"bytes_per_op"`
	Throughput  float64 `json:"ops_per_s"`
}

type treeRow struct {
	Countries int     `json:"countries"`
	LoadMs    float64 `json:"load_ms"`
	ReloadMs  float64 `json:"reload_ms"`
	RSSMiB    float64 `json:"rss_mib"`
}

type loadRow struct {
	Countries   int       `json:"countries"`
	Target      string    `json:"target"`
	Concurrency int       `json:"concurrency"`
	Requests    int       `json:"requests"`
	Errors      int       `json:"errors"`
	PerSecond   float64   `json:"per_second"`                // the median round's
	P50Ms       float64   `json:"p50_ms"`                    // the median of the rounds'
	P99Ms       float64   `json:"p99_ms"`                    // the median of the rounds'
	ServerCPUUs float64   `json:"server_cpu_us_per_request"` // the serving process's CPU time per answer, median of the rounds; 0: not measured
	Rounds      []float64 `json:"rounds_per_second"`
}

type ratioRow struct {
	Countries   int     `json:"countries"`
	Concurrency int     `json:"concurrency"`
	VsOPA       float64 `json:"numgate_over_opa"`
	VsNoop      float64 `json:"numgate_over_noop"`
	VsTopdown   float64 `json:"numgate_over_numgate_topdown"` // what running the plans buys over OPA's evaluator
}

func run(cfg config) (*results, error) {
	start := time.Now()
	res := &results{When: start.UTC(), Machine: machine()}
	body, err := os.ReadFile(filepath.Join(cfg.repo, "testdata/requests/de-local-business.json"))
	if err != nil {
		return nil, err
	}
	big, err := scaledTree(cfg.repo, cfg.scale)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(big)
	trees := []struct {
		countries int
		dir       string
	}{{15, cfg.repo}, {cfg.scale, big}}

	noop, stopNoop, err := startNoop()
	if err != nil {
		return nil, err
	}
	defer stopNoop()

	if cfg.logOnly {
		trees = nil
	}
	snaps := make([]*engine.Snapshot, len(trees))
	loadMs := make([]float64, len(trees))
	for i, tr := range trees {
		if snaps[i], loadMs[i], err = loadTree(tr.dir); err != nil {
			return nil, err
		}
	}
	// The engine's cost at each size, in interleaved rounds (the median is kept), so the
	// shared machine's drift does not pass for a difference between sizes.
	costs := make([][][]engineRow, len(trees))
	for r := 0; r < cfg.rounds; r++ {
		for i, tr := range trees {
			costs[i] = append(costs[i], engineCost(snaps[i], tr.countries, body))
		}
	}
	for i := range trees {
		res.Engine = append(res.Engine, medianCost(costs[i])...)
	}
	if len(trees) == 2 {
		res.ScaleCost, res.ScaleCostRounds = scaleCost(snaps[0], snaps[1], body, 2*cfg.rounds+1)
	}
	for i, tr := range trees {
		snap := snaps[i]

		ng, stopNG, err := startNumgate(cfg.numgate, tr.dir)
		if err != nil {
			return nil, err
		}
		row := treeRow{Countries: tr.countries, LoadMs: loadMs[i]}
		row.ReloadMs, err = reloadTime(ng.url)
		if err != nil {
			stopNG()
			return nil, err
		}
		// The same server with OPA's own evaluator: what the query plans buy, measured
		// side by side.
		td, stopTD, err := startNumgateWith(cfg.numgate, tr.dir, "--decision-log", "off", "--evaluator", "topdown")
		if err != nil {
			stopNG()
			return nil, err
		}
		targets := []target{
			{name: "numgate", url: ng.url + "/v1/decisions/activation", body: body, pid: ng.pid},
			{name: "numgate-topdown", url: td.url + "/v1/decisions/activation", body: body, pid: td.pid},
			{name: "no-op", url: noop + "/noop", body: body},
		}
		if cfg.opa != "" {
			opa, stopOPA, err := startOPA(cfg.opa, tr.dir, snap)
			if err != nil {
				stopNG()
				stopTD()
				return nil, err
			}
			defer stopOPA()
			input, _ := snap.PolicyInput(engine.KindActivation, body)
			opaBody, _ := json.Marshal(map[string]any{"input": input})
			if err := sameDecision(ng.url, opa.url, body, opaBody); err != nil {
				res.Notes = append(res.Notes, fmt.Sprintf("%d countries: %v", tr.countries, err))
			}
			targets = append(targets, target{name: "opa", url: opa.url + "/v1/data/numgate/activation/decision", body: opaBody, pid: opa.pid})
		}
		for _, c := range cfg.concurrency {
			// Interleaved rounds: the shared machine's drift falls on every target alike.
			runs := map[string][]loadRow{}
			for r := 0; r < cfg.rounds; r++ {
				for _, t := range targets {
					runs[t.name] = append(runs[t.name], drive(t, c, cfg.duration))
				}
			}
			rows := map[string]loadRow{}
			for _, t := range targets {
				r := medianRow(runs[t.name])
				r.Countries = tr.countries
				rows[t.name] = r
				res.Load = append(res.Load, r)
			}
			ratio := ratioRow{Countries: tr.countries, Concurrency: c, VsNoop: rows["numgate"].PerSecond / rows["no-op"].PerSecond}
			if o, ok := rows["opa"]; ok && o.PerSecond > 0 {
				ratio.VsOPA = rows["numgate"].PerSecond / o.PerSecond
			}
			if td := rows["numgate-topdown"]; td.PerSecond > 0 {
				ratio.VsTopdown = rows["numgate"].PerSecond / td.PerSecond
			}
			res.Ratios = append(res.Ratios, ratio)
		}
		row.RSSMiB = rssMiB(ng.pid)
		res.Trees = append(res.Trees, row)
		stopNG()
		stopTD()
	}
	if res.Log, err = decisionLogCost(cfg, body); err != nil {
		return nil, err
	}
	res.took = time.Since(start)
	return res, nil
}

// medianRow sums up rounds of one target: the median throughput, latency percentiles
// and the total of requests and errors.
func medianRow(rounds []loadRow) loadRow {
	out := rounds[0]
	var per, p50, p99 []float64
	out.Requests, out.Errors = 0, 0
	for _, r := range rounds {
		per, p50, p99 = append(per, r.PerSecond), append(p50, r.P50Ms), append(p99, r.P99Ms)
		out.Requests += r.Requests
		out.Errors += r.Errors
	}
	var cpu []float64
	for _, r := range rounds {
		cpu = append(cpu, r.ServerCPUUs)
	}
	out.PerSecond, out.P50Ms, out.P99Ms, out.ServerCPUUs, out.Rounds = median(per), median(p50), median(p99), median(cpu), per
	return out
}

// medianCost keeps, for each kind, the round with the median ns/op.
func medianCost(rounds [][]engineRow) []engineRow {
	out := make([]engineRow, len(rounds[0]))
	for k := range out {
		var rs []engineRow
		for _, r := range rounds {
			rs = append(rs, r[k])
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].NsPerOp < rs[j].NsPerOp })
		out[k] = rs[len(rs)/2]
	}
	return out
}

// scaleCost compares the activation cost of two snapshots in pairs measured back to back,
// so that the machine's drift between pairs cancels out of each ratio; it returns the
// median ratio (large over small) and every pair's.
func scaleCost(small, large *engine.Snapshot, body []byte, pairs int) (float64, []float64) {
	ctx := context.Background()
	cost := func(s *engine.Snapshot) float64 {
		return float64(testing.Benchmark(func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := s.Decide(ctx, engine.KindActivation, body); err != nil {
					b.Fatal(err)
				}
			}
		}).NsPerOp())
	}
	var ratios []float64
	for i := 0; i < pairs; i++ {
		s := cost(small)
		ratios = append(ratios, cost(large)/s)
	}
	return median(ratios), ratios
}

// engineCost measures one decision of each kind through a loaded snapshot, in process.
func engineCost(snap *engine.Snapshot, countries int, activation []byte) []engineRow {
	ctx := context.Background()
	kinds := []struct {
		kind string
		fn   func() error
	}{
		{"activation", func() error { _, err := snap.Decide(ctx, engine.KindActivation, activation); return err }},
		{"requirements", func() error {
			_, err := snap.Requirements(ctx, engine.RequirementsQuery{Country: "DE", NumberType: "local", Use: "business"})
			return err
		}},
		{"account_action", func() error {
			_, err := snap.Decide(ctx, engine.KindAccountAction, []byte(`{"action":"purchase_number","account":{"active_orders":1,"identity_verification":{"status":"verified"}}}`))
			return err
		}},
		{"contact_verification", func() error {
			_, err := snap.Decide(ctx, engine.KindContactVerification, []byte(`{"channel":"sms","phone":"+44 7400 123456"}`))
			return err
		}},
	}
	var rows []engineRow
	for _, k := range kinds {
		r := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := k.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
		rows = append(rows, engineRow{Countries: countries, Kind: k.kind, NsPerOp: r.NsPerOp(), AllocsPerOp: r.AllocsPerOp(),
			BytesPerOp: r.AllocedBytesPerOp(), Throughput: 1e9 / float64(max(r.NsPerOp(), 1))})
	}
	return rows
}

func loadTree(dir string) (*engine.Snapshot, float64, error) {
	cfg := engine.Config{
		Countries: engine.Tree{FS: os.DirFS(filepath.Join(dir, "countries")), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS(filepath.Join(dir, "policies")), Name: "policies"},
	}
	var times []float64
	var snap *engine.Snapshot
	for i := 0; i < 5; i++ {
		start := time.Now()
		s, err := engine.Load(context.Background(), cfg)
		if err != nil {
			return nil, 0, fmt.Errorf("loading %s: %w", dir, err)
		}
		times = append(times, float64(time.Since(start).Microseconds())/1000)
		snap = s
	}
	sort.Float64s(times)
	return snap, times[len(times)/2], nil
}

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

func startNumgateWith(bin, dir string, extra ...string) (server, func(), error) {
	addr, err := freePort()
	if err != nil {
		return server{}, nil, err
	}
	args := append([]string{"serve", "--addr", addr, "--watch=false", "--max-concurrent", "256", "--log-level", "error",
		"--countries", filepath.Join(dir, "countries"), "--policies", filepath.Join(dir, "policies")}, extra...)
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

// sameDecision checks that the stock OPA answers as numgate does (ids and revision
// aside), so the comparison is of the same work.
func sameDecision(numgateURL, opaURL string, body, opaBody []byte) error {
	var ng, opa map[string]any
	if err := postJSON(numgateURL+"/v1/decisions/activation", body, &ng); err != nil {
		return err
	}
	var wrapped struct {
		Result map[string]any `json:"result"`
	}
	if err := postJSON(opaURL+"/v1/data/numgate/activation/decision", opaBody, &wrapped); err != nil {
		return err
	}
	opa = wrapped.Result
	delete(ng, "decision_id")
	delete(ng, "policy_revision")
	ng["decided_at"], opa["decided_at"] = nil, nil
	if !reflect.DeepEqual(ng, opa) {
		return fmt.Errorf("the stock OPA server's decision differs from numgate's")
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
	return json.NewDecoder(resp.Body).Decode(out)
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
