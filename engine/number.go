package engine

import (
	"regexp"
	"slices"
	"strconv"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// numberFacts is what the engine tells the policies about a number, read from its E.164
// form with libphonenumber's metadata; the policies never parse numbers themselves.
type numberFacts struct {
	E164      string
	Country   string
	LineType  string
	AreaCode  string
	AreaNames []string
	Fiction   *fictionRange // the block reserved for fiction it is in, if any
}

var lineTypes = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.FIXED_LINE:           "fixed_line",
	phonenumbers.MOBILE:               "mobile",
	phonenumbers.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
	phonenumbers.TOLL_FREE:            "toll_free",
	phonenumbers.PREMIUM_RATE:         "premium_rate",
	phonenumbers.SHARED_COST:          "shared_cost",
	phonenumbers.VOIP:                 "voip",
	phonenumbers.PERSONAL_NUMBER:      "personal_number",
	phonenumbers.PAGER:                "pager",
	phonenumbers.UAN:                  "uan",
	phonenumbers.VOICEMAIL:            "voicemail",
}

var e164Form = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// parseE164 reads a number that must be written in international form. The problem
// returned says what is wrong in words a caller can act on.
func parseE164(raw string) (*phonenumbers.PhoneNumber, *Problem) {
	// Strictly E.164: machine-to-machine requests carry numbers in canonical form, and a
	// lenient parse would take letters, full-width digits or hidden characters for digits.
	s := raw
	if !e164Form.MatchString(s) {
		return nil, &Problem{Code: "number_not_e164", Message: "the number must be in E.164 form: + and the country code, then digits only, at most 15 in all, e.g. +4930901820"}
	}
	p, err := phonenumbers.Parse(s, "")
	if err != nil {
		return nil, &Problem{Code: "number_invalid", Message: "not a phone number (" + err.Error() + "); expected E.164 form such as +4930901820"}
	}
	if !phonenumbers.IsValidNumber(p) {
		return nil, &Problem{Code: "number_invalid", Message: "+" + strconv.Itoa(int(p.GetCountryCode())) + " " + phonenumbers.GetNationalSignificantNumber(p) +
			" is not a valid number for its country code (wrong length or an unassigned range); check the digits"}
	}
	return p, nil
}

// describeNumber fills the facts the policies use. The area is named in English and in
// the country's own languages, so that an address city in either matches; a name that is
// only the country's (mobile and non-geographic numbers) tells no area and is dropped.
func describeNumber(p *phonenumbers.PhoneNumber, languages []string, nameArea bool) numberFacts {
	region := phonenumbers.GetRegionCodeForNumber(p)
	f := numberFacts{
		E164:     phonenumbers.Format(p, phonenumbers.E164),
		Country:  region,
		LineType: lineTypes[phonenumbers.GetNumberType(p)],
	}
	if f.LineType == "" {
		f.LineType = "unknown"
	}
	if n := phonenumbers.GetLengthOfGeographicalAreaCode(p); n > 0 {
		f.AreaCode = phonenumbers.GetNationalSignificantNumber(p)[:n]
	}
	reg, err := language.ParseRegion(region)
	if err != nil || !nameArea {
		return f
	}
	for _, lang := range append([]string{"en"}, languages...) {
		tag, err := language.Parse(lang)
		if err != nil {
			continue
		}
		name, err := phonenumbers.GetGeocodingForNumber(p, lang)
		if err != nil || name == "" || name == display.Regions(tag).Name(reg) {
			continue
		}
		if !slices.Contains(f.AreaNames, name) {
			f.AreaNames = append(f.AreaNames, name)
		}
	}
	return f
}
