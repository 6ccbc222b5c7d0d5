package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// phoneReading says how to read one phone of a request: where it is (its JSON Pointer),
// the region a number written without + belongs to, whether letters are keypad digits,
// the channel a code would go by (to word a refusal), and the numbers reserved for
// fiction.
type phoneReading struct {
	pointer      string
	region       string
	allowLetters bool
	channel      string
	fiction      *fictionRanges
}

// normalizePhone reads a phone as people type it into a sign-up form, and refuses what
// is not one number a code can reach, each refusal with a code and what to do.
//
// libphonenumber does the parsing, the length checks and the validity of the range. What
// it does not do, or does in a way a sign-up form must not, is done here first:
//   - spaces and invisible characters: it takes NBSP and a zero-width space but refuses
//     U+202F, U+2009, U+2007, a direction mark, a byte-order mark or a tab, which phones
//     and word processors insert; every Unicode space becomes a space and every format
//     character (Cf) is dropped, so all of them read alike;
//   - digits: it converts only Arabic-Indic, Persian and full-width digits and keeps any
//     other script's digits as they are (which then fail to match its patterns), and it
//     cannot see one number written in two scripts; digits of any script are read here,
//     and a mix is refused (phone_mixed_digits), as it is a paste or a keyboard accident;
//   - letters: it turns three or more letters into keypad digits (E.161) and silently
//     drops one or two (an O typed for a 0 disappears); a letter is refused here unless
//     the request allows vanity letters, and then every letter is a keypad digit;
//   - extensions: it keeps an extension apart and returns the bare number, which a code
//     by SMS or voice call cannot reach behind a switchboard; it is refused here.
func normalizePhone(raw string, r phoneReading) (numberFacts, *Problem) {
	bad := func(code, id string, params map[string]any) (numberFacts, *Problem) {
		p := problem(code, r.pointer, "input."+id, params)
		return numberFacts{}, &p
	}
	text, sets := cleanPhoneText(raw)
	if len(sets) > 1 {
		return bad("phone_mixed_digits", "phone_mixed_digits", map[string]any{"scripts": strings.Join(sets, ", ")})
	}
	main, ext := phonenumbers.MaybeSeparateExtensionFromPhone(text)
	if ext != "" {
		return bad("phone_has_extension", "phone_has_extension", map[string]any{"channel": r.channel})
	}
	if letters := lettersIn(main); letters != "" {
		if !r.allowLetters {
			return bad("phone_not_a_number", "phone_has_letters", map[string]any{"letters": letters})
		}
		if strings.IndexFunc(letters, func(c rune) bool { return c > unicode.MaxASCII }) >= 0 {
			return bad("phone_not_a_number", "phone_letters_not_on_keypad", map[string]any{"letters": letters})
		}
		main = phonenumbers.ConvertAlphaCharactersInNumber(main)
	}
	p, err := phonenumbers.Parse(main, r.region)
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && !strings.ContainsAny(main, "+＋") && r.region == "":
		return bad("phone_region_unknown", "phone_region_unknown", nil)
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return bad("phone_invalid_country_code", "phone_invalid_country_code", nil)
	case errors.Is(err, phonenumbers.ErrNotANumber):
		return bad("phone_not_a_number", "phone_not_a_number", nil)
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return bad("phone_too_short", "phone_too_short", nil)
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return bad("phone_too_long", "phone_too_long", nil)
	case err != nil:
		return bad("phone_not_a_number", "phone_unreadable", map[string]any{"detail": err.Error()})
	}
	cc := "+" + fmt.Sprint(p.GetCountryCode())
	// libphonenumber takes German numbers of up to 15 national digits, one more than
	// E.164 allows with the 2-digit code (+49 201 00000000000 is "valid" to it); a number
	// has at most 15 digits with its country code, or no network can route it.
	if n := len(cc) - 1 + len(phonenumbers.GetNationalSignificantNumber(p)); n > 15 {
		return bad("phone_too_long", "phone_longer_than_e164", map[string]any{"digits": n})
	}
	switch phonenumbers.IsPossibleNumberWithReason(p) {
	case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return bad("phone_too_short", "phone_too_short_for", map[string]any{"country_code": cc})
	case phonenumbers.TOO_LONG:
		return bad("phone_too_long", "phone_too_long_for", map[string]any{"country_code": cc})
	case phonenumbers.INVALID_LENGTH:
		return bad("phone_invalid_length", "phone_invalid_length", map[string]any{"country_code": cc})
	case phonenumbers.INVALID_COUNTRY_CODE:
		return bad("phone_invalid_country_code", "phone_country_code_unassigned", nil)
	}
	// A number reserved for fiction is often outside libphonenumber's valid ranges (UK
	// 07700 900xxx is); it is still a number the caller can be told about precisely, so
	// it is recognised before the validity check.
	n := readNumber(p)
	if fr := r.fiction.match(phonenumbers.Format(p, phonenumbers.E164)); fr != nil {
		f := describeNumber(n, n.region)
		if f.Country == "" {
			f.Country = phonenumbers.GetRegionCodeForCountryCode(int(p.GetCountryCode()))
		}
		f.Fiction = fr
		return f, nil
	}
	if !n.valid() {
		return bad("phone_invalid", "phone_invalid", map[string]any{"country_code": cc})
	}
	return describeNumber(n, n.region), nil
}

// cleanPhoneText turns every Unicode space (and tab or line break) into a space, drops
// format characters (zero-width spaces, direction marks and embeddings, byte-order
// marks, soft hyphens), writes every decimal digit as an ASCII digit and trims. It
// returns the text and the scripts its digits came from, by the name of their zero.
func cleanPhoneText(raw string) (string, []string) {
	var b strings.Builder
	var sets []string
	for _, c := range raw {
		switch {
		case unicode.IsSpace(c):
			b.WriteByte(' ')
		case unicode.Is(unicode.Cf, c):
			// dropped: invisible, and no part of a number
		case unicode.IsDigit(c):
			zero := digitZero(c)
			if !slices.Contains(sets, digitSetName(zero)) {
				sets = append(sets, digitSetName(zero))
			}
			b.WriteRune('0' + c - zero)
		default:
			b.WriteRune(c)
		}
	}
	return strings.TrimSpace(b.String()), sets
}

// digitZero is the zero of the decimal digit set c belongs to. Unicode encodes every
// set of decimal digits (category Nd) as ten contiguous code points from 0 to 9, and
// each range of the Nd table starts at a zero, so the zero is found by counting in tens
// from the start of c's range.
func digitZero(c rune) rune {
	for _, r := range unicode.Nd.R16 {
		if lo, hi := rune(r.Lo), rune(r.Hi); c >= lo && c <= hi {
			return lo + (c-lo)/10*10
		}
	}
	for _, r := range unicode.Nd.R32 {
		if lo, hi := rune(r.Lo), rune(r.Hi); c >= lo && c <= hi {
			return lo + (c-lo)/10*10
		}
	}
	return '0'
}

// digitSetName names a digit set for a message. Full-width digits are ASCII digits
// drawn wide (East Asian keyboards type them), not another script, so they count as one
// set with ASCII.
func digitSetName(zero rune) string {
	switch zero {
	case '0', '０':
		return "0-9"
	}
	return fmt.Sprintf("%c-%c (U+%04X)", zero, zero+9, zero)
}

// lettersIn lists the letters of a phone, as typed.
func lettersIn(s string) string {
	var b strings.Builder
	for _, c := range s {
		if unicode.IsLetter(c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}
