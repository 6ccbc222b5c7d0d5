package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startServe runs the built binary with args on a loopback port and returns its base
// URL once it is ready.
func startServe(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	return startServeIn(t, "", bin, args...)
}

// startServeIn is startServe with dir as the working directory ("" for this one).
func startServeIn(t *testing.T, dir, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`"addr":"([^"]+)".*"message":"listening`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		base := "http://" + a
		waitFor(t, func() bool {
			code, _ := call(t, &http.Client{Timeout: time.Second}, "GET", base+"/readyz", "")
			return code == 200
		}, "ready")
		return cmd, base
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
	}
	return nil, ""
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "numgate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestDecisionLogSurvivesSIGKILL drives decisions from 8 clients against the real
// binary with the embedded SQLite log, kills it with SIGKILL mid-load, restarts it on the
// same file, and finds every decision id a client received an answer for: with commits
// written to the operating system and fsynced at checkpoints (the default,
// synchronous=normal), which the process's death cannot undo, and with every commit
// fsynced (synchronous=full).
func TestDecisionLogSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildBinary(t)
	for _, option := range []string{"", "?synchronous=full"} {
		t.Run("sqlite:PATH"+option, func(t *testing.T) {
			survivesSIGKILL(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "decisions.db")+option)
		})
	}
}

func survivesSIGKILL(t *testing.T, bin, db string) {
	cmd, base := startServe(t, bin, "--decision-log", db, "--watch=false")

	var mu sync.Mutex
	var received []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	body := []byte(`{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"business"}}`)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post(base+"/v1/decisions/activation", "application/json", bytes.NewReader(body))
				if err != nil {
					continue // the server is gone: this request got no answer
				}
				var d struct {
					ID string `json:"decision_id"`
				}
				ok := resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&d) == nil && d.ID != ""
				resp.Body.Close()
				if ok {
					mu.Lock()
					received = append(received, d.ID)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	mu.Lock()
	ids := append([]string(nil), received...)
	mu.Unlock()
	if len(ids) < 100 {
		t.Fatalf("only %d decisions answered before the kill", len(ids))
	}

	_, base = startServe(t, bin, "--decision-log", db, "--watch=false")
	if missing := missingFromLog(t, client, base, ids); len(missing) > 0 {
		t.Fatalf("%d of %d answered decisions are not in the log after SIGKILL", len(missing), len(ids))
	}
	t.Logf("%d decisions answered before SIGKILL, all in the log after restart", len(ids))
}
