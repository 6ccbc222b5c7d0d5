package engine

import (
	"regexp"
	"slices"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// What libphonenumber says about a parsed number — its main region, its type, whether it
// is valid, for which regions, its geographic area code — each computed once per
// number.
//
// Each of those answers of libphonenumber's API computes the number's type again, by
// matching the national number against up to eleven patterns of its region's metadata
// (building each pattern's text and looking its compiled form up under a lock, twice),
// and for a shared calling code (+1, +44, +7) its main region again, region by region:
// a request read the type six to ten times, a quarter of a decision's CPU. Here the type
// is computed once from the same metadata by the same steps (getNumberTypeHelper,
// getRegionCodeForNumberFromRegionList, GetLengthOfGeographicalAreaCode and
// GetLengthOfNationalDestinationCode of phonenumberutil.go, v1.8.1), with each pattern
// compiled once. TestNumberReadingAsLibphonenumber and FuzzNumberReading hold every
// answer to libphonenumber's own for the example numbers of every region and type, the
// numbers near them and the corpus's numbers.

// numberReading is one parsed number as libphonenumber reads it.
type numberReading struct {
	p      *phonenumbers.PhoneNumber
	nsn    string                       // the national significant number
	region string                       // the main region (GetRegionCodeForNumber); "" for none
	typ    phonenumbers.PhoneNumberType // its type in the main region (GetNumberType)
}

// readNumber reads a parsed number.
func readNumber(p *phonenumbers.PhoneNumber) numberReading {
	r := numberReading{p: p, nsn: phonenumbers.GetNationalSignificantNumber(p), typ: phonenumbers.UNKNOWN}
	cc := int(p.GetCountryCode())
	r.region = regionOfNumber(r.nsn, cc)
	if md := metadataOf(cc, r.region); md != nil {
		r.typ = phoneMeta().typeOf(r.nsn, md)
	}
	return r
}

// valid is IsValidNumber: the number is in a range of its main region.
func (r numberReading) valid() bool {
	return r.validFor(r.region, r.typ)
}

// validFor is IsValidNumberForRegion, given the number's type in the region when it is
// known (the main region's); else it is computed.
func (r numberReading) validFor(region string, typ phonenumbers.PhoneNumberType) bool {
	cc := int(r.p.GetCountryCode())
	md := metadataOf(cc, region)
	if md == nil || (region != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY && cc != int(md.GetCountryCode())) {
		return false
	}
	if region != r.region {
		typ = phoneMeta().typeOf(r.nsn, md)
	}
	return typ != phonenumbers.UNKNOWN
}

// regions lists the regions a valid number may belong to, its main region first. A
// calling code can be shared (+1 by the United States, Canada and the Caribbean; +44
// by the United Kingdom, Guernsey, Jersey and the Isle of Man; +7 by Russia and
// Kazakhstan, …): a number of a shared plan is valid for each region whose numbering
// plan holds it, and a toll-free +1 8xx number for all of them.
func (r numberReading) regions() []string {
	out := []string{r.region}
	for _, region := range phonenumbers.GetRegionCodesForCountryCode(int(r.p.GetCountryCode())) {
		if region != r.region && r.validFor(region, phonenumbers.UNKNOWN) {
			out = append(out, region)
		}
	}
	return out
}

// lineType names the number's type.
func (r numberReading) lineType() string {
	if t := lineTypes[r.typ]; t != "" {
		return t
	}
	return "unknown"
}

// areaCodeLength is GetLengthOfGeographicalAreaCode.
func (r numberReading) areaCodeLength() int {
	cc := r.p.GetCountryCode()
	md := phoneMeta().regions[r.region] // none for the non-geographic entity (001)
	if md == nil {
		return 0
	}
	// A plan without a national prefix is taken to have no area codes (unless the
	// number has an Italian leading zero, or the country is one of libphonenumber's
	// exceptions).
	if md.GetNationalPrefix() == "" && !r.p.GetItalianLeadingZero() && !phonenumbers.COUNTRIES_WITHOUT_NATIONAL_PREFIX_WITH_AREA_CODES[cc] {
		return 0
	}
	if r.typ == phonenumbers.MOBILE && phonenumbers.GEO_MOBILE_COUNTRIES_WITHOUT_MOBILE_AREA_CODES[cc] {
		return 0
	}
	geographical := r.typ == phonenumbers.FIXED_LINE || r.typ == phonenumbers.FIXED_LINE_OR_MOBILE ||
		(phonenumbers.GEO_MOBILE_COUNTRIES[cc] && r.typ == phonenumbers.MOBILE)
	if !geographical {
		return 0
	}
	return r.destinationCodeLength()
}

// destinationCodeLength is GetLengthOfNationalDestinationCode: the first group of
// digits after the country code in the international format, if a group follows it
// (with a mobile token, such as Argentina's 9, the token's group too).
func (r numberReading) destinationCodeLength() int {
	p := r.p
	if p.GetExtension() != "" {
		// Never so here (an extension is refused before), but libphonenumber formats a
		// copy without it.
		return phonenumbers.GetLengthOfNationalDestinationCode(p)
	}
	groups := phonenumbers.NON_DIGITS_PATTERN.Split(phonenumbers.Format(p, phonenumbers.INTERNATIONAL), -1)
	if len(groups) <= 3 {
		return 0
	}
	if r.typ == phonenumbers.MOBILE && phonenumbers.GetCountryMobileToken(int(p.GetCountryCode())) != "" {
		return len(groups[2]) + len(groups[3])
	}
	return len(groups[2])
}

// regionOfNumber is GetRegionCodeForNumber: the calling code's one region, or among
// several the first whose leading digits (or, without them, whose ranges) hold the
// number.
func regionOfNumber(nsn string, cc int) string {
	regions := phonenumbers.GetRegionCodesForCountryCode(cc)
	switch len(regions) {
	case 0:
		return ""
	case 1:
		return regions[0]
	}
	m := phoneMeta()
	for _, region := range regions {
		md := m.regions[region]
		if md.GetLeadingDigits() != "" {
			if m.leadingDigits(md).MatchString(nsn) {
				return region
			}
		} else if m.typeOf(nsn, md) != phonenumbers.UNKNOWN {
			return region
		}
	}
	return ""
}

// metadataOf is a region's numbering plan, or the calling code's for the non-geographic
// entity (001); nil for an unknown region.
func metadataOf(cc int, region string) *phonenumbers.PhoneMetadata {
	m := phoneMeta()
	if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
		if len(phonenumbers.GetRegionCodesForCountryCode(cc)) == 0 {
			return nil
		}
		return m.nonGeo[int32(cc)]
	}
	return m.regions[region]
}

// phoneMetadata is libphonenumber's metadata by region and by non-geographic calling
// code, with each pattern compiled once, on first use. It describes libphonenumber's
// embedded data, which is the same for every snapshot and never changes while the
// process runs, so it is built once per process, as libphonenumber builds its own.
type phoneMetadata struct {
	regions  map[string]*phonenumbers.PhoneMetadata
	nonGeo   map[int32]*phonenumbers.PhoneMetadata
	patterns sync.Map // *phonenumbers.PhoneNumberDesc, *phonenumbers.PhoneMetadata (leading digits) or nationalPrefixKey → *regexp.Regexp
}

var phoneMeta = sync.OnceValue(func() *phoneMetadata {
	m := &phoneMetadata{regions: map[string]*phonenumbers.PhoneMetadata{}, nonGeo: map[int32]*phonenumbers.PhoneMetadata{}}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		// libphonenumber has already read the same embedded data when its package
		// initialised, and panics there if it cannot.
		panic("reading libphonenumber's metadata: " + err.Error())
	}
	supported := phonenumbers.GetSupportedRegions()
	for _, md := range coll.GetMetadata() {
		switch id := md.GetId(); {
		case id == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
			m.nonGeo[md.GetCountryCode()] = md
		case supported[id]:
			m.regions[id] = md
		}
	}
	return m
})

// typeOf is getNumberTypeHelper: the first type whose description holds the national
// number, in libphonenumber's order; fixed line and mobile together when both do.
func (m *phoneMetadata) typeOf(nsn string, md *phonenumbers.PhoneMetadata) phonenumbers.PhoneNumberType {
	if !m.matches(nsn, md.GetGeneralDesc()) {
		return phonenumbers.UNKNOWN
	}
	for _, d := range []struct {
		desc *phonenumbers.PhoneNumberDesc
		typ  phonenumbers.PhoneNumberType
	}{
		{md.GetPremiumRate(), phonenumbers.PREMIUM_RATE},
		{md.GetTollFree(), phonenumbers.TOLL_FREE},
		{md.GetSharedCost(), phonenumbers.SHARED_COST},
		{md.GetVoip(), phonenumbers.VOIP},
		{md.GetPersonalNumber(), phonenumbers.PERSONAL_NUMBER},
		{md.GetPager(), phonenumbers.PAGER},
		{md.GetUan(), phonenumbers.UAN},
		{md.GetVoicemail(), phonenumbers.VOICEMAIL},
	} {
		if m.matches(nsn, d.desc) {
			return d.typ
		}
	}
	same := md.GetSameMobileAndFixedLinePattern()
	if m.matches(nsn, md.GetFixedLine()) {
		if same || m.matches(nsn, md.GetMobile()) {
			return phonenumbers.FIXED_LINE_OR_MOBILE
		}
		return phonenumbers.FIXED_LINE
	}
	if !same && m.matches(nsn, md.GetMobile()) {
		return phonenumbers.MOBILE
	}
	return phonenumbers.UNKNOWN
}

// matches is isNumberMatchingDesc: the number has one of the description's possible
// lengths (any, when it lists none) and matches its whole national number pattern. A
// missing description has the empty pattern.
func (m *phoneMetadata) matches(nsn string, d *phonenumbers.PhoneNumberDesc) bool {
	if d == nil {
		return nsn == ""
	}
	if len(d.PossibleLength) > 0 && !slices.Contains(d.PossibleLength, int32(len(nsn))) {
		return false
	}
	re, ok := m.patterns.Load(d)
	if !ok {
		re, _ = m.patterns.LoadOrStore(d, regexp.MustCompile("^(?:"+d.GetNationalNumberPattern()+")$"))
	}
	return re.(*regexp.Regexp).MatchString(nsn)
}

// leadingDigits is the pattern of the leading digits that tell a region's numbers in a
// shared calling code.
func (m *phoneMetadata) leadingDigits(md *phonenumbers.PhoneMetadata) *regexp.Regexp {
	re, ok := m.patterns.Load(md)
	if !ok {
		re, _ = m.patterns.LoadOrStore(md, regexp.MustCompile("^(?:"+md.GetLeadingDigits()+")"))
	}
	return re.(*regexp.Regexp)
}

// parseE164 parses a number already in strict E.164 form (+, then digits) as
// phonenumbers.Parse(s, "") does: the calling code is the shortest run of leading digits
// libphonenumber knows as one, the rest is the national number, with its Italian leading
// zeros. Parse also strips a national prefix its metadata allows even after a calling
// code; where the region's prefix pattern could match, and for anything shorter than a
// plain number, Parse itself decides. Parse runs every input through a dozen general
// patterns (extensions, RFC 3966, viability) that an E.164 string cannot need, at a
// tenth of a decision's cost. TestParseDigitsAsLibphonenumber holds it to Parse.
func parseDigits(s string) (*phonenumbers.PhoneNumber, error) {
	digits := s[1:] // the caller checked ^\+[1-9][0-9]{1,14}$
	if len(digits) < 4 {
		return phonenumbers.Parse(s, "")
	}
	cc, nsn := 0, ""
	for i := 1; i <= phonenumbers.MAX_LENGTH_COUNTRY_CODE && i <= len(digits); i++ {
		n, _ := strconv.Atoi(digits[:i])
		if len(phonenumbers.GetRegionCodesForCountryCode(n)) > 0 {
			cc, nsn = n, digits[i:]
			break
		}
	}
	if cc == 0 || len(nsn) < phonenumbers.MIN_LENGTH_FOR_NSN || len(nsn) > phonenumbers.MAX_LENGTH_FOR_NSN {
		return phonenumbers.Parse(s, "")
	}
	if md := metadataOf(cc, phonenumbers.GetRegionCodeForCountryCode(cc)); md != nil && md.GetNationalPrefixForParsing() != "" &&
		phoneMeta().nationalPrefix(md).MatchString(nsn) {
		return phonenumbers.Parse(s, "")
	}
	national, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil {
		return phonenumbers.Parse(s, "")
	}
	code := int32(cc)
	p := &phonenumbers.PhoneNumber{CountryCode: &code, NationalNumber: &national}
	if nsn[0] == '0' { // setItalianLeadingZerosForPhoneNumber
		italian := true
		p.ItalianLeadingZero = &italian
		zeros := 1
		for zeros < len(nsn)-1 && nsn[zeros] == '0' {
			zeros++
		}
		if zeros != 1 {
			n := int32(zeros)
			p.NumberOfLeadingZeros = &n
		}
	}
	return p, nil
}

// nationalPrefix is the pattern of the national prefix a region's numbers may be
// written with, which Parse strips.
func (m *phoneMetadata) nationalPrefix(md *phonenumbers.PhoneMetadata) *regexp.Regexp {
	key := nationalPrefixKey{md}
	re, ok := m.patterns.Load(key)
	if !ok {
		re, _ = m.patterns.LoadOrStore(key, regexp.MustCompile("^(?:"+md.GetNationalPrefixForParsing()+")"))
	}
	return re.(*regexp.Regexp)
}

// nationalPrefixKey keys a region's national-prefix pattern apart from its leading
// digits' pattern, which is keyed by the metadata itself.
type nationalPrefixKey struct{ md *phonenumbers.PhoneMetadata }
