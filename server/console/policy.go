package console

import (
	"net/http"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/internal/buildinfo"
)

// policyView is GET /v1/policy for people, with the last reload's every diagnostic.
type policyView struct {
	Revision   string                     `json:"revision"`
	LoadedAt   time.Time                  `json:"loaded_at"`
	Files      []string                   `json:"files"`
	Countries  int                        `json:"countries"`
	LastReload *reloadView                `json:"last_reload"`
	Evaluators []engine.DecisionEvaluator `json:"evaluators"`
	Build      buildinfo.Info             `json:"build"`
	Reloaded   string                     `json:"-"` // the outcome of a reload just asked for here: ok or failed
}

type reloadView struct {
	At          time.Time           `json:"at"`
	Trigger     string              `json:"trigger"`
	OK          bool                `json:"ok"`
	Revision    string              `json:"revision"`
	Error       string              `json:"error"`
	Diagnostics []engine.Diagnostic `json:"diagnostics"`
}

// policyPage: the revision served, when it loaded, which evaluator makes each decision,
// the last reload (by file change, SIGHUP, the API or this page) with every
// file:line:column, and a reload button.
func (c *Console) policyPage(w http.ResponseWriter, r *http.Request, v *visit) {
	a := c.call(r, v, http.MethodGet, "/v1/policy", nil)
	if !a.OK() {
		c.failAPI(w, r, v, a)
		return
	}
	var view policyView
	if err := a.decode(&view); err != nil {
		c.fail(w, r, v, http.StatusBadGateway, err.Error())
		return
	}
	switch r.URL.Query().Get("reload") {
	case "ok", "failed":
		view.Reloaded = r.URL.Query().Get("reload")
	}
	c.render(w, r, v, http.StatusOK, "policy", "Policy", view)
}

// reload asks the API to reload the policy, then shows the policy page, whose last
// reload is the one just made (a valid tree is served; an invalid one is listed).
func (c *Console) reload(w http.ResponseWriter, r *http.Request, v *visit) {
	a := c.call(r, v, http.MethodPost, "/v1/policy/reload", nil)
	switch {
	case a.OK():
		http.Redirect(w, r, Prefix+"policy?reload=ok", http.StatusSeeOther)
	case a.Status == http.StatusUnprocessableEntity:
		http.Redirect(w, r, Prefix+"policy?reload=failed", http.StatusSeeOther)
	default:
		c.failAPI(w, r, v, a)
	}
}
