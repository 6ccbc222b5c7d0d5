package engine

import (
	"slices"
	"strings"
)

// The data document the policies read. Go turns each country file into it once, at load:
// catalogue constraints merged into each field, labels resolved, ages parsed, defaults
// applied. Rego then only decides; it never looks anything up in the catalogue.
//
// Three layers describe an offer, each with its own job: Offer (country.go) is the file
// as written, kept to report problems at their YAML position; offerData here is what the
// policies read, normalised and complete; Requirements (decision.go) is what an answer
// says of it. Where a part has the same shape in two layers it is one type (Source,
// RestrictionInfo, AcceptedDocument, VerificationInfo, Age).

// countryData is data.countries[CODE].
type countryData struct {
	Name      string                          `json:"name"`
	Languages []string                        `json:"languages"`
	Areas     map[string]AreaFacts            `json:"areas,omitempty"`
	Numbers   map[string]map[string]offerData `json:"numbers"`
}

// needsArea says whether an offer's address must lie in the number's area.
func (c countryData) needsArea(numberType, use string) bool {
	o, ok := c.Numbers[numberType][use]
	if !ok {
		return false
	}
	// Which version of the offer applies is the policy's to decide (by the decision's
	// day), so the area is named when any version is tied to it.
	if o.Address.Scope == "local_area" || o.Address.Scope == "city" {
		return true
	}
	for _, ch := range o.Changes {
		if ch.Offer.Address.Scope == "local_area" || ch.Offer.Address.Scope == "city" {
			return true
		}
	}
	return false
}

// offerData is data.countries[CODE].numbers[TYPE][USE]. Its texts are message ids
// (textRef): the answer renders them in the language asked for (text.go).
type offerData struct {
	Available    bool              `json:"available"`
	Restriction  *textRef          `json:"restriction,omitempty"`
	Fields       []fieldData       `json:"fields"`
	Address      addressData       `json:"address"`
	Documents    []documentData    `json:"documents"`
	Restrictions []restrictionData `json:"restrictions"`
	Verification verificationData  `json:"verification"`
	Confidence   string            `json:"confidence"`
	Unverified   []string          `json:"unverified"`
	Disputed     []string          `json:"disputed"`
	Notes        []string          `json:"notes"`
	Sources      []Source          `json:"sources"`
	Changes      []changeData      `json:"changes"`
}

// changeData is a dated change, in date order within its offer.
type changeData struct {
	EffectiveFrom string    `json:"effective_from"`
	Summary       string    `json:"summary"`
	Sources       []Source  `json:"sources"`
	Offer         offerData `json:"offer"`
}

type fieldData struct {
	Name           string  `json:"name"`
	Label          textRef `json:"label"`
	Message        textRef `json:"message"`
	Pattern        string  `json:"pattern,omitempty"`
	InvalidMessage textRef `json:"invalid_message"`
	MinLength      *int    `json:"min_length,omitempty"`
	MaxLength      *int    `json:"max_length,omitempty"`
}

type addressData struct {
	Scope string        `json:"scope"`
	Parts []string      `json:"parts"`
	Proof *documentData `json:"proof,omitempty"`
}

type documentData struct {
	ID       string         `json:"id"`
	Kind     string         `json:"kind"`
	Label    textRef        `json:"label"`
	Message  textRef        `json:"message"`
	Accepted []acceptedData `json:"accepted"`
	Count    int            `json:"count"`
	MaxAge   *Age           `json:"max_age,omitempty"`
	// SharedWith: the kinds whose documents may serve this requirement too. A country
	// file may say it on either requirement; the data says it on both.
	SharedWith []string `json:"shared_with,omitempty"`
}

// acceptedData is an AcceptedDocument in the data: its label a text.
type acceptedData struct {
	Type  string  `json:"type"`
	Label textRef `json:"label"`
}

// restrictionData is a RestrictionInfo in the data.
type restrictionData struct {
	Code    string  `json:"code"`
	Message textRef `json:"message"`
}

// verificationData is a VerificationInfo in the data.
type verificationData struct {
	Required        bool     `json:"required"`
	Method          string   `json:"method"`
	TypicalDuration string   `json:"typical_duration,omitempty"`
	Message         *textRef `json:"message,omitempty"`
}

// buildCountryData assumes the country passed its checks. Its texts are registered in ts
// under ids that begin with the country code, number type and use (DE.local.business).
func buildCountryData(c *Country, cat *Catalog, ts *texts) countryData {
	out := countryData{Name: c.Name, Languages: nonNil(c.Languages), Areas: c.Areas, Numbers: map[string]map[string]offerData{}}
	for t, nt := range c.Numbers {
		uses := map[string]offerData{}
		for _, use := range Uses {
			if o := nt.offer(use); o != nil {
				uses[use] = buildOffer(c, cat, o, ts, c.Code+"."+t+"."+use)
			}
		}
		out.Numbers[t] = uses
	}
	return out
}

// registerCatalog registers the catalogue's texts, which offers refer to where a country
// file does not word its own: catalog.fields.NAME.message, catalog.document_types.TYPE.label…
func registerCatalog(cat *Catalog, ts *texts) {
	for name, f := range cat.Fields {
		p := "catalog.fields." + name
		ts.ref(p+".label", f.Label)
		ts.ref(p+".message", f.Message)
		if !f.InvalidMessage.IsZero() {
			ts.ref(p+".invalid_message", f.InvalidMessage)
		}
	}
	for name, k := range cat.DocumentKinds {
		ts.ref("catalog.document_kinds."+name+".label", k.Label)
		ts.ref("catalog.document_kinds."+name+".message", k.Message)
	}
	for name, t := range cat.DocumentTypes {
		ts.ref("catalog.document_types."+name+".label", t.Label)
	}
	for name, r := range cat.Restrictions {
		ts.ref("catalog.restrictions."+name+".message", r.Message)
	}
}

func buildOffer(c *Country, cat *Catalog, o *Offer, ts *texts, id string) offerData {
	d := offerData{
		Available:    o.Available,
		Fields:       []fieldData{},
		Address:      addressData{Scope: "none", Parts: []string{}},
		Documents:    []documentData{},
		Restrictions: []restrictionData{},
		Confidence:   o.Confidence,
		Unverified:   nonNil(o.Unverified),
		Disputed:     nonNil(o.Disputed),
		Notes:        nonNil(o.Notes),
	}
	if !o.Restriction.IsZero() {
		r := ts.ref(id+".restriction", o.Restriction)
		d.Restriction = &r
	}
	d.Sources = sourcesOf(c, o.Sources)
	d.Changes = []changeData{}
	for _, ch := range o.Changes {
		d.Changes = append(d.Changes, changeData{EffectiveFrom: ch.EffectiveFrom, Summary: ch.Summary,
			Sources: sourcesOf(c, ch.Sources), Offer: buildOffer(c, cat, &ch.Offer, ts, id+".changes."+ch.EffectiveFrom)})
	}
	for _, fr := range o.Fields {
		d.Fields = append(d.Fields, buildField(cat.Fields[fr.Name], fr, ts, id+".fields."+fr.Name))
	}
	if a := o.Address; a != nil && a.Scope != "none" {
		d.Address.Scope = a.Scope
		d.Address.Parts = slices.Clone(cat.AddressParts)
		if len(c.AddressParts) > 0 {
			d.Address.Parts = slices.Clone(c.AddressParts)
		}
		if p := a.Proof; p != nil && p.Required {
			doc := buildDocument(cat, "address.proof", "proof_of_address", p.Accepted, p.Count, p.MaxAge, ts.refOr(id+".address.proof.message", p.Message, "catalog.document_kinds.proof_of_address.message"), p.SharedWith)
			d.Address.Proof = &doc
		}
	}
	for _, r := range o.Documents {
		docID := documentID(r)
		msg := ts.refOr(id+"."+docID+".message", r.Message, "catalog.document_kinds."+r.Kind+".message")
		d.Documents = append(d.Documents, buildDocument(cat, docID, r.Kind, r.Accepted, r.Count, r.MaxAge, msg, r.SharedWith))
	}
	shareBothWays(d.Address.Proof, d.Documents)
	for _, r := range o.Restrictions {
		d.Restrictions = append(d.Restrictions, restrictionData{Code: r.Code,
			Message: ts.refOr(id+".restrictions."+r.Code+".message", r.Message, "catalog.restrictions."+r.Code+".message")})
	}
	if v := o.Verification; v != nil {
		d.Verification = verificationData{Required: v.Required, Method: v.Method, TypicalDuration: v.TypicalDuration}
		if !v.Message.IsZero() {
			r := ts.ref(id+".verification.message", v.Message)
			d.Verification.Message = &r
		}
	} else if d.Address.Proof != nil || len(d.Documents) > 0 {
		d.Verification = verificationData{Required: true, Method: "document_review"}
	} else {
		d.Verification = verificationData{Required: false, Method: "none"}
	}
	return d
}

// shareBothWays makes sharing symmetric: when one requirement shares with another's
// kind, a document given for either kind serves both.
func shareBothWays(proof *documentData, docs []documentData) {
	all := make([]*documentData, 0, len(docs)+1)
	if proof != nil {
		all = append(all, proof)
	}
	for i := range docs {
		all = append(all, &docs[i])
	}
	for _, a := range all {
		for _, b := range all {
			if a != b && slices.Contains(a.SharedWith, b.Kind) && !slices.Contains(b.SharedWith, a.Kind) {
				b.SharedWith = append(b.SharedWith, a.Kind)
			}
		}
	}
	for _, a := range all {
		slices.Sort(a.SharedWith)
	}
}

func sourcesOf(c *Country, ids []string) []Source {
	out := []Source{}
	for _, s := range ids {
		ref := c.Sources[s]
		out = append(out, Source{ID: s, URL: ref.URL, Title: ref.Title, ReadOn: ref.ReadOn})
	}
	return out
}

// buildField merges a country's narrowing over the catalogue's field; id names the
// country's own texts (DE.local.business.fields.company_registration_number).
func buildField(base FieldSpec, fr FieldRef, ts *texts, id string) fieldData {
	catalog := "catalog.fields." + fr.Name
	f := fieldData{
		Name:      fr.Name,
		Label:     ts.refOr(id+".label", fr.Label, catalog+".label"),
		Message:   ts.refOr(id+".message", fr.Message, catalog+".message"),
		Pattern:   cmpOr(fr.Pattern, base.Pattern),
		MinLength: base.MinLength,
		MaxLength: base.MaxLength,
	}
	switch {
	case !fr.InvalidMessage.IsZero():
		f.InvalidMessage = ts.ref(id+".invalid_message", fr.InvalidMessage)
	case !base.InvalidMessage.IsZero():
		f.InvalidMessage = textRef{ID: catalog + ".invalid_message"}
	default:
		f.InvalidMessage = f.Message
	}
	if fr.MinLength != nil {
		f.MinLength = fr.MinLength
	}
	if fr.MaxLength != nil {
		f.MaxLength = fr.MaxLength
	}
	if f.Pattern != "" && !(strings.HasPrefix(f.Pattern, "^") && strings.HasSuffix(f.Pattern, "$")) {
		// The whole value must match, as the catalogue says, whatever the author wrote.
		f.Pattern = "^(?:" + f.Pattern + ")$"
	}
	return f
}

func buildDocument(cat *Catalog, id, kind string, accepted []string, count int, maxAge string, message textRef, sharedWith []string) documentData {
	d := documentData{
		ID:         id,
		Kind:       kind,
		Label:      textRef{ID: "catalog.document_kinds." + kind + ".label"},
		Message:    message,
		Count:      max(count, 1),
		SharedWith: slices.Clone(sharedWith),
	}
	for _, t := range accepted {
		d.Accepted = append(d.Accepted, acceptedData{Type: t, Label: textRef{ID: "catalog.document_types." + t + ".label"}})
	}
	if maxAge != "" {
		if a, err := parseAge(maxAge); err == nil {
			d.MaxAge = &a
		}
	}
	return d
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
