// Package storetest is the contract every decision-log store must keep, run the same
// against SQLite and PostgreSQL.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/numgate/numgate/server/decisionlog"
)

// RunAll runs every contract test on stores made by open, which must return an empty
// store.
func RunAll(t *testing.T, open func(t *testing.T) decisionlog.Store) {
	for name, test := range map[string]func(*testing.T, decisionlog.Store){
		"AppendGet":     appendGet,
		"ListFilters":   listFilters,
		"Paging":        paging,
		"FollowOldest":  followOldest,
		"SkewedIDs":     skewedIDs,
		"BadCursor":     badCursor,
		"Purge":         purge,
		"PurgeInterval": purgeInterval,
		"BatchAtomic":   batchAtomic,
		"ConcurrentLog": concurrentLog,
		"NotFound":      notFound,
		"PingWrites":    ping,
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			test(t, s)
		})
	}
}

var base = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func record(i int, kind, status, country string) decisionlog.Record {
	id, _ := uuid.NewV7()
	return decisionlog.Record{
		ID: id.String(), DecidedAt: base.Add(time.Duration(i) * time.Second), Kind: kind, Status: status, Country: country,
		Allow: status == "active", PolicyRevision: "sha256:abc", Latency: 750 * time.Microsecond, Principal: "svc",
		Input:  json.RawMessage(fmt.Sprintf(`{"n":%d,"identity":{"fields":{"first_name":"[masked]"}}}`, i)),
		Result: json.RawMessage(`{"status":"` + status + `","requirements":[]}`),
	}
}

func appendGet(t *testing.T, s decisionlog.Store) {
	ctx := context.Background()
	r := record(1, "activation", "incomplete", "DE")
	if err := s.Append(ctx, []decisionlog.Record{r}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var in, res map[string]any
	if err := json.Unmarshal(got.Input, &in); err != nil || json.Unmarshal(got.Result, &res) != nil {
		t.Fatalf("input or result not JSON: %s %s", got.Input, got.Result)
	}
	if got.ID != r.ID || !got.DecidedAt.Equal(r.DecidedAt) || got.Kind != r.Kind || got.Status != r.Status || got.Country != r.Country ||
		got.Allow != r.Allow || got.PolicyRevision != r.PolicyRevision || got.Latency != r.Latency || got.Principal != r.Principal ||
		in["n"].(float64) != 1 || res["status"] != "incomplete" {
		t.Errorf("got %+v, want %+v", got, r)
	}
}

func notFound(t *testing.T, s decisionlog.Store) {
	if _, err := s.Get(context.Background(), "01900000-0000-7000-8000-000000000000"); !errors.Is(err, decisionlog.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
}

func listFilters(t *testing.T, s decisionlog.Store) {
	ctx := context.Background()
	recs := []decisionlog.Record{
		record(0, "activation", "active", "DE"), record(1, "activation", "incomplete", "DE"),
		record(2, "activation", "active", "GB"), record(3, "contact_verification", "ok", "GB"),
		record(4, "account_action", "denied", ""),
	}
	AppendListed(t, s, recs)
	count := func(f decisionlog.Filter) int {
		page, err := s.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		got := page.Records
		for i := 1; i < len(got); i++ {
			// One batch commits in its order: newest first is the reverse.
			if got[i-1].ID <= got[i].ID {
				t.Errorf("not newest first: %s then %s", got[i-1].ID, got[i].ID)
			}
		}
		return len(got)
	}
	for _, tc := range []struct {
		name string
		f    decisionlog.Filter
		want int
	}{
		{"all", decisionlog.Filter{}, 5},
		{"kind", decisionlog.Filter{Kind: "activation"}, 3},
		{"kind and status", decisionlog.Filter{Kind: "activation", Status: "active"}, 2},
		{"country", decisionlog.Filter{Country: "GB"}, 2},
		{"since", decisionlog.Filter{Since: base.Add(2 * time.Second)}, 3},
		{"until (exclusive)", decisionlog.Filter{Until: base.Add(2 * time.Second)}, 2},
		{"window", decisionlog.Filter{Since: base.Add(time.Second), Until: base.Add(3 * time.Second)}, 2},
		{"limit", decisionlog.Filter{Limit: 2}, 2},
	} {
		if got := count(tc.f); got != tc.want {
			t.Errorf("%s: %d records, want %d", tc.name, got, tc.want)
		}
	}
}

func paging(t *testing.T, s decisionlog.Store) {
	ctx := context.Background()
	var all []decisionlog.Record
	for i := 0; i < 25; i++ {
		all = append(all, record(i, "activation", "active", "US"))
	}
	AppendListed(t, s, all)
	for _, oldest := range []bool{false, true} {
		seen := map[string]bool{}
		var order []string
		f := decisionlog.Filter{Limit: 10, Oldest: oldest}
		for pages := 0; ; pages++ {
			page, err := s.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Records {
				if seen[r.ID] {
					t.Fatalf("oldest %v: record %s on two pages", oldest, r.ID)
				}
				seen[r.ID] = true
				order = append(order, r.ID)
			}
			if len(page.Records) == 0 || page.Next == "" {
				break
			}
			f.Cursor = page.Next
			if pages > 5 {
				t.Fatal("paging does not end")
			}
		}
		if len(seen) != 25 {
			t.Errorf("oldest %v: paged through %d records, want 25", oldest, len(seen))
		}
		want := func(i int) string { return all[i].ID }
		if !oldest {
			want = func(i int) string { return all[24-i].ID }
		}
		for i, id := range order {
			if id != want(i) {
				t.Errorf("oldest %v: record %d is %s, want %s (commit order)", oldest, i, id, want(i))
				break
			}
		}
	}
}

// followOldest: a follower lists oldest first and keeps polling with the last Next; it
// gets every record once, those committed between its polls included.
func followOldest(t *testing.T, s decisionlog.Store) {
	ctx := context.Background()
	got := map[string]int{}
	cursor := ""
	poll := func() {
		for {
			page, err := s.List(ctx, decisionlog.Filter{Oldest: true, Cursor: cursor, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Records {
				got[r.ID]++
			}
			if page.Next == "" && cursor != "" {
				t.Fatal("oldest first, Next is empty after a position was given")
			}
			cursor = page.Next
			if len(page.Records) < 3 {
				return
			}
		}
	}
	poll() // an empty log
	var want []string
	for round := 0; round < 3; round++ {
		var batch []decisionlog.Record
		for i := 0; i < 4; i++ {
			r := record(round*10+i, "activation", "active", "DE")
			batch = append(batch, r)
			want = append(want, r.ID)
		}
		AppendListed(t, s, batch)
		poll()
	}
	poll() // nothing new: the same cursor, nothing twice
	for _, id := range want {
		if got[id] != 1 {
			t.Errorf("record %s listed %d times, want once", id, got[id])
		}
	}
}

// skewedIDs: a record whose id is older than one already listed (a replica whose clock
// lags, or a commit that took longer) is still found by a follower, because the log pages
// in commit order, not id order.
func skewedIDs(t *testing.T, s decisionlog.Store) {
	ctx := context.Background()
	older := record(0, "activation", "active", "DE") // its UUIDv7 is made first
	newer := record(1, "activation", "active", "DE")
	AppendListed(t, s, []decisionlog.Record{newer})
	first, err := s.List(ctx, decisionlog.Filter{Oldest: true})
	if err != nil || len(first.Records) != 1 || first.Records[0].ID != newer.ID {
		t.Fatalf("first poll: %+v %v", first, err)
	}
	AppendListed(t, s, []decisionlog.Record{older})
	next, err := s.List(ctx, decisionlog.Filter{Oldest: true, Cursor: first.Next})
	if err != nil || len(next.Records) != 1 || next.Records[0].ID != older.ID {
		t.Errorf("the record committed late with an older id was skipped: %+v %v", next.Records, err)
	}
	top, err := s.List(ctx, decisionlog.Filter{Limit: 1})
	if err != nil || len(top.Records) != 1 || top.Records[0].ID != older.ID {
		t.Errorf("newest first starts with the last committed: %+v %v", top.Records, err)
	}
}

func badCursor(t *testing.T, s decisionlog.Store) {
	for _, c := range []string{"nonsense", "MTIz", "01900000-0000-7000-8000-000000000000"} {
		if _, err := s.List(context.Background(), decisionlog.Filter{Cursor: c}); !errors.Is(err, decisionlog.ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", c, err)
		}
	}
}

func purge(t *testing.T, s decisionlog.Store) {
	ctx := context.Background()
	AppendListed(t, s, []decisionlog.Record{record(0, "activation", "active", "DE"), record(10, "activation", "active", "DE")})
	p, err := s.Purge(ctx, decisionlog.Retention{Now: base.Add(time.Hour), Before: base.Add(5 * time.Second), Every: time.Hour})
	if err != nil || !p.Ran || p.Records != 1 {
		t.Fatalf("purged %+v, %v; want 1", p, err)
	}
	if left, _ := s.List(ctx, decisionlog.Filter{}); len(left.Records) != 1 {
		t.Errorf("%d left, want 1", len(left.Records))
	}
}

// purgeInterval: a purge within the interval of the last one, by this instance or another
// sharing the store, does not run; one due (less a tenth of slack) does.
func purgeInterval(t *testing.T, s decisionlog.Store) {
	ctx := context.Background()
	now := base.Add(24 * time.Hour)
	for _, step := range []struct {
		at   time.Duration
		want bool
	}{{0, true}, {10 * time.Minute, false}, {50 * time.Minute, false}, {55 * time.Minute, true}, {65 * time.Minute, false}, {2 * time.Hour, true}} {
		p, err := s.Purge(ctx, decisionlog.Retention{Now: now.Add(step.at), Before: base, Every: time.Hour})
		if err != nil || p.Ran != step.want {
			t.Errorf("at +%s: ran %v, %v; want %v", step.at, p.Ran, err, step.want)
		}
	}
}

// batchAtomic: a batch with one bad record (a duplicate id) is written not at all.
func batchAtomic(t *testing.T, s decisionlog.Store) {
	ctx := context.Background()
	a := record(0, "activation", "active", "DE")
	if err := s.Append(ctx, []decisionlog.Record{a}); err != nil {
		t.Fatal(err)
	}
	b := record(1, "activation", "active", "DE")
	if err := s.Append(ctx, []decisionlog.Record{b, a}); err == nil {
		t.Fatal("a batch with a duplicate id was accepted")
	}
	if _, err := s.Get(ctx, b.ID); !errors.Is(err, decisionlog.ErrNotFound) {
		t.Errorf("part of a failed batch was kept: %v", err)
	}
}

// concurrentLog: many goroutines recording through the group-commit log; every record
// acknowledged is in the store.
func concurrentLog(t *testing.T, s decisionlog.Store) {
	l := decisionlog.NewLog(noClose{s}, decisionlog.DefaultCommitDelay, noRegistry{}, nopLogger())
	ctx := context.Background()
	var wg sync.WaitGroup
	ids := make(chan string, 400)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				r := record(g*100+i, "activation", "active", "DE")
				if err := l.Record(ctx, r); err != nil {
					t.Error(err)
					return
				}
				ids <- r.ID
			}
		}(g)
	}
	wg.Wait()
	close(ids)
	_ = l.Close()
	n := 0
	for id := range ids {
		if _, err := s.Get(ctx, id); err != nil {
			t.Errorf("acknowledged record %s: %v", id, err)
		}
		n++
	}
	if n != 400 {
		t.Errorf("%d records acknowledged, want 400", n)
	}
}

func ping(t *testing.T, s decisionlog.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Error(err)
	}
}

// AppendListed appends records and waits until List shows them all. In PostgreSQL a
// record enters the list once every transaction older than its own has ended, on the
// whole server: another test's insert in flight can hold it back for a moment.
func AppendListed(t testing.TB, s decisionlog.Store, records []decisionlog.Record) {
	t.Helper()
	if err := s.Append(context.Background(), records); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(records))
	for i, r := range records {
		ids[i] = r.ID
	}
	WaitListed(t, s, ids...)
}

// WaitListed waits, for at most 10 seconds, until List shows every one of ids.
func WaitListed(t testing.TB, s decisionlog.Store, ids ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		listed := map[string]bool{}
		f := decisionlog.Filter{Limit: 1000}
		for {
			page, err := s.List(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Records {
				listed[r.ID] = true
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		missing := 0
		for _, id := range ids {
			if !listed[id] {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d records appended are not listed after 10s", missing, len(ids))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
