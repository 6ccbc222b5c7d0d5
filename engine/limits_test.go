package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/numgate/numgate/engine"
)

// TestRequestIntegerLimits: every integer of every request has a documented range; a
// value outside it, however large, is refused with invalid_value naming the range, and
// the bounds themselves are decided.
func TestRequestIntegerLimits(t *testing.T) {
	snap := loadRepo(t)
	fields := []struct {
		kind              engine.Kind
		pointer, template string // template holds the value at VALUE
		max               string
	}{
		{engine.KindActivation, "/account/active_numbers_on_identity",
			`{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business"},"account":{"active_numbers_on_identity":VALUE}}`, "100000"},
		{engine.KindAccountAction, "/account/active_orders",
			`{"action":"purchase_number","account":{"active_orders":VALUE}}`, "100000"},
		{engine.KindAccountAction, "/account/identity_verification/attempts",
			`{"action":"purchase_number","account":{"identity_verification":{"status":"failed","attempts":VALUE}}}`, "100"},
		{engine.KindContactVerification, "/verification/attempts_used",
			`{"channel":"sms","phone":"+44 7400 123456","verification":{"attempts_used":VALUE}}`, "100"},
	}
	for _, fl := range fields {
		for _, tc := range []struct{ value, code, words string }{
			{"0", "", ""},
			{fl.max, "", ""},
			{fl.max + "1", "invalid_value", fl.max + "1 is out of range, expected an integer from 0 to " + fl.max},
			{"-1", "invalid_value", "-1 is out of range, expected an integer from 0 to " + fl.max},
			{"1e400", "invalid_value", "a number of 401 digits is out of range, expected an integer from 0 to " + fl.max},
			{"-1e400", "invalid_value", "a negative number of 401 digits is out of range"},
			{"1.5", "wrong_type", "expected integer"},
		} {
			t.Run(fl.pointer+"="+tc.value, func(t *testing.T) {
				body := strings.Replace(fl.template, "VALUE", tc.value, 1)
				_, err := snap.Decide(context.Background(), fl.kind, []byte(body))
				if tc.code == "" {
					if err != nil {
						t.Fatalf("%s refused: %v", tc.value, err)
					}
					return
				}
				var ie *engine.InputError
				if !errors.As(err, &ie) || len(ie.Problems) != 1 {
					t.Fatalf("%s: %v, want one problem", tc.value, err)
				}
				p := ie.Problems[0]
				if p.Code != tc.code || p.Pointer != fl.pointer || !strings.Contains(p.Message, tc.words) || strings.Contains(p.Message, "∞") {
					t.Fatalf("%s: %+v; want %s at %s saying %q", tc.value, p, tc.code, fl.pointer, tc.words)
				}
			})
		}
	}
}
