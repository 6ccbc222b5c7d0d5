package engine

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// libphonenumberReading is what libphonenumber's own API answers about a number: the
// oracle numberReading must equal.
func libphonenumberReading(p *phonenumbers.PhoneNumber) (region string, typ phonenumbers.PhoneNumberType, valid bool, regions []string, areaCodeLength int) {
	region = phonenumbers.GetRegionCodeForNumber(p)
	regions = []string{region}
	for _, r := range phonenumbers.GetRegionCodesForCountryCode(int(p.GetCountryCode())) {
		if r != region && phonenumbers.IsValidNumberForRegion(p, r) {
			regions = append(regions, r)
		}
	}
	return region, phonenumbers.GetNumberType(p), phonenumbers.IsValidNumber(p), regions, phonenumbers.GetLengthOfGeographicalAreaCode(p)
}

// checkReading compares numberReading's answers about the number with libphonenumber's.
func checkReading(t *testing.T, e164 string) {
	t.Helper()
	p, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return // not a number: nothing to read
	}
	r := readNumber(p)
	region, typ, valid, regions, n := libphonenumberReading(p)
	if r.region != region || r.typ != typ || r.valid() != valid || !slices.Equal(r.regions(), regions) || r.areaCodeLength() != n {
		t.Errorf("%s: read region %q type %v valid %v regions %v area code length %d; libphonenumber says %q %v %v %v %d",
			e164, r.region, r.typ, r.valid(), r.regions(), r.areaCodeLength(), region, typ, valid, regions, n)
	}
}

// checkParse compares parseDigits with libphonenumber's Parse on a number in E.164 form.
func checkParse(t *testing.T, e164 string) {
	t.Helper()
	if !e164Form.MatchString(e164) {
		return
	}
	got, gerr := parseDigits(e164)
	want, werr := phonenumbers.Parse(e164, "")
	if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
		t.Errorf("%s: parse error %v, libphonenumber's %v", e164, gerr, werr)
		return
	}
	if gerr != nil {
		return
	}
	fields := func(p *phonenumbers.PhoneNumber) string {
		return fmt.Sprintf("cc %d nn %d ilz %v(%v) zeros %d(%v) ext %q(%v) raw %v src %v carrier %v",
			p.GetCountryCode(), p.GetNationalNumber(), p.GetItalianLeadingZero(), p.ItalianLeadingZero != nil,
			p.GetNumberOfLeadingZeros(), p.NumberOfLeadingZeros != nil, p.GetExtension(), p.Extension != nil,
			p.RawInput != nil, p.CountryCodeSource != nil, p.PreferredDomesticCarrierCode != nil)
	}
	if g, w := fields(got), fields(want); g != w {
		t.Errorf("%s: parsed %s, libphonenumber %s", e164, g, w)
	}
}

// TestParseDigitsAsLibphonenumber holds parseDigits to Parse on the example numbers of
// every region and type, the numbers near them, and every number of the decision cases.
func TestParseDigitsAsLibphonenumber(t *testing.T) {
	for _, e164 := range nearExamples(t) {
		checkParse(t, e164)
	}
	for _, e164 := range caseNumbers(t) {
		checkParse(t, e164)
	}
	for _, e164 := range []string{"+1", "+12", "+123", "+1234", "+999123456", "+3900000", "+390612345678", "+79123456789", "+78123456789", "+5491123456789", "+0", "+80012345678"} {
		checkParse(t, e164)
	}
}

// TestNumberReadingAsLibphonenumber holds numberReading to libphonenumber's API on the
// example numbers of every region and type, the numbers near them, and every number of
// the decision cases.
func TestNumberReadingAsLibphonenumber(t *testing.T) {
	for _, e164 := range nearExamples(t) {
		checkReading(t, e164)
	}
	for _, e164 := range caseNumbers(t) {
		checkReading(t, e164)
	}
}

// nearExamples are the example numbers of every region (and non-geographic calling
// code) for every type, in E.164 form, each followed by a few numbers near it: one digit
// changed twice, one digit fewer and one more.
func nearExamples(t testing.TB) []string {
	var examples []*phonenumbers.PhoneNumber
	regions := make([]string, 0, len(phonenumbers.GetSupportedRegions()))
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
		phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}
	for _, r := range regions {
		for _, typ := range types {
			if p := phonenumbers.GetExampleNumberForType(r, typ); p != nil {
				examples = append(examples, p)
			}
		}
	}
	for cc := range 1000 {
		if rs := phonenumbers.GetRegionCodesForCountryCode(cc); len(rs) == 1 && rs[0] == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
			if p := phonenumbers.GetExampleNumberForNonGeoEntity(cc); p != nil {
				examples = append(examples, p)
			}
		}
	}
	if len(examples) < 1000 {
		t.Fatalf("only %d example numbers", len(examples))
	}
	rng := rand.New(rand.NewPCG(21, 21)) // the same numbers every run
	var out []string
	for _, p := range examples {
		e164 := phonenumbers.Format(p, phonenumbers.E164)
		out = append(out, e164)
		for range 2 {
			i := 2 + rng.IntN(len(e164)-2)
			out = append(out, e164[:i]+strconv.Itoa(rng.IntN(10))+e164[i+1:])
		}
		out = append(out, e164[:len(e164)-1], e164+strconv.Itoa(rng.IntN(10)))
	}
	return out
}

// caseNumbers are the E.164 numbers the decision cases hold.
func caseNumbers(t testing.TB) []string {
	var out []string
	number := regexp.MustCompile(`'?(\+[1-9][0-9]{4,14})'?`)
	err := filepath.WalkDir("../testdata/cases", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range number.FindAllSubmatch(b, -1) {
			out = append(out, string(m[1]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("only %d numbers in the decision cases", len(out))
	}
	return out
}

// FuzzNumberReading compares numberReading and parseDigits with libphonenumber on any
// digits after a calling code.
func FuzzNumberReading(f *testing.F) {
	for _, s := range []string{"+4930901820", "+12025550123", "+447400123456", "+5491123456789", "+79123456789", "+80012345678", "+390612345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 20 {
			return
		}
		checkReading(t, s)
		checkParse(t, s)
	})
}
