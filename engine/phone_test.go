package engine

import (
	"testing"
	"unicode"
)

// TestNormalizePhone: phones as sign-up forms send them, each read to one E.164 number
// or refused with the code that says why.
func TestNormalizePhone(t *testing.T) {
	fiction := &fictionRanges{byLength: map[int][]fictionBlock{
		len("+447700900123"): {{pattern: "+447700900XXX", rng: &fictionRange{Label: "UK mobile drama numbers", Regulator: "Ofcom"}}},
	}}
	const mobile = "+447400123456"
	tests := []struct {
		name, raw, region string
		letters           bool
		want, code        string // the E.164 read, or the refusal's code
	}{
		{name: "plain", raw: "+44 7400 123456", want: mobile},
		{name: "national with region", raw: "07400 123456", region: "GB", want: mobile},
		{name: "no-break space", raw: "+44\u00a07400\u00a0123456", want: mobile},
		{name: "narrow no-break space", raw: "+44\u202f7400\u202f123456", want: mobile},
		{name: "thin space", raw: "+44\u20097400\u2009123456", want: mobile},
		{name: "figure space", raw: "+44\u20077400\u2007123456", want: mobile},
		{name: "ideographic space", raw: "+44\u30007400\u3000123456", want: mobile},
		{name: "zero-width space", raw: "+44\u200b7400123456", want: mobile},
		{name: "left-to-right mark", raw: "\u200e+44 7400 123456\u200e", want: mobile},
		{name: "bidi embedding", raw: "\u202a+44 7400 123456\u202c", want: mobile},
		{name: "bidi isolate", raw: "\u2066+44 7400 123456\u2069", want: mobile},
		{name: "trailing byte-order mark", raw: "+44 7400 123456\ufeff", want: mobile},
		{name: "soft hyphen", raw: "+44 7400\u00ad123456", want: mobile},
		{name: "tabs and newlines around", raw: "\t+44 7400 123456\r\n", want: mobile},
		{name: "Arabic-Indic digits", raw: "+٤٤ ٧٤٠٠ ١٢٣٤٥٦", want: mobile},
		{name: "Persian digits", raw: "+۴۴ ۷۴۰۰ ۱۲۳۴۵۶", want: mobile},
		{name: "Devanagari digits", raw: "+४४ ७४०० १२३४५६", want: mobile},
		{name: "Bengali digits", raw: "+৪৪ ৭৪০০ ১২৩৪৫৬", want: mobile},
		{name: "full-width digits", raw: "＋４４ ７４００ １２３４５６", want: mobile},
		{name: "full-width and ASCII are one script", raw: "+４４ 7400 123456", want: mobile},
		{name: "Arabic-Indic mixed with ASCII", raw: "+٤٤ 7400 123456", code: "phone_mixed_digits"},
		{name: "Arabic-Indic mixed with Persian", raw: "+٤٤ ۷۴۰۰ ١٢٣٤٥٦", code: "phone_mixed_digits"},
		{name: "a letter O for a zero", raw: "+44 74OO 123456", code: "phone_not_a_number"},
		{name: "a letter l for a one", raw: "+44 7400 l23456", code: "phone_not_a_number"},
		{name: "vanity word", raw: "+1 800 FLOWERS", code: "phone_not_a_number"},
		{name: "vanity word allowed", raw: "+1 800 FLOWERS", letters: true, want: "+18003569377"},
		{name: "two letters allowed are digits, not dropped", raw: "+44 74OO 123456", letters: true, want: "+447466123456"},
		{name: "letters off the keypad", raw: "+1 800 ＦＬＯＷＥＲＳ", letters: true, code: "phone_not_a_number"},
		{name: "extension ext.", raw: "+44 7400 123456 ext. 12", code: "phone_has_extension"},
		{name: "extension x", raw: "+44 7400 123456 x12", code: "phone_has_extension"},
		{name: "extension RFC 3966", raw: "+447400123456;ext=12", code: "phone_has_extension"},
		{name: "extension in letters allowed too", raw: "+1 800 FLOWERS ext 5", letters: true, code: "phone_has_extension"},
		{name: "no country code", raw: "07400 123456", code: "phone_region_unknown"},
		{name: "unassigned country code", raw: "+999 1234567", code: "phone_invalid_country_code"},
		{name: "words", raw: "call me", code: "phone_not_a_number"},
		{name: "reserved for fiction", raw: "+44 7700 900123", want: "+447700900123"},
		{name: "unassigned range", raw: "+44 0000 000000", code: "phone_invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, prob := normalizePhone(tc.raw, phoneReading{pointer: "/phone", region: tc.region, allowLetters: tc.letters, channel: "sms", fiction: fiction})
			switch {
			case tc.code != "" && (prob == nil || prob.Code != tc.code || prob.Pointer != "/phone"):
				t.Fatalf("%q: got %+v, %+v; want %s at /phone", tc.raw, f, prob, tc.code)
			case tc.code == "" && prob != nil:
				t.Fatalf("%q: refused with %+v; want %s", tc.raw, prob, tc.want)
			case tc.code == "" && f.E164 != tc.want:
				t.Fatalf("%q: read as %s; want %s", tc.raw, f.E164, tc.want)
			}
		})
	}
	f, _ := normalizePhone("+44 7700 900123", phoneReading{fiction: fiction})
	if f.Fiction == nil || f.Country != "GB" {
		t.Errorf("a number reserved for fiction: %+v; want its block and country GB", f)
	}
}

// Every decimal digit of every script is read as the digit it stands for.
func TestDigitZero(t *testing.T) {
	n := 0
	check := func(c rune) {
		n++
		zero := digitZero(c)
		if v := c - zero; v < 0 || v > 9 || !unicode.IsDigit(zero) || !unicode.IsDigit(zero+9) {
			t.Fatalf("%U: zero %U, value %d", c, zero, v)
		}
	}
	for _, r := range unicode.Nd.R16 {
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			check(c)
		}
	}
	for _, r := range unicode.Nd.R32 {
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			check(c)
		}
	}
	if got := digitZero('٧'); got != '٠' {
		t.Errorf("digitZero(٧) = %U, want U+0660", got)
	}
	if n < 500 {
		t.Errorf("only %d decimal digits in Unicode's Nd table?", n)
	}
}
