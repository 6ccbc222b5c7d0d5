package planeval

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// A complete rule or a function that gets two different values is an error. OPA's
// evaluator stops at the first conflict, then evaluates the rule again to list every
// value that conflicts, each with the rule that produced it (topdown/conflicts.go);
// this does the same, so the error reads exactly as OPA's.

// maxConflicts bounds the values listed, as in OPA.
const maxConflicts = 10

// ownConflict is a conflict found in the body of the function being run; the call
// that ran the function turns it into the error OPA gives (see callStmt).
type ownConflict struct {
	loc      *ast.Location
	headline string
}

func (e *ownConflict) Error() string { return conflict(e.loc, e.headline).Error() }

// conflicts collects the values of a function's body run again, in collect mode.
type conflicts struct {
	values []conflictValue // values[0] is the first value produced
	more   bool
	done   map[*ast.Location]bool // rules that gave a conflicting value: one each is listed
}

type conflictValue struct {
	loc   *ast.Location
	value *ast.Term
}

var errConflictLimit = errors.New("conflicting values limit exceeded")

// add records a value when it is the first or differs from the first; as in OPA, a
// rule that gave one conflicting value gives no more.
func (c *conflicts) add(loc *ast.Location, v *ast.Term) error {
	if c.done[loc] || len(c.values) > 0 && c.values[0].value.Equal(v) {
		return nil
	}
	if len(c.values) > 0 {
		if c.done == nil {
			c.done = map[*ast.Location]bool{}
		}
		c.done[loc] = true
	}
	if len(c.values) == maxConflicts {
		c.more = true
		return errConflictLimit
	}
	c.values = append(c.values, conflictValue{loc: loc, value: v})
	return nil
}

// collectConflicts runs a function's body again with the same arguments, collecting
// every value it produces, and returns OPA's conflict error listing them.
func (m *machine) collectConflicts(fn *function, args []*ast.Term, found *ownConflict) error {
	c := &conflicts{}
	f := &frame{locals: m.slots(fn.locals), collect: c}
	for i, p := range fn.params {
		f.locals[p] = args[i]
	}
	if _, err := m.run(f, fn.body); err != nil && !errors.Is(err, errConflictLimit) {
		var other *ownConflict
		if !errors.As(err, &other) {
			return err
		}
	}
	if len(c.values) < 2 {
		return conflict(found.loc, found.headline)
	}
	values := slices.Clone(c.values)
	slices.SortStableFunc(values, func(a, b conflictValue) int { return a.loc.Compare(b.loc) })
	var s strings.Builder
	s.WriteString(found.headline)
	s.WriteByte(':')
	for _, v := range values {
		s.WriteString("\n  ")
		s.WriteString(valueText(v.value.String()))
		s.WriteString(" at ")
		s.WriteString(v.loc.File)
		s.WriteByte(':')
		s.WriteString(strconv.Itoa(v.loc.Row))
	}
	if c.more {
		s.WriteString("\n  ...")
	}
	return &topdown.Error{Code: topdown.ConflictErr, Location: found.loc, Message: s.String()}
}

// valueText is a value as OPA's conflict listing shows it: on one line, cut at 80
// characters.
func valueText(src string) string {
	text := strings.Join(strings.Fields(src), " ")
	runes := 0
	for i := range text {
		if runes == 80 {
			return text[:i] + "..."
		}
		runes++
	}
	return text
}
