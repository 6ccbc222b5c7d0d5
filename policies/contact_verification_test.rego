package numgate.contact_verification_test

import data.numgate.contact_verification

settings := {
	"defaults": {
		"channels": {
			"sms": {"code_length": 4, "code_ttl": "10m"},
			"voice": {"code_length": 4, "code_ttl": "10m"},
			"email": {"code_length": 6, "code_ttl": "30m"},
		},
		"max_attempts": 3,
		"resend_after": "10m",
		"sms_line_types": ["mobile", "fixed_line_or_mobile"],
		"sms_uncertain_line_types": ["fixed_line_or_mobile"],
		"voice_line_types": ["mobile", "fixed_line", "fixed_line_or_mobile", "toll_free"],
	},
	"countries": {"US": {"channels": {"sms": {"code_length": 6}}, "sms_line_types": ["mobile"]}},
}

mobile := {
	"channel": "sms",
	"phone": "+44 7400 123456",
	"contact": {"kind": "phone", "e164": "+447400123456", "country": "GB", "line_type": "mobile"},
	"account": {"id": "acc-1"},
	"at": "2026-11-25T12:00:00Z",
}

decide(inp) := d if {
	d := contact_verification.decision with data.contact as settings with input as inp
}

patched(ops) := decide(json.patch(mobile, ops))

reason_codes(d) := [r.code | some r in d.reasons]

test_sms_to_mobile if {
	d := decide(mobile)
	d.allow
	d.status == "allowed"
	d.code_length == 4
	d.attempts_left == 3
	d.expires_at == "2026-11-25T12:10:00Z"
	d.resend_allowed_at == "2026-11-25T12:10:00Z"
	d.next_step.code == "send_code"
	not d.fallback
}

test_email_code_is_six_digits if {
	d := decide({"channel": "email", "contact": {"kind": "email", "address": "ada@example.com"}, "at": "2026-11-25T12:00:00Z"})
	d.allow
	d.code_length == 6
	d.expires_at == "2026-11-25T12:30:00Z"
}

test_no_sms_to_fixed_line_voice_offered if {
	d := patched([{"op": "replace", "path": "/contact/line_type", "value": "fixed_line"}])
	not d.allow
	d.reasons[0].code == "sms_not_supported"
	d.fallback == {"channel": "voice", "code_length": 4}
	d.next_step.code == "use_voice"
	not d.expires_at
}

test_voice_to_fixed_line if {
	d := patched([
		{"op": "replace", "path": "/contact/line_type", "value": "fixed_line"},
		{"op": "replace", "path": "/channel", "value": "voice"},
	])
	d.allow
}

test_no_sms_to_toll_free_voice_offered if {
	d := patched([{"op": "replace", "path": "/contact/line_type", "value": "toll_free"}])
	d.reasons[0].code == "sms_not_supported"
	d.fallback.channel == "voice"
	d.next_step.code == "use_voice"
	v := patched([
		{"op": "replace", "path": "/contact/line_type", "value": "toll_free"},
		{"op": "replace", "path": "/channel", "value": "voice"},
	])
	v.allow
}

# Whether a toll-free number takes a code call is the data's decision, not a rule's.
test_voice_to_toll_free_refused_when_the_data_says_so if {
	no_toll_free := json.patch(settings, [{"op": "replace", "path": "/defaults/voice_line_types", "value": ["mobile", "fixed_line"]}])
	inp := json.patch(mobile, [
		{"op": "replace", "path": "/contact/line_type", "value": "toll_free"},
		{"op": "replace", "path": "/channel", "value": "voice"},
	])
	d := contact_verification.decision with data.contact as no_toll_free with input as inp
	d.reasons[0].code == "voice_not_supported"
	d.next_step.code == "use_another_phone"
	s := contact_verification.decision with data.contact as no_toll_free with input as json.patch(inp, [{"op": "replace", "path": "/channel", "value": "sms"}])
	s.reasons[0].code == "sms_not_supported"
	not s.fallback
}

test_country_overrides if {
	us := patched([{"op": "replace", "path": "/contact", "value": {"kind": "phone", "e164": "+12025550123", "country": "US", "line_type": "fixed_line_or_mobile"}}])
	us.reasons[0].code == "sms_not_supported" # the US override allows SMS to mobile lines only
	us.fallback.channel == "voice"
	mob := patched([{"op": "replace", "path": "/contact", "value": {"kind": "phone", "e164": "+12015550123", "country": "US", "line_type": "mobile"}}])
	mob.allow
	mob.code_length == 6 # overridden
	mob.expires_at == "2026-11-25T12:10:00Z" # the default ttl still applies
}

# libphonenumber cannot tell a NANP landline from a mobile: SMS is tried, voice offered.
test_nanp_fixed_line_or_mobile_takes_sms_with_voice_offered if {
	d := patched([{"op": "replace", "path": "/contact", "value": {"kind": "phone", "e164": "+15145552671", "country": "CA", "line_type": "fixed_line_or_mobile"}}])
	d.allow
	d.code_length == 4
	d.fallback == {"channel": "voice", "code_length": 4}
	d.next_step.code == "send_code"
	d.next_step.message.id == "contact.send_code_maybe_landline"
}

test_no_voice_fallback_beside_voice if {
	d := patched([
		{"op": "replace", "path": "/contact", "value": {"kind": "phone", "e164": "+15145552671", "country": "CA", "line_type": "fixed_line_or_mobile"}},
		{"op": "replace", "path": "/channel", "value": "voice"},
	])
	d.allow
	not d.fallback
}

test_attempts_left if {
	d := patched([{"op": "add", "path": "/verification", "value": {"attempts_used": 2, "sent_at": "2026-11-25T11:00:00Z"}}])
	d.allow
	d.attempts_left == 1
}

test_attempts_exhausted_expires if {
	d := patched([{"op": "add", "path": "/verification", "value": {"attempts_used": 3}}])
	not d.allow
	d.reasons[0].code == "verification_expired"
	d.attempts_left == 0
	d.next_step.code == "restart_verification"
}

test_resend_too_soon if {
	d := patched([{"op": "add", "path": "/verification", "value": {"sent_at": "2026-11-25T11:55:00Z", "attempts_used": 0}}])
	not d.allow
	d.status == "wait"
	d.reasons[0].code == "resend_too_soon"
	d.resend_allowed_at == "2026-11-25T12:05:00Z"
	d.reasons[0].pointer == "/verification/sent_at"
	not d.code_length # no code is sent now
	not d.expires_at
}

# The issue's dead window: a code sent 11:48 expired at 11:58; another may be sent from
# 11:58, not 12:03.
test_resend_allowed_once_the_code_expired if {
	waiting := patched([{"op": "add", "path": "/verification", "value": {"sent_at": "2026-11-25T11:48:00Z"}}, {"op": "replace", "path": "/at", "value": "2026-11-25T11:57:59Z"}])
	waiting.reasons[0].code == "resend_too_soon"
	waiting.resend_allowed_at == "2026-11-25T11:58:00Z"
	expired := patched([{"op": "add", "path": "/verification", "value": {"sent_at": "2026-11-25T11:48:00Z"}}, {"op": "replace", "path": "/at", "value": "2026-11-25T11:58:00Z"}])
	expired.allow
}

test_resend_after_delay if {
	d := patched([{"op": "add", "path": "/verification", "value": {"sent_at": "2026-11-25T11:45:00Z"}}])
	d.allow
	d.resend_allowed_at == "2026-11-25T12:10:00Z"
}

# A refusal that sends nothing says nothing of codes: no length, expiry or resend time.
test_refusal_without_a_code_carries_no_code_facts if {
	every d in [
		patched([{"op": "add", "path": "/phone_verified_on_account", "value": "acc-2"}]),
		patched([{"op": "replace", "path": "/contact/line_type", "value": "fixed_line"}]),
		patched([{"op": "add", "path": "/verification", "value": {"attempts_used": 3}}]),
	] {
		not d.allow
		not d.resend_allowed_at
		not d.code_length
		not d.expires_at
		d.attempts_left >= 0
	}
}

test_number_reserved_for_fiction if {
	d := patched([{"op": "replace", "path": "/contact", "value": {
		"kind": "phone", "e164": "+447700900123", "country": "GB", "line_type": "unknown",
		"fiction": {"label": "UK mobile drama numbers", "regulator": "Ofcom", "source": "https://example.org"},
	}}])
	not d.allow
	reason_codes(d) == ["phone_reserved_for_fiction"] # not also sms_not_supported for its unknown line
	d.next_step.code == "use_another_phone"
	d.reasons[0].message.params.regulator == "Ofcom"
	not d.contact.fiction
}

test_phone_verified_on_another_account if {
	d := patched([{"op": "add", "path": "/phone_verified_on_account", "value": "acc-2"}])
	not d.allow
	d.reasons[0].code == "phone_in_use"
	d.reasons[0].pointer == "/phone"
}

test_phone_verified_on_this_account if {
	d := patched([{"op": "add", "path": "/phone_verified_on_account", "value": "acc-1"}])
	d.allow
}

test_phone_change_locked_while_identity_pending if {
	d := patched([{"op": "replace", "path": "/account", "value": {"id": "acc-1", "phone": "+447400999999", "identity_verification": {"status": "pending"}}}])
	d.reasons[0].code == "phone_change_locked"
	d.next_step.code == "wait_for_identity_verification"
}

test_same_phone_while_identity_pending if {
	d := patched([{"op": "replace", "path": "/account", "value": {"id": "acc-1", "phone": "+447400123456", "identity_verification": {"status": "pending"}}}])
	d.allow
}

test_first_phone_while_identity_pending if {
	d := patched([{"op": "replace", "path": "/account", "value": {"id": "acc-1", "identity_verification": {"status": "pending"}}}])
	d.allow
}

test_every_reason_listed_most_important_first if {
	d := patched([
		{"op": "add", "path": "/phone_verified_on_account", "value": "acc-2"},
		{"op": "replace", "path": "/contact/line_type", "value": "fixed_line"},
		{"op": "add", "path": "/verification", "value": {"attempts_used": 3}},
	])
	reason_codes(d) == ["phone_in_use", "verification_expired", "sms_not_supported"]
	d.reasons[0].code == "phone_in_use"
	not d.fallback
}
