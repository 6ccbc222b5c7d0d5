package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
	"github.com/numgate/numgate/internal/badinput"
)

// loadRepoAs loads the repository's tree with a fixed clock and decision id, so that two
// snapshots' decisions compare equal, decided by ev.
func loadRepoAs(t testing.TB, ev engine.Evaluator) *engine.Snapshot {
	t.Helper()
	cfg := repoTrees(t)
	cfg.Clock = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	cfg.NewID = func() string { return "id" }
	cfg.Evaluator = ev
	snap, err := engine.Load(context.Background(), cfg)
	if err != nil {
		t.Fatalf("loading the repository's tree: %v", err)
	}
	return snap
}

// caseBodies are the repository's decision cases with their requests.
func caseBodies(t *testing.T) ([]cases.Case, [][]byte) {
	t.Helper()
	all, err := cases.Load(os.DirFS("../testdata"), "cases")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 100 {
		t.Fatalf("only %d decision cases found", len(all))
	}
	bodies := make([][]byte, len(all))
	for i, c := range all {
		if bodies[i], err = c.Body(); err != nil {
			t.Fatalf("%s: %v", c.File, err)
		}
	}
	return all, bodies
}

// Planned decisions must be exactly those of OPA's evaluator: every decision case of
// every kind, every offer's requirements and the hostile requests are decided both ways.
func TestPlansDecideAsTopdown(t *testing.T) {
	plan, topdown := loadRepoAs(t, engine.EvaluatorPlan), loadRepoAs(t, engine.EvaluatorTopdown)
	for i, e := range plan.Evaluators() {
		if e.Evaluator != engine.EvaluatorPlan {
			t.Fatalf("the repository's %s decision is not planned: %s", e.Decision, e)
		}
		if td := topdown.Evaluators()[i]; td.Evaluator != engine.EvaluatorTopdown || td.Reason == "" {
			t.Fatalf("topdown configured, got %s", td)
		}
	}
	ctx := context.Background()
	same := func(what string, decide func(*engine.Snapshot) (any, error)) {
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

	all, bodies := caseBodies(t)
	for i, c := range all {
		same(c.File, func(s *engine.Snapshot) (any, error) { return s.Decide(ctx, c.Kind, bodies[i]) })
	}

	for _, c := range plan.Countries() {
		for _, nt := range engine.NumberTypes {
			for _, use := range engine.Uses {
				for _, at := range []time.Time{{}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} {
					q := engine.RequirementsQuery{Country: c.Country, NumberType: nt, Use: use, At: at}
					same(c.Country+" "+nt+" "+use, func(s *engine.Snapshot) (any, error) { return s.Requirements(ctx, q) })
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
		same("badinput "+r.Name, func(s *engine.Snapshot) (any, error) { return activate(ctx, s, body) })
	}
}

// Plans are shared by every decision of a snapshot: decisions made at once from many
// goroutines must each equal the same decision made alone (a plan that changed a value
// another evaluation reads would show here, and under go test -race).
func TestPlansConcurrently(t *testing.T) {
	s := loadRepoAs(t, engine.EvaluatorPlan)
	ctx := context.Background()
	all, caseBodies := caseBodies(t)
	var bodies [][]byte
	var want []string
	for i, c := range all {
		if c.Kind != "activation" {
			continue
		}
		d, err := activate(ctx, s, caseBodies[i])
		if err != nil {
			continue // a refused request decides nothing
		}
		out, _ := json.Marshal(d)
		bodies, want = append(bodies, caseBodies[i]), append(want, string(out))
	}
	const workers = 8
	errs := make(chan string, workers)
	for w := range workers {
		go func() {
			for i := range bodies {
				j := (i + w*len(bodies)/workers) % len(bodies) // each worker starts elsewhere
				d, err := activate(ctx, s, bodies[j])
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

// activate makes an activation decision and types it.
func activate(ctx context.Context, s *engine.Snapshot, body []byte) (*engine.ActivationDecision, error) {
	d, err := s.Decide(ctx, engine.KindActivation, body)
	if err != nil {
		return nil, err
	}
	return d.(*engine.ActivationDecision), nil
}
