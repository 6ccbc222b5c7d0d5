package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/numgate/numgate/server/decisionlog/storetest"
)

// publishedBundle is a bundle server as a fleet follows one: the current bundle with an
// ETag, 304 for a poll that already has it.
type publishedBundle struct {
	mu          sync.Mutex
	data        []byte
	etag        string
	fetched     atomic.Int64
	notModified atomic.Int64
}

func (p *publishedBundle) publish(t *testing.T, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	p.mu.Lock()
	p.data, p.etag = data, `"`+hex.EncodeToString(sum[:8])+`"`
	p.mu.Unlock()
}

func (p *publishedBundle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	data, etag := p.data, p.etag
	p.mu.Unlock()
	if r.Header.Get("If-None-Match") == etag {
		p.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	p.fetched.Add(1)
	w.Header().Set("ETag", etag)
	_, _ = w.Write(data)
}

// TestFleet runs numgate as a fleet, without containers: three numgate serve processes
// (the binary the image ships) on loopback, sharing one PostgreSQL decision log (a fresh
// database, dropped after) and following one bundle published over HTTP. A new bundle
// reaches every replica by polling; decisions made through all three are read back
// through any one; a replica killed with SIGKILL under load loses no decision it
// answered.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs three servers")
	}
	dsn := storetest.FreshDatabase(t, storetest.PostgresDSN(t))
	bin := imageBinary(t)
	dir := t.TempDir()
	v1, v2 := filepath.Join(dir, "v1.tar.gz"), filepath.Join(dir, "v2.tar.gz")
	if code, out, errOut := runCLI(t, "", "bundle", "-o", v1); code != exitOK {
		t.Fatalf("numgate bundle: exit %d\n%s%s", code, out, errOut)
	}
	edited := editedTree(t, "US.yaml", "    business: *us-local\n", "    business: *us-local # the fleet test's second bundle\n")
	if code, out, errOut := runCLI(t, "", "bundle", "-o", v2, "--countries", filepath.Join(edited, "countries"), "--policies", filepath.Join(edited, "policies")); code != exitOK {
		t.Fatalf("numgate bundle (v2): exit %d\n%s%s", code, out, errOut)
	}
	published := &publishedBundle{}
	published.publish(t, v1)
	bundles := httptest.NewServer(published)
	defer bundles.Close()

	const poll = 250 * time.Millisecond
	type replica struct {
		cmd  *exec.Cmd
		base string
	}
	replicas := make([]replica, 3)
	for i := range replicas {
		cmd, base := startServeIn(t, dir, bin, "--bundle", bundles.URL+"/numgate.tar.gz", "--bundle-poll", poll.String(),
			"--decision-log", dsn, "--watch=false")
		replicas[i] = replica{cmd, base}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	revision := func(r replica) (string, string) {
		_, st := call(t, client, "GET", r.base+"/v1/policy", "")
		rev, _ := st["revision"].(string)
		last, _ := st["last_reload"].(map[string]any)
		trigger, _ := last["trigger"].(string)
		return rev, trigger
	}
	rev1, _ := revision(replicas[0])
	for i, r := range replicas {
		if rev, _ := revision(r); rev != rev1 || rev == "" {
			t.Fatalf("replica %d serves %q, replica 0 %q", i, rev, rev1)
		}
	}

	// A new bundle is published: every replica serves it after its next poll.
	published.publish(t, v2)
	start := time.Now()
	var rev2 string
	for i, r := range replicas {
		waitFor(t, func() bool {
			rev, trigger := revision(r)
			if rev != rev1 && trigger == "bundle_poll" {
				if rev2 == "" {
					rev2 = rev
				}
				return rev == rev2
			}
			return false
		}, fmt.Sprintf("replica %d to serve the new bundle", i))
	}
	// When each replica's reload of the new bundle began, after the publishing: within a
	// poll interval (logged, not asserted: the test machine's timing is not the product's).
	var began []string
	for _, r := range replicas {
		_, st := call(t, client, "GET", r.base+"/v1/policy", "")
		at, _ := time.Parse(time.RFC3339Nano, st["last_reload"].(map[string]any)["at"].(string))
		began = append(began, at.Sub(start).Round(time.Millisecond).String())
	}
	t.Logf("new bundle: reloads began %v after publishing (poll every %s), all 3 serving it %s after; %d bundle downloads, %d polls answered 304",
		began, poll, time.Since(start).Round(time.Millisecond), published.fetched.Load(), published.notModified.Load())
	if published.notModified.Load() == 0 {
		t.Error("no poll was answered 304: the replicas do not send the ETag")
	}

	// Decisions through all three, read back through each one.
	body := []byte(`{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"business"}}`)
	decide := func(r replica) (string, bool) {
		resp, err := client.Post(r.base+"/v1/decisions/activation", "application/json", bytes.NewReader(body))
		if err != nil {
			return "", false
		}
		defer resp.Body.Close()
		var d struct {
			ID       string `json:"decision_id"`
			Revision string `json:"policy_revision"`
		}
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&d) != nil || d.ID == "" {
			return "", false
		}
		if d.Revision != rev2 {
			t.Errorf("a decision by %s used revision %s, want %s", r.base, d.Revision, rev2)
		}
		return d.ID, true
	}
	var ids []string
	for i := 0; i < 30; i++ {
		id, ok := decide(replicas[i%3])
		if !ok {
			t.Fatalf("decision %d through replica %d failed", i, i%3)
		}
		ids = append(ids, id)
	}
	// A record is listed once every older transaction on the PostgreSQL server has ended:
	// another replica's (or another test's) commit in flight can hold it back a moment.
	for i, r := range replicas {
		var missing []string
		waitFor(t, func() bool {
			missing = missingFromLog(t, client, r.base, ids)
			return len(missing) == 0
		}, fmt.Sprintf("replica %d to list the 30 decisions made through all three", i))
	}

	// SIGKILL one replica under load: every decision a client was answered is logged.
	var mu sync.Mutex
	acked := map[int][]string{} // replica -> decision ids answered
	var killed atomic.Bool
	ackedAfterKill := atomic.Int64{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 3000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n := (w + i) % 3
				if id, ok := decide(replicas[n]); ok {
					mu.Lock()
					acked[n] = append(acked[n], id)
					mu.Unlock()
					if killed.Load() {
						ackedAfterKill.Add(1)
					}
				}
			}
		}(w)
	}
	time.Sleep(800 * time.Millisecond)
	if err := replicas[2].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed.Store(true)
	time.Sleep(800 * time.Millisecond)
	close(stop)
	wg.Wait()
	mu.Lock()
	var all []string
	for _, ids := range acked {
		all = append(all, ids...)
	}
	byKilled := len(acked[2])
	mu.Unlock()
	if byKilled == 0 || ackedAfterKill.Load() == 0 {
		t.Fatalf("the load did not reach the killed replica (%d answers) or the others after the kill (%d)", byKilled, ackedAfterKill.Load())
	}
	// A record is listed once every older transaction has ended; the killed replica's
	// connections end when PostgreSQL notices them closed.
	var missing []string
	waitFor(t, func() bool {
		missing = missingFromLog(t, client, replicas[0].base, all)
		return len(missing) == 0
	}, "every answered decision to be listed by a surviving replica")
	t.Logf("%d decisions answered under load (%d by the replica killed mid-load, %d after the kill), all listed by a surviving replica",
		len(all), byKilled, ackedAfterKill.Load())
}

// missingFromLog pages through base's whole decision log, oldest first, and returns the
// ids it does not list.
func missingFromLog(t *testing.T, client *http.Client, base string, ids []string) []string {
	t.Helper()
	listed := map[string]bool{}
	cursor := ""
	for {
		url := base + "/v1/decisions?order=oldest&limit=1000"
		if cursor != "" {
			url += "&cursor=" + cursor
		}
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Decisions []struct {
				ID string `json:"decision_id"`
			} `json:"decisions"`
			Next string `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
		}
		for _, d := range page.Decisions {
			listed[d.ID] = true
		}
		if len(page.Decisions) < 1000 {
			break
		}
		cursor = page.Next
	}
	var missing []string
	for _, id := range ids {
		if !listed[id] {
			missing = append(missing, id)
		}
	}
	return missing
}
