package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/numgate/numgate/engine"
)

// playgroundView is a playground page: a form made for the decision kind (for an
// activation, from the offer's requirements), the request it makes, and the decision.
type playgroundView struct {
	Kind     engine.Kind
	Tabs     []navItem
	Chooser  *chooserView // activation: which offer, or which number
	Offer    *engine.Requirements
	OfferURL string
	Action   string // where the form posts: this page, with its query
	Form     *form
	Extra    int // activation: document groups added beyond those the offer asks for
	Result   *resultView
	Request  string // the request, indented JSON
	Curl     string
	Live     bool // the decision updates as the form changes (console.js)
}

// resultView is the API's answer to the form's request.
type resultView struct {
	HTTPStatus int
	Decided    bool
	Head       *engine.Envelope
	Error      *apiError
	Activation *engine.ActivationDecision
	Account    *engine.AccountActionDecision
	Contact    *engine.ContactDecision
	Raw        string
}

// playground serves GET (the form, with the decision on what it starts with) and POST
// (the decision on the form as submitted, rendered at the form's inputs) for a kind.
func (c *Console) playground(w http.ResponseWriter, r *http.Request, v *visit) {
	kind, err := engine.ParseKind(r.PathValue("kind"))
	if err != nil || r.PathValue("kind") != kind.Path() {
		c.fail(w, r, v, http.StatusNotFound, "There is no playground for "+quote(r.PathValue("kind"))+"; the decision kinds are activation, account-action and contact-verification.")
		return
	}
	if r.Method == http.MethodPost {
		_ = r.ParseForm() // a body that does not parse leaves the form as preset
	}
	view := &playgroundView{Kind: kind, Action: r.URL.RequestURI(), Live: true}
	for _, k := range engine.Kinds {
		href := Prefix + "decide/" + k.Path()
		view.Tabs = append(view.Tabs, navItem{Label: kindLabels[k], Href: href, Current: k == kind})
	}
	schemas := c.schemas
	var f *form
	switch kind {
	case engine.KindActivation:
		f = c.activationSetup(w, r, v, view, schemas[kind])
	case engine.KindAccountAction:
		f = c.accountActionForm(w, r, v, schemas[kind])
	default:
		f = newForm(formMaker{preset: map[string]string{"/channel": "sms"}}.make(schemas[kind]))
	}
	if f == nil {
		if view.Chooser != nil {
			c.render(w, r, v, http.StatusOK, "playground", kindLabels[kind]+" playground", view)
		}
		return // the setup answered (an API error)
	}
	if r.Method == http.MethodPost {
		f.fill(r.PostForm)
	}
	body := f.request()
	a := c.call(r, v, http.MethodPost, "/v1/decisions/"+kind.Path(), body)
	view.Form, view.Request = f, string(body)
	view.Result = decisionResult(kind, a, f)
	view.Curl = curlCommand(r, v, c.auth != nil && c.auth.Enabled(), kind, body)
	c.render(w, r, v, http.StatusOK, "playground", kindLabels[kind]+" playground", view)
}

var kindLabels = map[engine.Kind]string{
	engine.KindActivation:          "Activation",
	engine.KindAccountAction:       "Account action",
	engine.KindContactVerification: "Contact verification",
}

// decisionResult reads the API's answer and puts each message at the input its pointer
// names: every unmet requirement or open step, the reasons they do not already say, and
// every problem of a request the API refused.
func decisionResult(kind engine.Kind, a *apiAnswer, f *form) *resultView {
	res := &resultView{HTTPStatus: a.Status, Raw: prettyJSON(a.Body)}
	if !a.OK() {
		res.Error = a.Error()
		for _, d := range res.Error.Details {
			f.place(d.Pointer, message{Code: d.Code, Text: d.Message, Tone: "bad"})
		}
		if len(res.Error.Details) == 0 {
			f.place("", message{Code: res.Error.Code, Text: res.Error.Message, Tone: "bad"})
		}
		return res
	}
	said := map[string]bool{} // code and message of what is already placed
	var d engine.Decision
	switch kind {
	case engine.KindActivation:
		res.Activation = &engine.ActivationDecision{}
		d = res.Activation
	case engine.KindAccountAction:
		res.Account = &engine.AccountActionDecision{}
		d = res.Account
	default:
		res.Contact = &engine.ContactDecision{}
		d = res.Contact
	}
	if err := a.decode(d); err != nil {
		res.Error = &apiError{Code: "unexpected_answer", Message: err.Error()}
		return res
	}
	res.Decided, res.Head = true, d.Head()
	if act := res.Activation; act != nil {
		for _, rq := range act.Requirements {
			switch {
			case !rq.Satisfied:
				f.placeRequirement(rq.ID, rq.Pointer, message{Code: rq.Code, Text: rq.Message, Tone: "bad"})
			case rq.Review && rq.Message != "":
				f.placeRequirement(rq.ID, rq.Pointer, message{Code: rq.Code, Text: rq.Message, Tone: "info"})
			}
			said[rq.Code+" "+rq.Message] = true
		}
	}
	if acc := res.Account; acc != nil {
		for _, st := range acc.Steps {
			if !st.Done && st.Message != "" {
				tone := "bad"
				if !st.Required {
					tone = "info"
				}
				f.place(st.Pointer, message{Code: st.Code, Text: st.Message, Tone: tone})
				said[st.Code+" "+st.Message] = true
			}
		}
		for _, rec := range acc.Recommendations {
			f.place(rec.Pointer, message{Code: rec.Code, Text: rec.Message, Tone: "info"})
		}
	}
	// A decision on its way (ready for review, pending, wait) has nothing to fix: its
	// reasons say what happens next.
	tone := "bad"
	if toneOf(res.Head.Status) == "wait" {
		tone = "info"
	}
	for _, rs := range res.Head.Reasons {
		if !said[rs.Code+" "+rs.Message] {
			f.place(rs.Pointer, message{Code: rs.Code, Text: rs.Message, Tone: tone})
		}
	}
	return res
}

// curlCommand is the request as a curl command against this server.
func curlCommand(r *http.Request, v *visit, authOn bool, kind engine.Kind, body []byte) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		compact.Write(body)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -X POST '%s://%s/v1/decisions/%s' \\\n  -H 'Content-Type: application/json'", scheme, r.Host, kind.Path())
	if authOn {
		b.WriteString(" \\\n  -H \"Authorization: Bearer $NUMGATE_TOKEN\"")
	}
	if v.lang != "" {
		fmt.Fprintf(&b, " \\\n  -H 'Accept-Language: %s'", v.lang)
	}
	fmt.Fprintf(&b, " \\\n  --data '%s'", strings.ReplaceAll(compact.String(), "'", `'\''`))
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
