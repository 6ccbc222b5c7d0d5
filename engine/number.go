package engine

import (
	"regexp"
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// numberFacts is what the engine tells the policies about a number, read from its E.164
// form with libphonenumber's metadata; the policies never parse numbers themselves.
type numberFacts struct {
	E164     string
	Country  string
	LineType string
	AreaCode string
	Fiction  *fictionRange // the block reserved for fiction it is in, if any
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
		p := problem("number_not_e164", "", "input.number_not_e164", nil)
		return nil, &p
	}
	p, err := phonenumbers.Parse(s, "")
	if err != nil {
		p := problem("number_invalid", "", "input.number_unreadable", map[string]any{"detail": err.Error()})
		return nil, &p
	}
	if !phonenumbers.IsValidNumber(p) {
		prob := problem("number_invalid", "", "input.number_not_valid", map[string]any{"number": "+" + strconv.Itoa(int(p.GetCountryCode())) + " " + phonenumbers.GetNationalSignificantNumber(p)})
		return nil, &prob
	}
	return p, nil
}

// describeNumber reads the facts of a number that belongs to region.
func describeNumber(p *phonenumbers.PhoneNumber, region string) numberFacts {
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
	return f
}

// regionsOf lists the regions a valid number may belong to, its main region first. A
// calling code can be shared (+1 by the United States, Canada and the Caribbean; +44
// by the United Kingdom, Guernsey, Jersey and the Isle of Man; +7 by Russia and
// Kazakhstan, …): a number of a shared plan is valid for each region whose numbering
// plan holds it, and a toll-free +1 8xx number for all of them.
func regionsOf(p *phonenumbers.PhoneNumber) []string {
	main := phonenumbers.GetRegionCodeForNumber(p)
	out := []string{main}
	for _, r := range phonenumbers.GetRegionCodesForCountryCode(int(p.GetCountryCode())) {
		if r != main && phonenumbers.IsValidNumberForRegion(p, r) {
			out = append(out, r)
		}
	}
	return out
}
