package server

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/numgate/numgate/server/decisionlog"
)

// BenchmarkDecisionLog measures activation decisions per second over loopback HTTP with
// the decision log off, on SQLite (the embedded default) and on PostgreSQL (when
// NUMGATE_TEST_POSTGRES_DSN is set), side by side in one run:
//
//	go test -run '^$' -bench DecisionLog -benchtime 3s ./server
//
// Each decision is durable (committed, fsynced) before its answer; concurrent decisions
// share a commit.
func BenchmarkDecisionLog(b *testing.B) {
	stores := []struct{ name, dsn string }{
		{"off", ""},
		{"sqlite", "sqlite:" + filepath.Join(b.TempDir(), "decisions.db")},
	}
	if dsn := os.Getenv("NUMGATE_TEST_POSTGRES_DSN"); dsn != "" {
		stores = append(stores, struct{ name, dsn string }{"postgres", dsn})
	}
	// As numgate serve runs: the GC target it sets (--gc-percent) and the request make
	// bench sends.
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	body, err := os.ReadFile("../testdata/requests/de-local-business.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			ts := newTestServer(b)
			if st.dsn != "" {
				s, err := decisionlog.Open(context.Background(), st.dsn)
				if err != nil {
					b.Fatal(err)
				}
				l := decisionlog.NewLog(s, decisionlog.DefaultCommitDelay, ts.reg, ts.log)
				defer l.Close()
				ts.cfg.DecisionLog = l
			}
			ts.logs.Reset()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go func() { _ = ts.Serve(ln) }()
			url := "http://" + ln.Addr().String() + "/v1/decisions/activation"
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.SetParallelism(32) // 64 clients on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Post(url, "application/json", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
			if mfs, err := ts.reg.Gather(); err == nil {
				for _, mf := range mfs {
					switch mf.GetName() {
					case "numgate_decision_log_batch_size", "numgate_decision_log_commit_seconds":
						h := mf.GetMetric()[0].GetHistogram()
						if h.GetSampleCount() > 0 {
							b.ReportMetric(h.GetSampleSum()/float64(h.GetSampleCount()), strings.TrimPrefix(mf.GetName(), "numgate_decision_log_")+"_mean")
						}
					}
				}
			}
			client.CloseIdleConnections()
			_ = ts.Shutdown(context.Background())
		})
	}
}
