# METADATA
# title: Contact verification
# description: |
#   May a one-time code be sent to this phone or email now, and how? The settings
#   (code length and lifetime per channel, attempts, resend delay, which line types take
#   SMS or voice) come from data.contact (policies/contact/data.yaml), with a country's
#   overrides for its phones. The engine fills input.contact (the phone in E.164 with its
#   country and line type, and the block reserved for fiction it is in, if any; or the
#   normalised email) and input.at before evaluation.
package numgate.contact_verification

contact := input.contact

account := object.get(input, "account", {})

verification := object.get(input, "verification", {})

now_ns := time.parse_rfc3339_ns(input.at)

settings := object.union(data.contact.defaults, object.get(data.contact.countries, contact.country, {})) if {
	contact.kind == "phone"
} else := data.contact.defaults

channel := settings.channels[input.channel]

attempts_used := object.get(verification, "attempts_used", 0)

attempts_left := max([0, settings.max_attempts - attempts_used])

# The checks in the order their refusal matters most; each refusal says what to do next.
check_order := ["phone_reserved_for_fiction", "phone_in_use", "phone_change_locked", "verification_expired", "resend_too_soon", "sms_not_supported", "voice_not_supported"]

reasons := [refusal[code] | some code in check_order; refusal[code]]

allow := count(reasons) == 0

# A number regulators reserve for drama and examples (policies/fiction/data.yaml): no
# subscriber holds it, so a code sent there reaches no one.
refusal["phone_reserved_for_fiction"] := {
	"code": "phone_reserved_for_fiction", "pointer": "/phone", "next": "use_another_phone",
	"message": {"id": "contact.phone_reserved_for_fiction", "params": {"phone": contact.e164, "regulator": contact.fiction.regulator, "label": contact.fiction.label}},
} if {
	contact.kind == "phone"
	contact.fiction
}

refusal["phone_in_use"] := {
	"code": "phone_in_use", "pointer": "/phone", "next": "use_another_phone",
	"message": {"id": "contact.phone_in_use"},
} if {
	contact.kind == "phone"
	owner := input.phone_verified_on_account
	owner != object.get(account, "id", "")
}

refusal["phone_change_locked"] := {
	"code": "phone_change_locked", "pointer": "/phone", "next": "wait_for_identity_verification",
	"message": {"id": "contact.phone_change_locked"},
} if {
	contact.kind == "phone"
	object.get(account, ["identity_verification", "status"], "not_started") == "pending"
	account.phone
	account.phone != contact.e164
}

refusal["verification_expired"] := {
	"code": "verification_expired", "pointer": "/verification/attempts_used", "next": "restart_verification",
	"message": {"id": "contact.verification_expired", "params": {"attempts": settings.max_attempts}},
} if {
	attempts_used >= settings.max_attempts
}

refusal["resend_too_soon"] := {
	"code": "resend_too_soon", "pointer": "/verification/sent_at", "next": "wait_to_resend",
	"message": {"id": "contact.resend_too_soon", "params": {"sent_at": {"time": verification.sent_at}, "resend_at": {"time": rfc3339(earliest_resend_ns)}}},
} if {
	now_ns < earliest_resend_ns
}

refusal["sms_not_supported"] := {
	"code": "sms_not_supported", "pointer": "/phone", "next": sms_fallback_step,
	"message": {"id": sms_refusal, "params": {"line_type": line_type_term}},
} if {
	input.channel == "sms"
	not contact.fiction # its own reason says all
	not contact.line_type in settings.sms_line_types
}

sms_fallback_step := "use_voice" if voice_possible

else := "use_another_phone"

refusal["voice_not_supported"] := {
	"code": "voice_not_supported", "pointer": "/phone", "next": "use_another_phone",
	"message": {"id": "contact.voice_not_supported", "params": {"line_type": line_type_term}},
} if {
	input.channel == "voice"
	not contact.fiction # its own reason says all
	not contact.line_type in settings.voice_line_types
}

voice_possible if contact.line_type in settings.voice_line_types

# The messages are ids with parameters (policies/messages/*.yaml); the engine renders
# them in the language of the request.
sms_refusal := "contact.sms_not_supported_voice" if voice_possible

else := "contact.sms_not_supported"

line_type_term := {"term": "line_type", "code": contact.line_type}

resend_after_ns := time.parse_duration_ns(settings.resend_after)

# When the last code's resend delay ends. The delay is at most every channel's code
# lifetime (checked when contact/data.yaml loads), so a new code may be asked for once
# the last one has expired, never later: no window without a code to type.
earliest_resend_ns := time.parse_rfc3339_ns(verification.sent_at) + resend_after_ns

rfc3339(ns) := time.format([ns, "UTC", "2006-01-02T15:04:05Z07:00"])

# An answer carries only what applies: a code's length, expiry and the next resend when
# one is sent now; when the next may go while a resend waits; a fallback channel where
# there is one. A refusal that sends nothing carries none of them.
decision := object.union_n([
	{
		"kind": "contact_verification",
		"allow": allow,
		"status": status,
		"decided_at": input.at,
		"next_step": next_step,
		"reasons": [object.remove(r, ["next"]) | some r in reasons],
		"channel": input.channel,
		"contact": object.remove(contact, ["fiction"]),
		"attempts_left": attempts_left,
	},
	sending,
	waiting,
	fallback_offer,
])

# status: allowed (send the code), wait (only the resend delay is in the way: retry at
# resend_allowed_at) or refused (the phone, email or channel cannot take a code now).
status := "allowed" if {
	allow
} else := "wait" if {
	[r.code | some r in reasons] == ["resend_too_soon"]
} else := "refused"

sending := {
	"code_length": channel.code_length,
	"expires_at": rfc3339(now_ns + time.parse_duration_ns(channel.code_ttl)),
	"resend_allowed_at": rfc3339(now_ns + resend_after_ns),
} if {
	allow
} else := {}

waiting := {"resend_allowed_at": rfc3339(earliest_resend_ns)} if {
	refusal.resend_too_soon
} else := {}

fallback_offer := {"fallback": {"channel": "voice", "code_length": settings.channels.voice.code_length}} if {
	input.channel == "sms"
	voice_possible
	offer_voice
} else := {}

# Voice is offered when SMS is all that is in the way, and beside an SMS to a line that
# may not take it (sms_uncertain_line_types: libphonenumber cannot tell a NANP number's
# landline from a mobile).
offer_voice if [r.code | some r in reasons] == ["sms_not_supported"]

offer_voice if {
	allow
	sms_uncertain
}

sms_uncertain if contact.line_type in settings.sms_uncertain_line_types

next_step := {
	"code": "send_code",
	"message": {"id": send_code_message, "params": {"length": channel.code_length, "channel": {"term": "channel", "code": input.channel}}},
} if {
	allow
} else := {"code": reasons[0].next, "message": reasons[0].message}

send_code_message := "contact.send_code_maybe_landline" if {
	input.channel == "sms"
	sms_uncertain
} else := "contact.send_code"
