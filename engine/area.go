package engine

import (
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/numgate/numgate/engine/placename"
)

// AreaFacts are what a country file adds about one area code: other names people write
// for the area, and the postal-code prefixes inside it.
type AreaFacts struct {
	Aliases     []string `yaml:"aliases"      json:"aliases,omitempty"`
	PostalCodes []string `yaml:"postal_codes" json:"postal_codes,omitempty"`
}

// numberArea is input.number.area: the number's area as the policies compare an address
// with it. Names are for people; keys and postal codes are what an address is matched
// against (see package placename); verifiable says whether the area can be told at all.
type numberArea struct {
	Code        string   `json:"code,omitempty"`
	Names       []string `json:"names"`
	Keys        []string `json:"keys"`
	PostalCodes []string `json:"postal_codes"`
	Verifiable  bool     `json:"verifiable"`
}

// areaOf names the number's area in English and in the country's languages (so that
// +41 21 is Lausanne and Losanna) with libphonenumber's geocoder, adds the country file's
// aliases and postal-code prefixes for its area code, and derives the match keys. A name
// that is only the country's (mobile and non-geographic numbers, France's regional
// prefixes) tells no area and is dropped; an area with no name and no postal code
// cannot be verified.
func areaOf(p *phonenumbers.PhoneNumber, code, region string, c countryData) numberArea {
	a := numberArea{Code: code, Names: []string{}, Keys: []string{}, PostalCodes: []string{}}
	reg, err := language.ParseRegion(region)
	if err == nil {
		for _, lang := range append([]string{"en"}, c.Languages...) {
			tag, err := language.Parse(lang)
			if err != nil {
				continue
			}
			name, err := phonenumbers.GetGeocodingForNumber(p, lang)
			if err != nil || name == "" || name == display.Regions(tag).Name(reg) || name == display.Regions(language.English).Name(reg) {
				continue
			}
			a.addName(name, placename.AreaNames(name)...)
		}
	}
	if facts, ok := c.Areas[code]; ok && code != "" {
		for _, alias := range facts.Aliases {
			a.addName(alias, alias)
		}
		for _, pc := range facts.PostalCodes {
			if pc = placename.PostalCode(pc); !slices.Contains(a.PostalCodes, pc) {
				a.PostalCodes = append(a.PostalCodes, pc)
			}
		}
	}
	a.Verifiable = len(a.Keys) > 0 || len(a.PostalCodes) > 0
	return a
}

// value is the area as the policies read it.
func (a numberArea) value() map[string]any {
	return map[string]any{"code": a.Code, "names": anyStrings(a.Names), "keys": anyStrings(a.Keys),
		"postal_codes": anyStrings(a.PostalCodes), "verifiable": a.Verifiable}
}

// addName records a display name and the match keys of the names it holds.
func (a *numberArea) addName(display string, names ...string) {
	if !slices.Contains(a.Names, display) {
		a.Names = append(a.Names, display)
	}
	for _, n := range names {
		for _, k := range placename.Keys(n) {
			if !slices.Contains(a.Keys, k) {
				a.Keys = append(a.Keys, k)
			}
		}
	}
}

// addressKeys is input.address_keys: the address's city and region as match keys and
// its postal code normalised, for comparing the address with the number's area.
func addressKeys(req map[string]any) map[string]any {
	addr, _ := asMap(req["identity"])["address"].(map[string]any)
	keys := func(part string) []any {
		s, _ := addr[part].(string)
		var ks []string
		for _, name := range placename.AddressNames(s) {
			for _, k := range placename.Keys(name) {
				if !slices.Contains(ks, k) {
					ks = append(ks, k)
				}
			}
		}
		return anyStrings(nonNil(ks))
	}
	pc, _ := addr["postal_code"].(string)
	return map[string]any{"city": keys("city"), "region": keys("region"), "postal_code": placename.PostalCode(pc)}
}

// areaCode is the number's area code: libphonenumber's (known) where it knows one, else
// the one the caller gave, which must then begin the number's national digits (nsn).
func areaCode(nsn, known, given string, hasGiven bool) (string, *Problem) {
	switch {
	case !hasGiven:
		return known, nil
	case known != "" && given != known:
		p := problem("invalid_value", "/number/area_code", "input.area_code_contradicts", map[string]any{"given": given, "known": known})
		return "", &p
	case !strings.HasPrefix(nsn, given):
		p := problem("invalid_value", "/number/area_code", "input.area_code_not_prefix", map[string]any{"given": given, "digits": nsn})
		return "", &p
	}
	return given, nil
}
