package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// checkContact validates what contact/data.yaml's schema cannot: durations that parse
// and are positive, and defaults complete for every channel, so an override only ever
// needs to name what it changes.
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
	channels := asMap(asMap(root["defaults"])["channels"])
	for _, ch := range []string{"sms", "voice", "email"} {
		for _, k := range []string{"code_length", "code_ttl"} {
			if _, ok := asMap(channels[ch])[k]; !ok {
				ds = append(ds, f.atKey([]string{"defaults", "channels"},
					fmt.Sprintf("defaults.channels.%s.%s is missing, expected every channel's code_length and code_ttl in defaults", ch, k)))
			}
		}
	}
	return ds
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
