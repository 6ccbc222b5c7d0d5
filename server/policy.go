package server

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"

	"github.com/numgate/numgate/engine"
)

// Policy holds the snapshot being served and replaces it. A reload builds and validates a
// whole new snapshot aside and swaps it in atomically only if it is valid; requests in
// flight finish on the snapshot they started with. Reloads run one at a time, whatever
// triggered them (file change, SIGHUP, the admin endpoint).
type Policy struct {
	load    func(context.Context) (*engine.Snapshot, error)
	log     zerolog.Logger
	metrics *Metrics

	reloadMu sync.Mutex
	current  atomic.Pointer[engine.Snapshot]
	last     atomic.Pointer[ReloadStatus]
}

// ReloadStatus is the outcome of the last reload attempt.
type ReloadStatus struct {
	At          time.Time           `json:"at"`
	Trigger     string              `json:"trigger"`
	OK          bool                `json:"ok"`
	Revision    string              `json:"revision,omitempty"` // the revision loaded, when OK
	Error       string              `json:"error,omitempty"`
	Diagnostics []engine.Diagnostic `json:"diagnostics,omitempty"`
}

// NewPolicy returns a policy with no snapshot yet; call Reload to load the first.
func NewPolicy(load func(context.Context) (*engine.Snapshot, error), log zerolog.Logger, m *Metrics) *Policy {
	return &Policy{load: load, log: log, metrics: m}
}

// Current is the snapshot being served, nil until the first load succeeds.
func (p *Policy) Current() *engine.Snapshot { return p.current.Load() }

// LastReload is the outcome of the last reload attempt, nil before the first.
func (p *Policy) LastReload() *ReloadStatus { return p.last.Load() }

// Reload builds a new snapshot and serves it if it is valid. On failure the snapshot in
// service stays, and the error (engine.Diagnostics for invalid files) is returned,
// logged, counted and kept for LastReload.
func (p *Policy) Reload(ctx context.Context, trigger string) (*engine.Snapshot, error) {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	start := time.Now()
	snap, err := p.load(ctx)
	st := &ReloadStatus{At: start.UTC(), Trigger: trigger, OK: err == nil}
	p.metrics.lastReloadTime.Set(float64(start.Unix()))
	if err != nil {
		st.Error = err.Error()
		var ds engine.Diagnostics
		if errors.As(err, &ds) {
			st.Diagnostics = ds
			st.Error = "the policy tree is invalid"
		}
		p.last.Store(st)
		p.metrics.reloads.WithLabelValues("failure", trigger).Inc()
		p.metrics.lastReloadOK.Set(0)
		ev := p.log.Error().Str("trigger", trigger).Int("problems", len(st.Diagnostics))
		if old := p.current.Load(); old != nil {
			ev = ev.Str("serving_revision", old.Revision)
		}
		ev.Strs("diagnostics", diagnosticStrings(st.Diagnostics)).Err(err).Msg("policy reload rejected; the last good policy keeps serving")
		return nil, err
	}
	st.Revision = snap.Revision
	old := p.current.Swap(snap)
	p.last.Store(st)
	p.metrics.reloads.WithLabelValues("success", trigger).Inc()
	p.metrics.lastReloadOK.Set(1)
	p.metrics.policyInfo.Reset()
	p.metrics.policyInfo.WithLabelValues(snap.Revision).Set(1)
	evaluators := snap.Evaluators()
	p.metrics.setEvaluators(evaluators)
	lines := make([]string, len(evaluators))
	for i, e := range evaluators {
		lines[i] = e.String()
	}
	ev := p.log.Info().Str("trigger", trigger).Str("revision", snap.Revision).Int("files", len(snap.Files)).
		Strs("evaluators", lines).Float64("took_ms", float64(time.Since(start).Microseconds())/1000)
	if old != nil {
		ev = ev.Bool("changed", old.Revision != snap.Revision)
	}
	ev.Msg("policy loaded")
	for _, e := range evaluators {
		if e.Evaluator == engine.EvaluatorTopdown && e.Position != "" {
			p.log.Warn().Str("revision", snap.Revision).Str("decision", e.Decision).Str("reason", e.Reason).Str("position", e.Position).
				Msg("this decision is made by OPA's evaluator, about three times slower: planeval does not run the policy exactly there")
		}
	}
	return snap, nil
}

func diagnosticStrings(ds []engine.Diagnostic) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

// watchDebounce gathers the burst of events one save produces (editors write, rename and
// chmod) into one reload.
const watchDebounce = 250 * time.Millisecond

// Watch reloads when anything under dirs changes, until ctx ends. Directories created
// later are watched too, and so is a watched directory that is replaced (moved away and
// back, or deleted and copied again, as deploy tools do): each one's parent is watched
// for it to come back.
func (p *Policy) Watch(ctx context.Context, dirs []string) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	roots := map[string]bool{}
	parents := map[string]bool{}
	for _, d := range dirs {
		if err := addTree(w, d); err != nil {
			return err
		}
		root := filepath.Clean(d)
		roots[root] = true
		parents[filepath.Dir(root)] = true
	}
	for parent := range parents {
		if !roots[parent] {
			if err := w.Add(parent); err != nil {
				p.log.Warn().Err(err).Str("dir", parent).Msg("cannot watch for the policy directories being replaced; edits inside them still reload")
			}
		}
	}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			name := filepath.Clean(ev.Name)
			if parents[filepath.Dir(name)] && !roots[filepath.Dir(name)] && !roots[name] {
				continue // a sibling of a watched directory
			}
			switch {
			case roots[name] && ev.Has(fsnotify.Create):
				if err := addTree(w, name); err != nil {
					p.log.Warn().Err(err).Str("dir", name).Msg("a policy directory came back but cannot be watched")
				} else {
					p.log.Info().Str("dir", name).Msg("a policy directory came back; watching it again")
				}
			case roots[name] && (ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)):
				p.log.Warn().Str("dir", name).Msg("a policy directory was removed; the last good policy keeps serving, and the directory is watched for when it comes back")
			case ev.Has(fsnotify.Create):
				if st, err := os.Stat(name); err == nil && st.IsDir() {
					_ = addTree(w, name)
				}
			}
			timer = time.After(watchDebounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			p.log.Warn().Err(err).Msg("file watcher error")
		case <-timer:
			timer = nil
			_, _ = p.Reload(ctx, "file_change")
		}
	}
}

func addTree(w *fsnotify.Watcher, root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return w.Add(path)
		}
		return nil
	})
}

// Poll reloads every interval until ctx ends: for a bundle URL, which tells no one when
// it changes.
func (p *Policy) Poll(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = p.Reload(ctx, "bundle_poll")
		}
	}
}
