package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/numgate/numgate/engine"
)

// offerView is one offer: what it demands, how sure the facts are and where they come
// from, with the country's other offers beside it.
type offerView struct {
	Req     engine.Requirements
	Name    string        // the country's name
	Others  []offerLink   // the country's offers, this one marked
	At      string        // the day asked for (YYYY-MM-DD), "" for today
	Decide  string        // the playground for this offer
	Details []requirement // the requirements, for display
}

type offerLink struct {
	NumberType, Use, Availability, Href string
	Current                             bool
}

// requirement is a requirement with its details put in words.
type requirement struct {
	engine.Requirement
	Constraints []string // pattern, lengths, scope, count, maximum age, shared kinds
}

// offerPage: GET /v1/requirements/{country}/{type}?use= for people.
func (c *Console) offerPage(w http.ResponseWriter, r *http.Request, v *visit) {
	country, nt, use := strings.ToUpper(r.PathValue("country")), r.PathValue("type"), r.PathValue("use")
	q := url.Values{"use": {use}}
	at := r.URL.Query().Get("at")
	if at != "" {
		day, err := time.Parse(time.DateOnly, at)
		if err != nil {
			c.fail(w, r, v, http.StatusBadRequest, "The date "+quote(at)+" is not a day such as 2027-01-01.")
			return
		}
		q.Set("at", day.Format(time.RFC3339))
	}
	a := c.call(r, v, http.MethodGet, "/v1/requirements/"+url.PathEscape(country)+"/"+url.PathEscape(nt)+"?"+q.Encode(), nil)
	if !a.OK() {
		c.failAPI(w, r, v, a)
		return
	}
	decide := url.Values{"country": {country}, "type": {nt}, "use": {use}}
	if at != "" {
		decide.Set("at", at) // the playground decides under the rules shown here
	}
	view := offerView{At: at, Decide: Prefix + "decide/activation?" + decide.Encode()}
	if err := a.decode(&view.Req); err != nil {
		c.fail(w, r, v, http.StatusBadGateway, err.Error())
		return
	}
	for _, rq := range view.Req.Requirements {
		view.Details = append(view.Details, requirement{Requirement: rq, Constraints: constraints(rq.Details)})
	}
	if a := c.call(r, v, http.MethodGet, "/v1/countries/"+url.PathEscape(country), nil); a.OK() {
		var cs engine.CountrySummary
		if a.decode(&cs) == nil {
			view.Name = cs.Name
			for _, t := range engine.NumberTypes {
				for _, u := range engine.Uses {
					avail := "unknown"
					if o, ok := cs.Numbers[t][u]; ok {
						avail = o.Availability
					}
					view.Others = append(view.Others, offerLink{NumberType: t, Use: u, Availability: avail,
						Href: Prefix + "offer/" + country + "/" + t + "/" + u, Current: t == nt && u == use})
				}
			}
		}
	}
	c.render(w, r, v, http.StatusOK, "offer", country+" "+words(nt)+" "+use, view)
}

// constraints puts a requirement's details in words, as a form needs them.
func constraints(d engine.RequirementDetails) []string {
	var out []string
	if d.Pattern != "" {
		out = append(out, "pattern "+d.Pattern)
	}
	switch {
	case d.MinLength != nil && d.MaxLength != nil:
		out = append(out, itoa(*d.MinLength)+" to "+itoa(*d.MaxLength)+" characters")
	case d.MinLength != nil:
		out = append(out, "at least "+itoa(*d.MinLength)+" characters")
	case d.MaxLength != nil:
		out = append(out, "at most "+itoa(*d.MaxLength)+" characters")
	}
	if d.Scope != "" {
		out = append(out, "scope "+words(d.Scope)+": "+scopeWords[d.Scope])
	}
	if len(d.Parts) > 0 {
		out = append(out, "parts: "+words(strings.Join(d.Parts, ", ")))
	}
	if d.DocumentKind != "" {
		n := d.Count
		if n < 1 {
			n = 1
		}
		out = append(out, itoa(n)+" "+words(d.DocumentKind)+" document"+plural(n))
	}
	if d.MaxAge != nil {
		out = append(out, "issued at most "+ageWords(*d.MaxAge)+" before ("+d.MaxAge.ISO+")")
	}
	if len(d.SharedWith) > 0 {
		out = append(out, "one document may also serve as: "+words(strings.Join(d.SharedWith, ", ")))
	}
	return out
}

// scopeWords says where an address must be, by scope.
var scopeWords = map[string]string{
	"none":       "no address is asked for",
	"worldwide":  "anywhere",
	"country":    "in the number's country",
	"local_area": "in the area the number's area code covers",
	"city":       "in the number's city",
}

func ageWords(a engine.Age) string {
	var parts []string
	for _, p := range []struct {
		n    int
		unit string
	}{{a.Years, "year"}, {a.Months, "month"}, {a.Days, "day"}} {
		if p.n > 0 {
			parts = append(parts, itoa(p.n)+" "+p.unit+plural(p.n))
		}
	}
	if len(parts) == 0 {
		return a.ISO
	}
	return strings.Join(parts, " ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
