package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/numgate/numgate/countries"
	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/policies"
)

// treeFlags selects the country and policy directories. Left at their defaults, they
// read ./countries and ./policies when run from a checkout, and the copies built into
// the binary elsewhere.
type treeFlags struct {
	countries, policies string
	evaluator           engine.Evaluator // --evaluator where registered; empty: the plans
}

const (
	defaultCountries = "countries"
	defaultPolicies  = "policies"
)

func (t *treeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.countries, "countries", defaultCountries, "`DIR` of country files (catalog.yaml and XX.yaml)")
	fs.StringVar(&t.policies, "policies", defaultPolicies, "`DIR` of Rego policies and product/data.yaml")
}

// registerEvaluator adds --evaluator, as numgate serve has it, for the commands that
// decide (eval, test, diff, impact) and check, which reports each decision's evaluator.
func (t *treeFlags) registerEvaluator(fs *flag.FlagSet) {
	fs.Var(evaluatorFlag{&t.evaluator}, "evaluator", "`name` of the evaluator of decisions: plan (OPA's query plans, run by numgate; a decision planeval cannot run exactly is OPA's evaluator's) or topdown (OPA's own evaluator for every decision)")
}

// evaluatorFlag is --evaluator, checked as it is parsed (a bad value is a usage error).
type evaluatorFlag struct{ ev *engine.Evaluator }

func (f evaluatorFlag) String() string {
	if f.ev == nil || *f.ev == "" {
		return string(engine.EvaluatorPlan)
	}
	return string(*f.ev)
}

func (f evaluatorFlag) Set(v string) error {
	ev, err := engine.ParseEvaluator(v)
	if err != nil {
		return err
	}
	*f.ev = ev
	return nil
}

// config resolves the flags into engine trees, saying on stderr when it falls back to
// the embedded copies.
func (t *treeFlags) config(stderr io.Writer) (engine.Config, error) {
	cfg, _, err := t.resolve(stderr)
	return cfg, err
}

// resolve is config plus the directories on disk (none for an embedded tree), which
// serve watches.
func (t *treeFlags) resolve(stderr io.Writer) (engine.Config, []string, error) {
	c, cdir, err := tree(t.countries, defaultCountries, countries.FS(), stderr)
	if err != nil {
		return engine.Config{}, nil, err
	}
	p, pdir, err := tree(t.policies, defaultPolicies, policies.FS(), stderr)
	if err != nil {
		return engine.Config{}, nil, err
	}
	var dirs []string
	for _, d := range []string{cdir, pdir} {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return engine.Config{Countries: c, Policies: p, Evaluator: t.evaluator}, dirs, nil
}

func tree(dir, def string, embedded fs.FS, stderr io.Writer) (engine.Tree, string, error) {
	st, err := os.Stat(dir)
	switch {
	case err == nil && st.IsDir():
		return engine.Tree{FS: os.DirFS(dir), Name: dir}, dir, nil
	case err == nil:
		return engine.Tree{}, "", fmt.Errorf("%s is not a directory", dir)
	case dir == def && os.IsNotExist(err):
		fmt.Fprintf(stderr, "numgate: no ./%s here, using the %s built into this binary\n", def, def)
		return engine.Tree{FS: embedded, Name: def}, "", nil
	}
	return engine.Tree{}, "", fmt.Errorf("cannot use %s: %w", dir, err)
}

// load resolves the trees and loads them, printing why not as cmd: the exit code is
// exitOK when the snapshot is good.
func (t *treeFlags) load(ctx context.Context, cmd string, stderr io.Writer, clock func() time.Time) (*engine.Snapshot, int) {
	cfg, err := t.config(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "numgate %s: %v\n", cmd, err)
		return nil, exitError
	}
	cfg.Clock = clock
	snap, err := engine.Load(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "numgate %s: the policies do not load; run numgate check:\n%v\n", cmd, err)
		return nil, exitFailed
	}
	return snap, exitOK
}
