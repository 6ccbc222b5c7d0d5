package engine

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/numgate/numgate/internal/badinput"
	"gopkg.in/yaml.v3"
)

// Planned decisions must be exactly those of OPA's evaluator: every decision case of
// every kind, every offer's requirements and the hostile requests are decided both ways.
func TestPlansDecideAsTopdown(t *testing.T) {
	load := func(ev Evaluator) *Snapshot {
		s, err := Load(context.Background(), Config{
			Countries: Tree{FS: os.DirFS("../countries"), Name: "countries"},
			Policies:  Tree{FS: os.DirFS("../policies"), Name: "policies"},
			Clock:     func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
			NewID:     func() string { return "id" },
			Evaluator: ev,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	plan, topdown := load(EvaluatorPlan), load(EvaluatorTopdown)
	if ev, why := plan.Evaluator(); ev != EvaluatorPlan {
		t.Fatalf("the repository's policies are not planned: %s", why)
	}
	if ev, _ := topdown.Evaluator(); ev != EvaluatorTopdown {
		t.Fatalf("Evaluator: topdown configured, got %s", ev)
	}
	ctx := context.Background()
	same := func(what string, decide func(*Snapshot) (any, error)) {
		t.Helper()
		got, gotErr := decide(plan)
		want, wantErr := decide(topdown)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Errorf("%s: plan error %v, topdown error %v", what, gotErr, wantErr)
			return
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("%s:\nplan    %s\ntopdown %s", what, g, w)
		}
	}

	n := 0
	err := filepath.WalkDir("../testdata/cases", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var c struct {
			Kind  string         `yaml:"kind"`
			Input map[string]any `yaml:"input"`
		}
		if err := yaml.Unmarshal(raw, &c); err != nil {
			return err
		}
		body, _ := json.Marshal(c.Input)
		switch c.Kind {
		case "", "activation":
			same(path, func(s *Snapshot) (any, error) { return s.Activation(ctx, body) })
		case "account-action":
			same(path, func(s *Snapshot) (any, error) { return s.AccountAction(ctx, body) })
		case "contact-verification":
			same(path, func(s *Snapshot) (any, error) { return s.ContactVerification(ctx, body) })
		default:
			t.Fatalf("%s: unknown kind %q", path, c.Kind)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d decision cases found", n)
	}

	for _, code := range sortedKeys(plan.countries) {
		for _, nt := range NumberTypes {
			for _, use := range Uses {
				for _, at := range []time.Time{{}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} {
					q := RequirementsQuery{Country: code, NumberType: nt, Use: use, At: at}
					same(code+" "+nt+" "+use, func(s *Snapshot) (any, error) { return s.Requirements(ctx, q) })
				}
			}
		}
	}

	bad, err := badinput.Load("../testdata/badinput/requests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range bad {
		body, err := r.BodyBytes()
		if err != nil || body == nil {
			continue
		}
		same("badinput "+r.Name, func(s *Snapshot) (any, error) { return s.Activation(ctx, body) })
	}
}

// Plans are shared by every decision of a snapshot: decisions made at once from many
// goroutines must each equal the same decision made alone (a plan that changed a value
// another evaluation reads would show here, and under go test -race).
func TestPlansConcurrently(t *testing.T) {
	s, err := Load(context.Background(), Config{
		Countries: Tree{FS: os.DirFS("../countries"), Name: "countries"},
		Policies:  Tree{FS: os.DirFS("../policies"), Name: "policies"},
		Clock:     func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
		NewID:     func() string { return "id" },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var bodies [][]byte
	var want []string
	err = filepath.WalkDir("../testdata/cases", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var c struct {
			Kind  string         `yaml:"kind"`
			Input map[string]any `yaml:"input"`
		}
		if err := yaml.Unmarshal(raw, &c); err != nil || (c.Kind != "" && c.Kind != "activation") {
			return err
		}
		body, _ := json.Marshal(c.Input)
		d, err := s.Activation(ctx, body)
		if err != nil {
			return nil // a refused request decides nothing
		}
		out, _ := json.Marshal(d)
		bodies, want = append(bodies, body), append(want, string(out))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const workers = 8
	errs := make(chan string, workers)
	for w := range workers {
		go func() {
			for i := range bodies {
				j := (i + w*len(bodies)/workers) % len(bodies) // each worker starts elsewhere
				d, err := s.Activation(ctx, bodies[j])
				if err != nil {
					errs <- err.Error()
					return
				}
				if out, _ := json.Marshal(d); string(out) != want[j] {
					errs <- "concurrent decision differs:\n" + string(out) + "\nalone:\n" + want[j]
					return
				}
			}
			errs <- ""
		}()
	}
	for range workers {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
