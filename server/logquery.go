package server

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/server/decisionlog"
)

// logQueryParams are the parameters GET /v1/decisions reads.
var logQueryParams = []string{"kind", "status", "country", "since", "until", "limit", "cursor", "order"}

var (
	decisionIDForm = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	countryForm    = regexp.MustCompile(`^[A-Za-z]{2}$`)
)

// badParameter is a query parameter the decision log cannot use, with what it allows.
type badParameter struct {
	name, message string // the message names the parameter and its allowed values
}

// parseDecisionID reads a decision id as a caller may write it (any case) into the form
// the log keeps (lower case).
func parseDecisionID(s string) (string, bool) {
	if !decisionIDForm.MatchString(s) {
		return "", false
	}
	return strings.ToLower(s), true
}

// parseLogFilter reads the query of GET /v1/decisions. Every parameter is checked, so
// that a filter the log cannot apply is refused rather than answered with an empty page.
// ParseLogFilter reads a decision-log query (kind, status, country, since, until, limit,
// cursor, order) as GET /v1/decisions does, for numgate decisions export to filter
// exactly as the API: a filter that cannot match is an error, never an empty result.
func ParseLogFilter(q url.Values) (decisionlog.Filter, error) {
	f, bad := parseLogFilter(q)
	if bad != nil {
		return f, fmt.Errorf("%s", bad.message)
	}
	return f, nil
}

func parseLogFilter(q url.Values) (decisionlog.Filter, *badParameter) {
	var f decisionlog.Filter
	for name, vs := range q {
		switch {
		case !slices.Contains(logQueryParams, name):
			return f, &badParameter{name, fmt.Sprintf("unknown parameter %q, expected some of: %s", name, strings.Join(logQueryParams, ", "))}
		case len(vs) > 1:
			return f, &badParameter{name, fmt.Sprintf("%s is given %d times, expected it once", name, len(vs))}
		case vs[0] == "":
			return f, &badParameter{name, name + " is empty; leave it out to not filter by it"}
		}
	}
	if v := q.Get("kind"); v != "" {
		k, err := engine.ParseKind(v)
		if err != nil {
			return f, &badParameter{"kind", err.Error() + " (or as in the URL: account-action, contact-verification)"}
		}
		f.Kind = string(k)
	}
	if v := q.Get("status"); v != "" {
		var allowed []string
		for _, k := range engine.Kinds {
			if f.Kind == "" || f.Kind == string(k) {
				for _, st := range k.Statuses() {
					if !slices.Contains(allowed, st) {
						allowed = append(allowed, st)
					}
				}
			}
		}
		if !slices.Contains(allowed, v) {
			return f, &badParameter{"status", fmt.Sprintf("status %q is not recorded for %s decisions, expected one of: %s", v, kindWords(f.Kind), strings.Join(allowed, ", "))}
		}
		f.Status = v
	}
	if v := q.Get("country"); v != "" {
		if !countryForm.MatchString(v) {
			return f, &badParameter{"country", fmt.Sprintf("country %q is not an ISO 3166-1 alpha-2 code, expected e.g. DE", v)}
		}
		f.Country = strings.ToUpper(v)
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, &badParameter{name, name + " must be an RFC 3339 time such as 2026-11-25T00:00:00Z"}
			}
			*dst = t
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, &badParameter{"until", "until must be after since (since is inclusive, until exclusive)"}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, &badParameter{"limit", "limit must be a whole number from 1 to 1000"}
		}
		f.Limit = n
	}
	// The cursor is opaque: the store reads it, and refuses one it did not give.
	f.Cursor = q.Get("cursor")
	switch q.Get("order") {
	case "", "newest":
	case "oldest":
		f.Oldest = true
	default:
		return f, &badParameter{"order", fmt.Sprintf("order %q is not newest (the default) or oldest", q.Get("order"))}
	}
	return f, nil
}

func kindWords(kind string) string {
	if kind == "" {
		return "any"
	}
	return kind
}
