package engine

import (
	"fmt"
	"strings"
)

// Kind is a kind of decision: one of Kinds. Its name is the identifier used in answers,
// logs, metrics, the decision log, masks and decision cases (account_action); Path is
// its spelling in URLs (account-action). Both spellings are read by ParseKind.
type Kind string

// The decision kinds.
const (
	KindActivation          Kind = "activation"
	KindAccountAction       Kind = "account_action"
	KindContactVerification Kind = "contact_verification"
)

// Kinds lists every decision kind, in the order the API documents them.
var Kinds = []Kind{KindActivation, KindAccountAction, KindContactVerification}

// Path is the kind as a URL path segment: POST /v1/decisions/{Path}.
func (k Kind) Path() string { return strings.ReplaceAll(string(k), "_", "-") }

// ParseKind reads a kind written as an identifier (account_action) or as in a URL
// (account-action).
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
	for _, known := range Kinds {
		if k == known {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, known := range Kinds {
		names[i] = string(known)
	}
	return "", fmt.Errorf("decision kind %q is not one of %s", s, strings.Join(names, ", "))
}

// Statuses lists the statuses a decision of the kind can have, as its answer's status
// enum documents them; allow is true exactly for the first.
func (k Kind) Statuses() []string { return kinds[k].statuses }

// kindSpec is everything that differs between decision kinds; Decide and the rest of
// the engine read it rather than switch on a kind.
type kindSpec struct {
	schema   string                                // the request's JSON Schema
	query    string                                // the rule that decides
	statuses []string                              // the answer's status enum, the allowed one first
	enrich   func(*Snapshot, map[string]any) error // what Go reads from the request for the policy
	answer   func() Decision                       // the typed answer to fill
}

var kinds = map[Kind]kindSpec{
	KindActivation: {
		schema: schemaActivation, query: "data.numgate.activation.decision",
		statuses: []string{StatusActive, StatusReadyForReview, StatusPending, StatusIncomplete, StatusRejected, StatusBlocked, StatusNotAvailable, StatusUnknown},
		enrich:   (*Snapshot).enrichActivation,
		answer:   func() Decision { return &ActivationDecision{} },
	},
	KindAccountAction: {
		schema: schemaAction, query: "data.numgate.account_action.decision",
		statuses: []string{"allowed", "setup_required"},
		enrich:   (*Snapshot).enrichAccountAction,
		answer:   func() Decision { return &AccountActionDecision{} },
	},
	KindContactVerification: {
		schema: schemaContactReq, query: "data.numgate.contact_verification.decision",
		statuses: []string{"allowed", "wait", "refused"},
		enrich:   (*Snapshot).enrichContact,
		answer:   func() Decision { return &ContactDecision{} },
	},
}
