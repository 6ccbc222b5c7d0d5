package placename_test

import (
	"slices"
	"testing"

	"github.com/numgate/numgate/engine/placename"
)

func TestKeys(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"München", []string{"muenchen", "munchen"}},
		{"Muenchen", []string{"muenchen"}},
		{"  KÖLN ", []string{"koeln", "koln"}},
		{"Zürich", []string{"zuerich", "zurich"}},
		{"Ciudad de México", []string{"ciudad de mexico"}},
		{"Saint-Étienne", []string{"saint etienne"}},
		{"St. Gallen", []string{"st gallen"}},
		{"Gießen", []string{"giessen"}},
		{"Łódź", []string{"lodz"}},
		{"Ålesund", []string{"aalesund", "alesund"}},
		{"København V", []string{"koebenhavn v", "kobenhavn v"}},
		{"Θεσσαλονίκη", []string{"θεσσαλονικη"}},
		{"東京都千代田区", []string{"東 京 都 千 代 田 区"}},
		{"ＴＯＫＹＯ", []string{"tokyo"}},     // full-width
		{"서울특별시", []string{"서 울 특 별 시"}}, // Hangul stays whole syllables
		{"Berlin\u00a0Mitte", []string{"berlin mitte"}},
		{"-- ,", nil},
	} {
		if got := placename.Keys(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Keys(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAreaNames(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Guadalajara, JAL", []string{"Guadalajara"}},
		{"Ciudad de México, CDMX", []string{"Ciudad de México"}},
		{"São Paulo - SP", []string{"São Paulo"}},
		{"New York, NY", []string{"New York"}},
		{"Athens/Piraeus/Salamina", []string{"Athens", "Piraeus", "Salamina"}},
		{"Bucharest and Ilfov County", []string{"Bucharest and Ilfov County"}},
		{"Frankfurt am Main", []string{"Frankfurt am Main"}},
		{"Washington, D.C.", []string{"Washington, D.C.", "Washington"}},
		{"Kyoto, Kyoto", []string{"Kyoto, Kyoto", "Kyoto"}},
		{"Nagoya, Aichi/Tsushima, Aichi", []string{"Nagoya, Aichi", "Nagoya", "Tsushima, Aichi", "Tsushima"}},
	} {
		if got := placename.AreaNames(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("AreaNames(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAddressNames(t *testing.T) {
	for in, want := range map[string][]string{
		"München":           {"München"},
		"Chiyoda-ku, Tokyo": {"Chiyoda-ku, Tokyo", "Chiyoda-ku", "Tokyo"},
		"Osaka, Osaka,":     {"Osaka, Osaka,", "Osaka"},
		"Frankfurt am Main": {"Frankfurt am Main"},
	} {
		if got := placename.AddressNames(in); !slices.Equal(got, want) {
			t.Errorf("AddressNames(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPostalCode(t *testing.T) {
	for in, want := range map[string]string{"sw1a 1aa": "SW1A1AA", "80-331": "80331", "７５００８": "75008", " 100-0001 ": "1000001"} {
		if got := placename.PostalCode(in); got != want {
			t.Errorf("PostalCode(%q) = %q, want %q", in, got, want)
		}
	}
}
