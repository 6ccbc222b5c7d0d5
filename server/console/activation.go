package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/whatif"
)

// chooserView picks the offer an activation form is made for: a country, number type
// and use, or a number (whose country and type numgate reads from it).
type chooserView struct {
	Countries   []engine.CountrySummary
	Country     string
	NumberType  string
	Use         string
	Number      string
	NumberTypes []string
	Uses        []string
	Candidates  []candidate // the offers a number can be, when it can be more than one
	Error       *apiError
}

type candidate struct {
	Country, NumberType, Availability, Href string
}

// maxExtraDocuments bounds the document groups added to a form by hand.
const maxExtraDocuments = 8

// typedNumber is a number as a person types it into the chooser, without the spaces,
// hyphens, dots and parentheses that group its digits (+44 20 7946 0958); the API
// takes strict E.164, and says what else is wrong.
func typedNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune("-.()/", r) {
			return -1
		}
		return r
	}, s)
}

// activationSetup chooses the offer from the page's query and makes its form, or
// leaves view.Chooser to ask which offer (the form is nil then).
func (c *Console) activationSetup(w http.ResponseWriter, r *http.Request, v *visit, view *playgroundView, s *schema) *form {
	q := r.URL.Query()
	ch := &chooserView{Country: strings.ToUpper(q.Get("country")), NumberType: q.Get("type"), Use: q.Get("use"),
		Number: typedNumber(q.Get("number")), NumberTypes: engine.NumberTypes, Uses: engine.Uses}
	if ch.Use == "" {
		ch.Use = "business"
	}
	view.Chooser = ch
	if a := c.call(r, v, http.MethodGet, "/v1/countries", nil); a.OK() {
		var list struct {
			Countries []engine.CountrySummary `json:"countries"`
		}
		if a.decode(&list) == nil {
			ch.Countries = list.Countries
		}
	}
	// The offer page's "rules in force on" day, carried here: the form is the rules of that
	// day, and the decision time starts on it.
	day := q.Get("at")
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		day = ""
	}
	var offer engine.Requirements
	number := ch.Number
	switch {
	case ch.Number != "" && (ch.Country == "" || ch.NumberType == ""):
		p := url.Values{"number": {ch.Number}, "use": {ch.Use}}
		if ch.Country != "" {
			p.Set("country", ch.Country)
		}
		if ch.NumberType != "" {
			p.Set("type", ch.NumberType)
		}
		a := c.call(r, v, http.MethodGet, "/v1/requirements?"+p.Encode(), nil)
		if !a.OK() {
			ch.Error = a.Error()
			return nil
		}
		var nr engine.NumberRequirements
		if err := a.decode(&nr); err != nil {
			ch.Error = &apiError{Code: "unexpected_answer", Message: err.Error()}
			return nil
		}
		if len(nr.Candidates) != 1 {
			for _, cand := range nr.Candidates {
				ch.Candidates = append(ch.Candidates, candidate{Country: cand.Country, NumberType: cand.NumberType, Availability: cand.Availability,
					Href: Prefix + "decide/activation?" + url.Values{"country": {cand.Country}, "type": {cand.NumberType}, "use": {ch.Use}, "number": {nr.Number.E164}}.Encode()})
			}
			return nil
		}
		offer, number = nr.Candidates[0], nr.Number.E164
	case ch.Country != "" && ch.NumberType != "":
		rq := url.Values{"use": {ch.Use}}
		if day != "" {
			rq.Set("at", day+"T00:00:00Z")
		}
		a := c.call(r, v, http.MethodGet, "/v1/requirements/"+url.PathEscape(ch.Country)+"/"+url.PathEscape(ch.NumberType)+"?"+rq.Encode(), nil)
		if !a.OK() {
			ch.Error = a.Error()
			return nil
		}
		if err := a.decode(&offer); err != nil {
			ch.Error = &apiError{Code: "unexpected_answer", Message: err.Error()}
			return nil
		}
		if number == "" {
			number = whatif.ExampleNumber(ch.Country, ch.NumberType)
		}
	default:
		return nil
	}
	view.Offer = &offer
	view.OfferURL = Prefix + "offer/" + offer.Country + "/" + offer.NumberType + "/" + offer.Use
	if r.Method == http.MethodPost {
		view.Extra, _ = strconv.Atoi(r.PostFormValue("extra_documents"))
		if r.PostFormValue("add_document") != "" {
			view.Extra++
		}
		view.Extra = max(0, min(view.Extra, maxExtraDocuments))
	}
	f := activationForm(s, &offer, number, view.Extra)
	if n := f.byPtr["/at"]; n != nil && day != "" && r.Method == http.MethodGet {
		n.Value = day + "T00:00"
	}
	return f
}

// activationForm makes the form for an offer: the request schema's members, with the
// identity's fields, address and documents made from what the offer demands (labels,
// patterns, lengths, address parts, accepted document types and kinds). The number's
// type and country and the identity's use are the offer's.
func activationForm(s *schema, offer *engine.Requirements, number string, extra int) *form {
	var fields, address *node
	docs := &node{Pointer: "/identity/documents", Label: "Documents", Control: ctlList,
		Hint: "One group per document the offer asks for; a group without a type is not sent."}
	rowOf := map[string]string{}
	var types []option
	var kinds []option
	seenType, seenKind := map[string]bool{}, map[string]bool{"": true}
	for _, rq := range offer.Requirements {
		for _, a := range rq.Details.Accepted {
			if !seenType[a.Type] {
				seenType[a.Type] = true
				types = append(types, option{Value: a.Type, Label: a.Label})
			}
		}
		if k := rq.Details.DocumentKind; !seenKind[k] {
			seenKind[k] = true
			kinds = append(kinds, option{Value: k, Label: words(k)})
		}
	}
	document := func(title, hint, kind string) *node {
		ptr := "/identity/documents/" + itoa(len(docs.Children))
		id := "d" + itoa(len(docs.Children)+1)
		row := &node{Pointer: ptr, Label: "Document " + id + title, Hint: hint, Control: ctlGroup, Needs: "type", Children: []*node{
			{Pointer: ptr + "/id", Control: ctlHidden, Value: id},
			{Pointer: ptr + "/type", Label: "Type", Control: ctlSelect, Options: types},
			{Pointer: ptr + "/kind", Label: "Given as", Control: ctlSelect, Options: kinds, Value: kind,
				Hint: "The document kind it is given for; none: matched by its type alone."},
			{Pointer: ptr + "/issued_on", Label: "Issued on", Control: ctlDate},
			{Pointer: ptr + "/expires_on", Label: "Expires on", Control: ctlDate},
		}}
		docs.Children = append(docs.Children, row)
		return row
	}
	for _, rq := range offer.Requirements {
		hint := rq.Message
		if cs := constraints(rq.Details); len(cs) > 0 {
			hint += " (" + strings.Join(cs, "; ") + ")"
		}
		switch rq.Kind {
		case "field":
			if fields == nil {
				fields = &node{Pointer: "/identity/fields", Label: "Identity fields", Control: ctlGroup}
			}
			l := rq.Details.Label
			if l == "" {
				l = label(rq.Pointer[strings.LastIndex(rq.Pointer, "/")+1:])
			}
			fields.Children = append(fields.Children, &node{Pointer: rq.Pointer, Label: l, Hint: hint, Control: ctlText})
		case "address":
			address = &node{Pointer: "/identity/address", Label: "Address", Hint: hint, Control: ctlGroup}
			for _, part := range rq.Details.Parts {
				n := &node{Pointer: "/identity/address/" + part, Label: label(part), Control: ctlText}
				if part == "country" {
					n.Hint = "ISO 3166-1 code, such as " + offer.Country + "."
				}
				address.Children = append(address.Children, n)
			}
		case "document":
			for i := range max(1, rq.Details.Count) {
				row := document(": "+words(rq.Details.DocumentKind), hint, rq.Details.DocumentKind)
				if i == 0 {
					rowOf[rq.ID] = row.Pointer
				}
			}
		}
	}
	for range extra {
		document("", "", "")
	}
	if len(docs.Children) == 0 {
		docs = nil
	}
	keep := func(n *node) func() *node { return func() *node { return n } }
	hidden := func(ptr, value string) func() *node {
		return func() *node { return &node{Pointer: ptr, Control: ctlHidden, Value: value} }
	}
	fm := formMaker{
		preset: map[string]string{"/number/e164": number},
		custom: map[string]func() *node{
			"/number/type":        hidden("/number/type", offer.NumberType),
			"/number/country":     hidden("/number/country", offer.Country),
			"/number/area_code":   keep(nil),
			"/identity/use":       hidden("/identity/use", offer.Use),
			"/identity/fields":    keep(fields),
			"/identity/address":   keep(address),
			"/identity/documents": keep(docs),
		},
	}
	f := newForm(fm.make(s))
	f.rowOf = rowOf
	return f
}
