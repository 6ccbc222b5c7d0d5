package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/numgate/numgate/engine"
)

// decisionsPageSize is how many decisions one page of the log lists.
const decisionsPageSize = 50

// record is a decision as the log keeps it (GET /v1/decisions), masked as stored.
type record struct {
	ID             string          `json:"decision_id"`
	DecidedAt      time.Time       `json:"decided_at"`
	Kind           string          `json:"kind"`
	Status         string          `json:"status"`
	Country        string          `json:"country"`
	Allow          bool            `json:"allow"`
	PolicyRevision string          `json:"policy_revision"`
	LatencyMicros  int64           `json:"latency_us"`
	Principal      string          `json:"principal"`
	Input          json.RawMessage `json:"input"`
	Result         json.RawMessage `json:"result"`
}

// logFilter is the decision log's filter form.
type logFilter struct {
	Kind, Status, Country, Since, Until string
}

type decisionsView struct {
	Filter   logFilter
	Kinds    []engine.Kind
	Statuses []string
	Records  []record
	Next     string // the URL of the next page, "" on the last
	Error    *apiError
}

// decisionsPage: recent decisions, newest first, filtered by kind, status, country and
// time; the API checks every filter.
func (c *Console) decisionsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	f := logFilter{Kind: q.Get("kind"), Status: q.Get("status"), Country: strings.TrimSpace(q.Get("country")),
		Since: q.Get("since"), Until: q.Get("until")}
	view := decisionsView{Filter: f, Kinds: engine.Kinds}
	seen := map[string]bool{}
	for _, k := range engine.Kinds {
		for _, st := range k.Statuses() {
			if !seen[st] {
				seen[st] = true
				view.Statuses = append(view.Statuses, st)
			}
		}
	}
	api := url.Values{"limit": {itoa(decisionsPageSize)}}
	for name, val := range map[string]string{"kind": f.Kind, "status": f.Status, "country": f.Country,
		"since": utcTime(f.Since), "until": utcTime(f.Until), "cursor": q.Get("cursor")} {
		if val != "" {
			api.Set(name, val)
		}
	}
	a := c.call(r, v, http.MethodGet, "/v1/decisions?"+api.Encode(), nil)
	switch {
	case a.Status == http.StatusBadRequest || a.Status == http.StatusNotFound:
		view.Error = a.Error() // a filter to fix, or no decision log: said on the page
	case !a.OK():
		c.failAPI(w, r, v, a)
		return
	default:
		var page struct {
			Decisions  []record `json:"decisions"`
			NextCursor string   `json:"next_cursor"`
		}
		if err := a.decode(&page); err != nil {
			c.fail(w, r, v, http.StatusBadGateway, err.Error())
			return
		}
		view.Records = page.Decisions
		if page.NextCursor != "" {
			next := url.Values{}
			for k, vs := range q {
				next[k] = vs
			}
			next.Set("cursor", page.NextCursor)
			view.Next = Prefix + "decisions?" + next.Encode()
		}
	}
	c.render(w, r, v, http.StatusOK, "decisions", "Decision log", view)
}

// decisionPage: one logged decision, its request and answer masked as stored.
func (c *Console) decisionPage(w http.ResponseWriter, r *http.Request, v *visit) {
	a := c.call(r, v, http.MethodGet, "/v1/decisions/"+url.PathEscape(r.PathValue("id")), nil)
	if !a.OK() {
		c.failAPI(w, r, v, a)
		return
	}
	var rec record
	if err := a.decode(&rec); err != nil {
		c.fail(w, r, v, http.StatusBadGateway, err.Error())
		return
	}
	c.render(w, r, v, http.StatusOK, "decision", "Decision "+rec.ID, rec)
}
