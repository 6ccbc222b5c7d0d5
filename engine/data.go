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

// offerData is data.countries[CODE].numbers[TYPE][USE].
type offerData struct {
	Available    bool              `json:"available"`
	Restriction  string            `json:"restriction,omitempty"`
	Fields       []fieldData       `json:"fields"`
	Address      addressData       `json:"address"`
	Documents    []documentData    `json:"documents"`
	Restrictions []RestrictionInfo `json:"restrictions"`
	Verification VerificationInfo  `json:"verification"`
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
	Name           string `json:"name"`
	Label          string `json:"label"`
	Message        string `json:"message"`
	Pattern        string `json:"pattern,omitempty"`
	InvalidMessage string `json:"invalid_message"`
	MinLength      *int   `json:"min_length,omitempty"`
	MaxLength      *int   `json:"max_length,omitempty"`
}

type addressData struct {
	Scope string        `json:"scope"`
	Parts []string      `json:"parts"`
	Proof *documentData `json:"proof,omitempty"`
}

type documentData struct {
	ID       string             `json:"id"`
	Kind     string             `json:"kind"`
	Label    string             `json:"label"`
	Message  string             `json:"message"`
	Accepted []AcceptedDocument `json:"accepted"`
	Count    int                `json:"count"`
	MaxAge   *Age               `json:"max_age,omitempty"`
	// SharedWith: the kinds whose documents may serve this requirement too. A country
	// file may say it on either requirement; the data says it on both.
	SharedWith []string `json:"shared_with,omitempty"`
}

// buildCountryData assumes the country passed its checks.
func buildCountryData(c *Country, cat *Catalog) countryData {
	out := countryData{Name: c.Name, Languages: nonNil(c.Languages), Areas: c.Areas, Numbers: map[string]map[string]offerData{}}
	for t, nt := range c.Numbers {
		uses := map[string]offerData{}
		for _, use := range Uses {
			if o := nt.offer(use); o != nil {
				uses[use] = buildOffer(c, cat, o)
			}
		}
		out.Numbers[t] = uses
	}
	return out
}

func buildOffer(c *Country, cat *Catalog, o *Offer) offerData {
	d := offerData{
		Available:    o.Available,
		Restriction:  o.Restriction,
		Fields:       []fieldData{},
		Address:      addressData{Scope: "none", Parts: []string{}},
		Documents:    []documentData{},
		Restrictions: []RestrictionInfo{},
		Confidence:   o.Confidence,
		Unverified:   nonNil(o.Unverified),
		Disputed:     nonNil(o.Disputed),
		Notes:        nonNil(o.Notes),
	}
	d.Sources = sourcesOf(c, o.Sources)
	d.Changes = []changeData{}
	for _, ch := range o.Changes {
		d.Changes = append(d.Changes, changeData{EffectiveFrom: ch.EffectiveFrom, Summary: ch.Summary,
			Sources: sourcesOf(c, ch.Sources), Offer: buildOffer(c, cat, &ch.Offer)})
	}
	for _, fr := range o.Fields {
		d.Fields = append(d.Fields, buildField(cat.Fields[fr.Name], fr))
	}
	if a := o.Address; a != nil && a.Scope != "none" {
		d.Address.Scope = a.Scope
		d.Address.Parts = slices.Clone(cat.AddressParts)
		if len(c.AddressParts) > 0 {
			d.Address.Parts = slices.Clone(c.AddressParts)
		}
		if p := a.Proof; p != nil && p.Required {
			doc := buildDocument(cat, "address.proof", "proof_of_address", p.Accepted, p.Count, p.MaxAge, p.Message, p.SharedWith)
			d.Address.Proof = &doc
		}
	}
	for _, r := range o.Documents {
		d.Documents = append(d.Documents, buildDocument(cat, documentID(r), r.Kind, r.Accepted, r.Count, r.MaxAge, r.Message, r.SharedWith))
	}
	shareBothWays(d.Address.Proof, d.Documents)
	for _, r := range o.Restrictions {
		d.Restrictions = append(d.Restrictions, RestrictionInfo{Code: r.Code, Message: cmpOr(r.Message, cat.Restrictions[r.Code].Message)})
	}
	if v := o.Verification; v != nil {
		d.Verification = VerificationInfo{Required: v.Required, Method: v.Method, TypicalDuration: v.TypicalDuration, Message: v.Message}
	} else if d.Address.Proof != nil || len(d.Documents) > 0 {
		d.Verification = VerificationInfo{Required: true, Method: "document_review"}
	} else {
		d.Verification = VerificationInfo{Required: false, Method: "none"}
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

// buildField merges a country's narrowing over the catalogue's field.
func buildField(base FieldSpec, fr FieldRef) fieldData {
	f := fieldData{
		Name:           fr.Name,
		Label:          cmpOr(fr.Label, base.Label),
		Message:        cmpOr(fr.Message, base.Message),
		Pattern:        cmpOr(fr.Pattern, base.Pattern),
		InvalidMessage: cmpOr(fr.InvalidMessage, base.InvalidMessage),
		MinLength:      base.MinLength,
		MaxLength:      base.MaxLength,
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
	if f.InvalidMessage == "" {
		f.InvalidMessage = f.Message
	}
	return f
}

func buildDocument(cat *Catalog, id, kind string, accepted []string, count int, maxAge, message string, sharedWith []string) documentData {
	d := documentData{
		ID:         id,
		Kind:       kind,
		Label:      cat.DocumentKinds[kind].Label,
		Message:    cmpOr(message, cat.DocumentKinds[kind].Message),
		Count:      max(count, 1),
		SharedWith: slices.Clone(sharedWith),
	}
	for _, t := range accepted {
		d.Accepted = append(d.Accepted, AcceptedDocument{Type: t, Label: cat.DocumentTypes[t].Label})
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
