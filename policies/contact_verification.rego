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
	"message": sprintf("%s is reserved by %s for drama and examples (%s); no one holds it, so a code sent there reaches no one. Use your own number.", [contact.e164, contact.fiction.regulator, contact.fiction.label]),
} if {
	contact.kind == "phone"
	contact.fiction
}

refusal["phone_in_use"] := {
	"code": "phone_in_use", "pointer": "/phone", "next": "use_another_phone",
	"message": "This phone number is already verified on another account; each phone may verify one account. Use another number.",
} if {
	contact.kind == "phone"
	owner := input.phone_verified_on_account
	owner != object.get(account, "id", "")
}

refusal["phone_change_locked"] := {
	"code": "phone_change_locked", "pointer": "/phone", "next": "wait_for_identity_verification",
	"message": "The phone cannot change while an identity verification is pending; try again once it is decided.",
} if {
	contact.kind == "phone"
	object.get(account, ["identity_verification", "status"], "not_started") == "pending"
	account.phone
	account.phone != contact.e164
}

refusal["verification_expired"] := {
	"code": "verification_expired", "pointer": "/verification/attempts_used", "next": "restart_verification",
	"message": sprintf("All %d attempts were used, so this verification has expired; start a new one.", [settings.max_attempts]),
} if {
	attempts_used >= settings.max_attempts
}

refusal["resend_too_soon"] := {
	"code": "resend_too_soon", "pointer": "/verification/sent_at", "next": "wait_to_resend",
	"message": sprintf("A code was sent at %s; another may be sent from %s.", [verification.sent_at, rfc3339(earliest_resend_ns)]),
} if {
	now_ns < earliest_resend_ns
}

refusal["sms_not_supported"] := {
	"code": "sms_not_supported", "pointer": "/phone", "next": sms_fallback_step,
	"message": sprintf("A %s number cannot receive SMS.%s", [replace(contact.line_type, "_", " "), fallback_words]),
} if {
	input.channel == "sms"
	not contact.fiction # its own reason says all
	not contact.line_type in settings.sms_line_types
}

sms_fallback_step := "use_voice" if voice_possible

else := "use_another_phone"

refusal["voice_not_supported"] := {
	"code": "voice_not_supported", "pointer": "/phone", "next": "use_another_phone",
	"message": sprintf("A %s number cannot take a voice call with a code; use a mobile or landline number.", [replace(contact.line_type, "_", " ")]),
} if {
	input.channel == "voice"
	not contact.fiction # its own reason says all
	not contact.line_type in settings.voice_line_types
}

voice_possible if contact.line_type in settings.voice_line_types

fallback_words := " A voice call can read the code out instead." if voice_possible

else := " Use a mobile number."

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
	"message": sprintf("Send a %d-digit code by %s.%s", [channel.code_length, channel_words[input.channel], uncertain_words]),
} if {
	allow
} else := {"code": reasons[0].next, "message": reasons[0].message}

uncertain_words := " The number may be a landline: if the SMS does not arrive, offer a voice call." if {
	input.channel == "sms"
	sms_uncertain
} else := ""

channel_words := {"sms": "SMS", "voice": "voice call", "email": "email"}
