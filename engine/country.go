package engine

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/sosodev/duration"
	"gopkg.in/yaml.v3"
)

// Number types and uses of the product's vocabulary (docs/api.md).
var (
	NumberTypes = []string{"local", "national", "mobile", "toll_free"}
	Uses        = []string{"personal", "business"}
)

// Country is one countries/XX.yaml file as written.
type Country struct {
	Code      string               `yaml:"country"`
	Name      string               `yaml:"name"`
	Languages []string             `yaml:"languages"`
	Areas     map[string]AreaFacts `yaml:"areas"`
	// AddressParts replaces the catalogue's address parts for this country.
	AddressParts []string              `yaml:"address_parts"`
	Sources      map[string]SourceRef  `yaml:"sources"`
	Numbers      map[string]NumberType `yaml:"numbers"`
}

// SourceRef is a public page facts were read from.
type SourceRef struct {
	URL    string `yaml:"url"     json:"url"`
	Title  string `yaml:"title"   json:"title,omitempty"`
	ReadOn string `yaml:"read_on" json:"read_on"`
}

// NumberType holds the offers of one number type, per use.
type NumberType struct {
	Description string `yaml:"description"`
	Personal    *Offer `yaml:"personal"`
	Business    *Offer `yaml:"business"`
}

func (n NumberType) offer(use string) *Offer {
	if use == "personal" {
		return n.Personal
	}
	return n.Business
}

// Offer is what one use of one number type demands.
type Offer struct {
	Available    bool             `yaml:"available"`
	Restriction  Text             `yaml:"restriction"`
	Fields       []FieldRef       `yaml:"fields"`
	Address      *AddressRule     `yaml:"address"`
	Documents    []DocumentRule   `yaml:"documents"`
	Restrictions []RestrictionRef `yaml:"restrictions"`
	Verification *Verification    `yaml:"verification"`
	Confidence   string           `yaml:"confidence"`
	Unverified   []string         `yaml:"unverified"`
	Disputed     []string         `yaml:"disputed"`
	Notes        []string         `yaml:"notes"`
	Sources      []string         `yaml:"sources"`
	Changes      []Change         `yaml:"changes"`
}

// Change is a dated change of an offer: from EffectiveFrom on, Offer replaces it.
type Change struct {
	EffectiveFrom string   `yaml:"effective_from"`
	Summary       string   `yaml:"summary"`
	Sources       []string `yaml:"sources"`
	Offer         Offer    `yaml:"offer"`
}

// FieldRef names a catalogue field, optionally narrowing its constraints.
type FieldRef struct {
	FieldSpec `yaml:",inline"`
	Name      string `yaml:"name"`
	object    bool   // written as a mapping, so positions point inside it
}

// UnmarshalYAML accepts a plain field name or a mapping with name and overrides.
func (r *FieldRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.Name = n.Value
		return nil
	}
	type plain FieldRef
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*r = FieldRef(p)
	r.object = true
	return nil
}

// AddressRule says where the address must be and how it is proven.
type AddressRule struct {
	Scope string     `yaml:"scope"`
	Proof *ProofRule `yaml:"proof"`
}

// ProofRule is the proof-of-address requirement.
type ProofRule struct {
	Required   bool     `yaml:"required"`
	Accepted   []string `yaml:"accepted"`
	Count      int      `yaml:"count"`
	MaxAge     string   `yaml:"max_age"`
	Message    Text     `yaml:"message"`
	SharedWith []string `yaml:"shared_with"`
}

// DocumentRule asks for documents of one kind.
type DocumentRule struct {
	Name       string   `yaml:"name"`
	Kind       string   `yaml:"kind"`
	Accepted   []string `yaml:"accepted"`
	Count      int      `yaml:"count"`
	MaxAge     string   `yaml:"max_age"`
	Message    Text     `yaml:"message"`
	SharedWith []string `yaml:"shared_with"`
}

// RestrictionRef names a catalogue restriction, optionally with this country's wording.
type RestrictionRef struct {
	Code    string `yaml:"code"`
	Message Text   `yaml:"message"`
}

// Verification says whether and how the identity is reviewed before activation.
type Verification struct {
	Required        bool   `yaml:"required"`
	Method          string `yaml:"method"`
	TypicalDuration string `yaml:"typical_duration"`
	Message         Text   `yaml:"message"`
}

// Age is a maximum document age in calendar units, so that Rego can apply it with
// time.add_date exactly as the regulator words it ("three months", not 90 days).
type Age struct {
	ISO    string `json:"iso"`
	Years  int    `json:"years"`
	Months int    `json:"months"`
	Days   int    `json:"days"`
}

// parseAge reads an ISO-8601 duration made of whole years, months, weeks and days.
func parseAge(s string) (Age, error) {
	d, err := duration.Parse(s)
	if err != nil {
		return Age{}, fmt.Errorf("%q is not an ISO-8601 duration, expected e.g. P3M or P90D", s)
	}
	if d.Negative || d.Hours != 0 || d.Minutes != 0 || d.Seconds != 0 {
		return Age{}, fmt.Errorf("%q has a sign or a time part, expected whole years, months, weeks or days such as P3M", s)
	}
	for _, v := range []float64{d.Years, d.Months, d.Weeks, d.Days} {
		if v != math.Trunc(v) {
			return Age{}, fmt.Errorf("%q has a fraction, expected whole units such as P3M", s)
		}
	}
	a := Age{ISO: s, Years: int(d.Years), Months: int(d.Months), Days: int(d.Days + 7*d.Weeks)}
	if a.Years+a.Months+a.Days == 0 {
		return Age{}, fmt.Errorf("%q is zero, expected a positive age such as P3M", s)
	}
	return a, nil
}

// checkDuration validates an informational ISO-8601 duration (time parts allowed).
func checkDuration(s string) error {
	d, err := duration.Parse(s)
	if err != nil || d.Negative {
		return fmt.Errorf("%q is not a positive ISO-8601 duration, expected e.g. P5D or PT48H", s)
	}
	return nil
}

// countryChecker validates a country against the catalogue, reporting each problem at
// its position.
type countryChecker struct {
	f   *yamlFile
	cat *Catalog
	c   *Country
	ds  Diagnostics
	// complete: the file passed its schema, so what is absent is really absent (an
	// unused source is only unused when no offer is missing or misspelt).
	complete bool
}

func (k *countryChecker) errf(path []string, format string, args ...any) {
	k.ds = append(k.ds, k.f.atPath(path, dotted(path)+": "+fmt.Sprintf(format, args...)))
}

func (k *countryChecker) check() Diagnostics {
	cited := map[string]bool{}
	for _, t := range sortedKeys(k.c.Numbers) {
		nt := k.c.Numbers[t]
		for _, use := range Uses {
			o := nt.offer(use)
			if o == nil {
				continue
			}
			path := []string{"numbers", t, use}
			for i, s := range o.Sources {
				cited[s] = true
				if _, ok := k.c.Sources[s]; !ok {
					k.errf(at(path, "sources", i), "source %q is not defined, expected one of the file's sources: %s", s, joinKeys(k.c.Sources))
				}
			}
			k.checkOffer(path, o)
			prev := ""
			for i, ch := range o.Changes {
				cp := at(path, "changes", i)
				for j, src := range ch.Sources {
					cited[src] = true
					if _, ok := k.c.Sources[src]; !ok {
						k.errf(at(cp, "sources", j), "source %q is not defined, expected one of the file's sources: %s", src, joinKeys(k.c.Sources))
					}
				}
				for j, src := range ch.Offer.Sources {
					cited[src] = true
					if _, ok := k.c.Sources[src]; !ok {
						k.errf(at(cp, "offer", "sources", j), "source %q is not defined, expected one of the file's sources: %s", src, joinKeys(k.c.Sources))
					}
				}
				if ch.EffectiveFrom <= prev {
					k.errf(at(cp, "effective_from"), "%s is not after the previous change's %s, expected changes in date order", ch.EffectiveFrom, prev)
				}
				prev = ch.EffectiveFrom
				if len(ch.Offer.Changes) > 0 {
					k.errf(at(cp, "offer", "changes"), "a change's offer has changes of its own, expected them listed beside it under the offer's changes")
				}
				k.checkOffer(at(cp, "offer"), &ch.Offer)
			}
		}
	}
	for _, id := range sortedKeys(k.c.Sources) {
		if !cited[id] && k.complete {
			k.ds = append(k.ds, k.f.atKey([]string{"sources", id},
				fmt.Sprintf("source %q is not cited by any offer, expected it in some offer's sources (or remove it)", id)))
		}
	}
	return k.ds
}

func (k *countryChecker) checkOffer(path []string, o *Offer) {
	if !o.Available {
		if len(o.Fields) > 0 || o.Address != nil || len(o.Documents) > 0 || o.Verification != nil {
			k.errf(at(path, "available"), "an unavailable offer lists requirements, expected available: true or no fields, address, documents or verification")
		}
		return
	}
	if !o.Restriction.IsZero() {
		k.errf(at(path, "restriction"), "restriction explains an unavailable offer, expected available: false, or the limit under restrictions")
	}
	seen := map[string]bool{}
	for i, fr := range o.Fields {
		fp := at(path, "fields", i)
		if fr.object {
			fp = at(fp, "name")
		}
		if _, ok := k.cat.Fields[fr.Name]; !ok {
			k.errf(fp, "unknown field %q, expected a field of countries/catalog.yaml: %s", fr.Name, joinKeys(k.cat.Fields))
		}
		if seen[fr.Name] {
			k.errf(fp, "field %q is listed twice, expected each field once", fr.Name)
		}
		seen[fr.Name] = true
		if fr.object {
			k.ds = append(k.ds, checkFieldSpec(k.f, at(path, "fields", i), fr.FieldSpec)...)
		}
	}
	var rules []documentRuleAt // every document requirement of the offer, in form order
	if a := o.Address; a != nil && a.Proof != nil {
		pp := at(path, "address", "proof")
		if a.Scope == "none" && a.Proof.Required {
			k.errf(pp, "proof of address is required but the address scope is none, expected a scope or no proof")
		}
		k.checkAccepted(at(pp, "accepted"), "proof_of_address", a.Proof.Accepted)
		k.checkAge(at(pp, "max_age"), a.Proof.MaxAge)
		if a.Proof.Required {
			rules = append(rules, documentRuleAt{pp, "proof_of_address", a.Proof.Accepted, a.Proof.MaxAge, a.Proof.SharedWith})
		}
	}
	ids := map[string]bool{}
	for i, d := range o.Documents {
		dp := at(path, "documents", i)
		if _, ok := k.cat.DocumentKinds[d.Kind]; !ok {
			k.errf(at(dp, "kind"), "unknown document kind %q, expected one of: %s", d.Kind, joinKeys(k.cat.DocumentKinds))
		} else {
			k.checkAccepted(at(dp, "accepted"), d.Kind, d.Accepted)
		}
		k.checkAge(at(dp, "max_age"), d.MaxAge)
		if id := documentID(d); ids[id] {
			k.errf(dp, "a second %s requirement, expected a distinct name: on each document of the same kind", id)
		} else {
			ids[id] = true
		}
		rules = append(rules, documentRuleAt{dp, d.Kind, d.Accepted, d.MaxAge, d.SharedWith})
	}
	k.checkDocumentRules(rules)
	for i, r := range o.Restrictions {
		if _, ok := k.cat.Restrictions[r.Code]; !ok {
			k.errf(at(path, "restrictions", i, "code"), "unknown restriction %q, expected one of: %s", r.Code, joinKeys(k.cat.Restrictions))
		}
	}
	if v := o.Verification; v != nil && v.TypicalDuration != "" {
		if err := checkDuration(v.TypicalDuration); err != nil {
			k.errf(at(path, "verification", "typical_duration"), "%v", err)
		}
	}
}

// documentRuleAt is a document requirement (address proof or document) at its position.
type documentRuleAt struct {
	path       []string
	kind       string
	accepted   []string
	maxAge     string
	sharedWith []string
}

// checkDocumentRules checks what the policy's document matching relies on. Requirements
// of one kind that accept the same types share out the documents given for that kind by
// rank (the first takes the best), which is only fair when they rank documents alike:
// the same maximum age too. Requirements of one kind that accept no type in common do
// not compete; ones that accept some types in common would compete for those only, and
// no order of taking is right for every request, so they are refused. A shared kind
// must be a catalogue kind other than the rule's own.
func (k *countryChecker) checkDocumentRules(rules []documentRuleAt) {
	for i, r := range rules {
		for j, sk := range r.sharedWith {
			if _, ok := k.cat.DocumentKinds[sk]; !ok {
				k.errf(at(r.path, "shared_with", j), "unknown document kind %q, expected one of: %s", sk, joinKeys(k.cat.DocumentKinds))
			} else if sk == r.kind {
				k.errf(at(r.path, "shared_with", j), "a %s requirement shares with its own kind, expected another document kind", sk)
			}
		}
		for _, f := range rules[:i] {
			if f.kind != r.kind {
				continue
			}
			same := slices.Equal(sortedCopy(f.accepted), sortedCopy(r.accepted))
			overlap := slices.ContainsFunc(r.accepted, func(t string) bool { return slices.Contains(f.accepted, t) })
			if (same && f.maxAge != r.maxAge) || (!same && overlap) {
				k.errf(r.path, "a second %s requirement accepts some of the document types of the one at %s, or the same types with another max_age, expected the same accepted types and max_age (they share out the documents given for that kind) or no type in common", r.kind, dotted(f.path))
				break
			}
		}
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func (k *countryChecker) checkAccepted(path []string, kind string, types []string) {
	for i, t := range types {
		dt, ok := k.cat.DocumentTypes[t]
		if !ok {
			k.errf(at(path, i), "unknown document type %q, expected a document type of countries/catalog.yaml: %s", t, joinKeys(k.cat.DocumentTypes))
			continue
		}
		if !slices.Contains(dt.Kinds, kind) {
			k.errf(at(path, i), "document type %q cannot serve as %s (its kinds: %v), expected a type whose kinds include %s, or add the kind to it in countries/catalog.yaml", t, kind, dt.Kinds, kind)
		}
	}
}

func (k *countryChecker) checkAge(path []string, s string) {
	if s == "" {
		return
	}
	if _, err := parseAge(s); err != nil {
		k.errf(path, "%v", err)
	}
}

func documentID(d DocumentRule) string {
	if d.Name != "" {
		return "document." + d.Kind + "." + d.Name
	}
	return "document." + d.Kind
}

// at extends a path with keys and indexes.
func at(path []string, steps ...any) []string {
	out := slices.Clip(slices.Clone(path))
	for _, s := range steps {
		switch v := s.(type) {
		case string:
			out = append(out, v)
		case int:
			out = append(out, strconv.Itoa(v))
		}
	}
	return out
}
