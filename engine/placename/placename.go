// Package placename turns place names as people write them into keys that compare
// equal when they name the same place: case, spacing, punctuation and diacritics
// folded, the common ASCII transliterations of letters with diacritics (ü→ue, ß→ss, …)
// given as a second key, and a state or province suffix of libphonenumber's area names
// ("Guadalajara, JAL", "São Paulo - SP") set apart.
//
// A key is a sequence of space-separated tokens. Scripts written without spaces between
// words (Han, Hiragana, Katakana, Hangul, Thai) get a space between every character, so
// that "東京都千代田区" starts with the tokens of "東京" just as "berlin mitte" starts
// with "berlin".
package placename

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Keys returns the comparison keys of a place name: the folded name, and when it holds
// letters with a common ASCII transliteration, the transliterated name too. It returns
// nil for a name with no letters or digits.
func Keys(name string) []string {
	name = norm.NFKC.String(name)
	var out []string
	for _, k := range []string{fold(name, transliterations), fold(name, nil)} {
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// AreaNames splits one of libphonenumber's area names into the names it holds: the
// alternatives of "Athens/Piraeus/Salamina", each without a trailing state code
// ("Guadalajara, JAL" → "Guadalajara"; "São Paulo - SP" → "São Paulo").
//
// A name that is still "place, larger place" ("Kyoto, Kyoto": the city and its
// prefecture; "Washington, D.C.") names its first part too, which is how an address
// writes its city.
func AreaNames(name string) []string {
	var out []string
	add := func(n string) {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, part := range strings.Split(name, "/") {
		part = stripStateSuffix(part)
		add(part)
		if first, _, ok := strings.Cut(part, ", "); ok {
			add(first)
		}
	}
	return out
}

// AddressNames splits a city or region as an address writes it into the names it holds:
// the whole, and each comma-separated part ("Chiyoda-ku, Tokyo" is in Tokyo).
func AddressNames(s string) []string {
	out := []string{s}
	if strings.Contains(s, ",") {
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" && !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// stripStateSuffix drops ", XX" or " - XX" where XX is a short upper-case code, as
// libphonenumber appends a state, province or district to some area names.
func stripStateSuffix(s string) string {
	for _, sep := range []string{", ", " - "} {
		i := strings.LastIndex(s, sep)
		if i <= 0 {
			continue
		}
		code := s[i+len(sep):]
		if len(code) >= 2 && len(code) <= 4 && strings.ToUpper(code) == code && strings.IndexFunc(code, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0 {
			return s[:i]
		}
	}
	return s
}

// PostalCode normalises a postal code for a prefix comparison: upper case, without
// spaces, hyphens or dots ("sw1a 1aa" → "SW1A1AA", "80-331" → "80331").
func PostalCode(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// transliterations are the ASCII spellings people type for letters with diacritics
// where dropping the mark is not what they write (Muenchen, Koeln, Zuerich, Aalborg).
var transliterations = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'å': "aa", 'æ': "ae", 'ø': "oe", 'œ': "oe",
}

// letters have no decomposition into a base letter and a mark.
var letters = map[rune]string{
	'ß': "ss", 'æ': "ae", 'ø': "o", 'œ': "oe", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i", 'ħ': "h",
}

// fold lower-cases, applies the transliterations (when given), strips diacritics and
// turns every run of other characters into one space.
func fold(s string, translit map[rune]string) string {
	var b strings.Builder
	space := true // at the start, or after a separator
	sep := func() {
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	emit := func(r rune) {
		if spaceless(r) {
			sep()
			b.WriteRune(r)
			space = false
			sep()
			return
		}
		b.WriteRune(r)
		space = false
	}
	for _, r := range strings.ToLower(s) {
		if spaceless(r) {
			emit(r) // as written: decomposing would drop marks that change the word
			continue
		}
		if t, ok := translit[r]; ok {
			for _, c := range t {
				emit(c)
			}
			continue
		}
		for _, c := range norm.NFD.String(string(r)) {
			switch {
			case unicode.Is(unicode.Mn, c):
				// a diacritic: dropped
			case letters[c] != "":
				for _, l := range letters[c] {
					emit(l)
				}
			case unicode.IsLetter(c) || unicode.IsDigit(c):
				emit(c)
			default:
				sep()
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// spaceless says whether r belongs to a script written without spaces between words.
func spaceless(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai)
}
