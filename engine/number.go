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
func parseE164(raw string) (numberReading, *Problem) {
	// Strictly E.164: machine-to-machine requests carry numbers in canonical form, and a
	// lenient parse would take letters, full-width digits or hidden characters for digits.
	s := raw
	if !e164Form.MatchString(s) {
		p := problem("number_not_e164", "", "input.number_not_e164", nil)
		return numberReading{}, &p
	}
	p, err := parseDigits(s)
	if err != nil {
		prob := problem("number_invalid", "", "input.number_unreadable", map[string]any{"detail": err.Error()})
		return numberReading{}, &prob
	}
	r := readNumber(p)
	if !r.valid() {
		prob := problem("number_invalid", "", "input.number_not_valid", map[string]any{"number": "+" + strconv.Itoa(int(p.GetCountryCode())) + " " + r.nsn})
		return numberReading{}, &prob
	}
	// libphonenumber drops a national prefix written after the country code
	// (+49 030…); E.164 has none, and the number would be decided as another text.
	if e164 := phonenumbers.Format(p, phonenumbers.E164); e164 != raw {
		prob := problem("number_not_e164", "", "input.number_national_prefix", map[string]any{"number": raw, "e164": e164})
		return numberReading{}, &prob
	}
	return r, nil
}

// describeNumber reads the facts of a number that belongs to region.
func describeNumber(r numberReading, region string) numberFacts {
	f := numberFacts{
		E164:     phonenumbers.Format(r.p, phonenumbers.E164),
		Country:  region,
		LineType: r.lineType(),
	}
	if n := r.areaCodeLength(); n > 0 {
		f.AreaCode = r.nsn[:n]
	}
	return f
}
