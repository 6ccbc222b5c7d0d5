package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// contactChannels are the channels contact/data.yaml configures.
var contactChannels = []string{"sms", "voice", "email"}

// checkContact validates what contact/data.yaml's schema cannot: durations that parse
// and are positive, defaults complete for every channel (so an override only ever needs
// to name what it changes), and rules that agree with each other wherever they apply,
// the defaults and each country with its overrides merged over them.
func checkContact(f *yamlFile, v any) Diagnostics {
	var ds Diagnostics
	root, _ := v.(map[string]any)
	check := func(path []string, s any) {
		str, _ := s.(string)
		if d, err := time.ParseDuration(str); err != nil || d <= 0 {
			ds = append(ds, f.atPath(path, fmt.Sprintf("%s: %q is not a positive duration, expected e.g. 10m or 1h30m", dotted(path), str)))
		}
	}
	settings := map[string]map[string]any{"defaults": asMap(root["defaults"])}
	for code, o := range asMap(root["countries"]) {
		settings["countries/"+code] = asMap(o)
	}
	for where, st := range settings {
		base := strings.Split(where, "/")
		if ra, ok := st["resend_after"]; ok {
			check(append(base, "resend_after"), ra)
		}
		if types, _ := st["sms_line_types"].([]any); slices.Contains(types, any("fixed_line")) {
			ds = append(ds, f.atPath(append(base, "sms_line_types"), dotted(append(base, "sms_line_types"))+
				": fixed_line cannot receive SMS, expected it only under voice_line_types"))
		}
		for ch, c := range asMap(st["channels"]) {
			if ttl, ok := asMap(c)["code_ttl"]; ok {
				check(append(base, "channels", ch, "code_ttl"), ttl)
			}
		}
	}
	defaults := asMap(root["defaults"])
	channels := asMap(defaults["channels"])
	for _, ch := range contactChannels {
		for _, k := range []string{"code_length", "code_ttl"} {
			if _, ok := asMap(channels[ch])[k]; !ok {
				ds = append(ds, f.atKey([]string{"defaults", "channels"},
					fmt.Sprintf("defaults.channels.%s.%s is missing, expected every channel's code_length and code_ttl in defaults", ch, k)))
			}
		}
	}
	ds = append(ds, checkContactRules(f, []string{"defaults"}, defaults, nil)...)
	for _, code := range sortedKeys(asMap(root["countries"])) {
		ds = append(ds, checkContactRules(f, []string{"countries", code}, asMap(asMap(root["countries"])[code]), defaults)...)
	}
	return ds
}

// checkContactRules checks that one scope's rules (a country's overrides over the
// defaults, or the defaults alone when defaults is nil) agree:
//   - every channel's code lives at least resend_after: a code that expired before
//     another may be sent leaves a dead window (sent 11:48, expired 11:58, resend only
//     at 12:03) in which the user has no code to type and may not ask for one;
//   - every line type SMS is only tried on (sms_uncertain_line_types) takes SMS and
//     voice, since voice is offered as its fallback.
//
// A country is reported only for what it overrides; what it inherits is reported once,
// at the defaults.
func checkContactRules(f *yamlFile, at []string, own, defaults map[string]any) Diagnostics {
	var ds Diagnostics
	get := func(path ...string) (any, bool) {
		if v, ok := lookup(own, path); ok {
			return v, true
		}
		v, _ := lookup(defaults, path)
		return v, false
	}
	resendRaw, resendOwn := get("resend_after")
	resend, err := time.ParseDuration(fmt.Sprint(resendRaw))
	if err == nil {
		for _, ch := range contactChannels {
			ttlRaw, ttlOwn := get("channels", ch, "code_ttl")
			ttl, err := time.ParseDuration(fmt.Sprint(ttlRaw))
			if err != nil || ttl >= resend || (!ttlOwn && !resendOwn) {
				continue
			}
			path := append(slices.Clone(at), "resend_after")
			if ttlOwn {
				path = append(slices.Clone(at), "channels", ch, "code_ttl")
			}
			ds = append(ds, f.atPath(path, fmt.Sprintf("%s: the %s code lives %v but another may be sent only after %v, so it expires %s before a new one can be asked for; expected code_ttl at least resend_after (for %s)",
				dotted(path), ch, ttlRaw, resendRaw, shortDuration(resend-ttl), dotted(at))))
		}
	}
	uncertain, uncertainOwn := get("sms_uncertain_line_types")
	sms, smsOwn := get("sms_line_types")
	voice, voiceOwn := get("voice_line_types")
	if uncertainOwn || smsOwn || voiceOwn {
		for _, t := range asList(uncertain) {
			for _, need := range []struct {
				key  string
				list any
			}{{"sms_line_types", sms}, {"voice_line_types", voice}} {
				if !slices.Contains(asList(need.list), t) {
					path := append(slices.Clone(at), "sms_uncertain_line_types")
					if !uncertainOwn {
						path = append(slices.Clone(at), need.key)
					}
					ds = append(ds, f.atPath(path, fmt.Sprintf("%s: %v is in sms_uncertain_line_types but not in %s (for %s), expected it in both sms_line_types and voice_line_types: SMS is tried there and voice offered as the fallback",
						dotted(path), t, need.key, dotted(at))))
				}
			}
		}
	}
	return ds
}

// shortDuration writes 5m rather than Go's 5m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// lookup reads a value at a path of keys.
func lookup(m map[string]any, path []string) (any, bool) {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return v, m != nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
