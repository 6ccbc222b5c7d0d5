package decisionlog_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/numgate/numgate/server/decisionlog"
)

// countingStore keeps records in memory and counts commits; each commit takes a while,
// as an fsync does.
type countingStore struct {
	mu      sync.Mutex
	commits int
	records int
}

func (s *countingStore) Append(_ context.Context, rs []decisionlog.Record) error {
	time.Sleep(200 * time.Microsecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits++
	s.records += len(rs)
	return nil
}

func (s *countingStore) counts() (commits, records int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits, s.records
}

func (*countingStore) Get(context.Context, string) (decisionlog.Record, error) {
	return decisionlog.Record{}, decisionlog.ErrNotFound
}
func (*countingStore) List(context.Context, decisionlog.Filter) (decisionlog.Page, error) {
	return decisionlog.Page{}, nil
}
func (*countingStore) Purge(context.Context, decisionlog.Retention) (decisionlog.Purged, error) {
	return decisionlog.Purged{}, nil
}
func (*countingStore) Ping(context.Context) error { return nil }
func (*countingStore) Close() error               { return nil }

func newLog(t *testing.T, s decisionlog.Store, delay time.Duration) *decisionlog.Log {
	t.Helper()
	l := decisionlog.NewLog(s, delay, prometheus.NewRegistry(), zerolog.Nop())
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func rec(i int) decisionlog.Record {
	return decisionlog.Record{ID: fmt.Sprintf("id-%06d", i), DecidedAt: time.Now(), Kind: "activation", Status: "active"}
}

// A lone decision is committed at once: the commit delay is for load only.
func TestLogLoneRecordDoesNotWait(t *testing.T) {
	s := &countingStore{}
	l := newLog(t, s, 10*time.Second)
	for i := 0; i < 3; i++ {
		start := time.Now()
		if err := l.Record(context.Background(), rec(i)); err != nil {
			t.Fatal(err)
		}
		// Far below the 10 s delay, however slow the machine.
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("a lone record took %s: it waited for the commit delay", took)
		}
	}
	if commits, records := s.counts(); commits != 3 || records != 3 {
		t.Errorf("%d commits for %d records, want one each", commits, records)
	}
}

// Under load, concurrent decisions share commits, and more of them with a commit delay
// than without; every record is acknowledged once committed.
func TestLogGroupsConcurrentRecords(t *testing.T) {
	perCommit := map[time.Duration]float64{}
	for _, delay := range []time.Duration{0, 20 * time.Millisecond} {
		s := &countingStore{}
		l := newLog(t, s, delay)
		var wg sync.WaitGroup
		for g := 0; g < 32; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					coming := l.Expect()
					time.Sleep(50 * time.Microsecond) // deciding
					if err := coming.Record(context.Background(), rec(g*1000+i)); err != nil {
						t.Error(err)
						return
					}
				}
			}(g)
		}
		wg.Wait()
		commits, records := s.counts()
		if records != 640 {
			t.Fatalf("delay %s: %d records committed, want 640", delay, records)
		}
		perCommit[delay] = float64(records) / float64(commits)
	}
	if perCommit[20*time.Millisecond] <= perCommit[0] || perCommit[20*time.Millisecond] < 4 {
		t.Errorf("records per commit: %.1f without a delay, %.1f with 20 ms; the delay should gather more", perCommit[0], perCommit[20*time.Millisecond])
	}
}

// A commit waits for the records that are coming, and not once every one expected is
// queued or abandoned: with a delay far longer than the test, eight callers that each
// decide and record in turn (as eight clients do) share commits and never wait for it.
func TestLogWaitsOnlyForRecordsComing(t *testing.T) {
	s := &countingStore{}
	l := newLog(t, s, 10*time.Second)
	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				coming := l.Expect()
				if i%5 == 4 {
					coming.Abandon() // the decision failed: no record comes
					continue
				}
				time.Sleep(100 * time.Microsecond) // deciding
				if err := coming.Record(context.Background(), rec(g*1000+i)); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	// 160 records; a commit that waited for its window would take 10 s.
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("160 records took %s: commits waited for records that were not coming", took)
	}
	commits, records := s.counts()
	if records != 160 {
		t.Fatalf("%d records committed, want 160", records)
	}
	if commits >= records {
		t.Errorf("%d commits for %d records: concurrent records should share commits", commits, records)
	}
}
