package engine

import "testing"

func TestNeedsArea(t *testing.T) {
	offer := func(scope string) offerData { return offerData{Address: addressData{Scope: scope}} }
	changed := offer("country")
	changed.Changes = []changeData{{EffectiveFrom: "2027-01-01", Offer: offer("local_area")}}
	c := countryData{Numbers: map[string]map[string]offerData{
		"local":    {"business": offer("local_area"), "personal": offer("city")},
		"national": {"business": offer("country"), "personal": changed},
	}}
	for _, tc := range []struct {
		numberType, use string
		want            bool
	}{
		{"local", "business", true},
		{"local", "personal", true},
		{"national", "business", false},
		{"national", "personal", true}, // a dated change ties it to the area
		{"mobile", "business", false},  // not offered
	} {
		if got := c.needsArea(tc.numberType, tc.use); got != tc.want {
			t.Errorf("%s %s: needsArea %v, want %v", tc.numberType, tc.use, got, tc.want)
		}
	}
}
