package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReloadUnderLoad drives steady decisions on loopback while the policy reloads 50
// times, every other edit broken: no request may fail or get a wrong answer, every
// answer must come from a revision that was really served, and neither goroutines nor
// memory may grow.
func TestReloadUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("drives load for a few seconds")
	}
	ts := newTestServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ts.Serve(ln) }()
	defer ts.Shutdown(context.Background())
	url := "http://" + ln.Addr().String() + "/v1/decisions/activation"
	body := []byte(`{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"business"}}`)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	post := func() (int, map[string]any, error) {
		resp, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		var m map[string]any
		err = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m, err
	}
	for i := 0; i < 20; i++ { // warm up connections and caches before counting
		_, _, _ = post()
	}
	goroutinesBefore, heapBefore := settle()

	var (
		served   sync.Map // revisions a reload put into service
		seen     sync.Map // revisions answers came from
		requests atomic.Int64
		failures atomic.Int64
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	served.Store(ts.policy.Current().Revision, true)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, m, err := post()
				requests.Add(1)
				if err != nil || code != 200 || m["status"] != "active" || m["allow"] != true {
					if failures.Add(1) <= 5 {
						t.Errorf("request failed under reload: %v %d %v", err, code, m)
					}
					continue
				}
				seen.Store(m["policy_revision"], true)
			}
		}()
	}

	us := filepath.Join(ts.dir, "countries", "US.yaml")
	good, _ := os.ReadFile(us)
	broken := bytes.Replace(good, []byte("available: true"), []byte("available: perhaps"), 1)
	okReloads, refused := 0, 0
	for i := 0; i < 50; i++ {
		content := append(append([]byte{}, good...), fmt.Sprintf("\n# reload %d\n", i)...)
		if i%2 == 1 {
			content = broken
		}
		if err := os.WriteFile(us, content, 0o644); err != nil {
			t.Fatal(err)
		}
		snap, err := ts.policy.Reload(context.Background(), "api")
		if err != nil {
			refused++
		} else {
			okReloads++
			served.Store(snap.Revision, true)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	if okReloads != 25 || refused != 25 {
		t.Errorf("%d reloads served, %d refused; want 25 and 25", okReloads, refused)
	}
	if failures.Load() > 0 || requests.Load() < 200 {
		t.Errorf("%d of %d requests failed", failures.Load(), requests.Load())
	}
	seen.Range(func(rev, _ any) bool {
		if _, ok := served.Load(rev); !ok {
			t.Errorf("an answer came from revision %v, which no reload served", rev)
		}
		return true
	})
	client.CloseIdleConnections()
	goroutinesAfter, heapAfter := settle()
	if goroutinesAfter > goroutinesBefore+5 {
		t.Errorf("goroutines grew from %d to %d", goroutinesBefore, goroutinesAfter)
	}
	if heapAfter > heapBefore+16<<20 {
		t.Errorf("heap grew from %d MiB to %d MiB", heapBefore>>20, heapAfter>>20)
	}
	t.Logf("%d requests, 0 failed, during %d served and %d refused reloads; goroutines %d -> %d, heap %d -> %d MiB",
		requests.Load(), okReloads, refused, goroutinesBefore, goroutinesAfter, heapBefore>>20, heapAfter>>20)
}

// settle lets finished goroutines exit and collects garbage, then reports both counts.
func settle() (goroutines int, heap uint64) {
	var ms runtime.MemStats
	for i := 0; i < 20; i++ {
		runtime.GC()
		time.Sleep(25 * time.Millisecond)
	}
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapAlloc
}
