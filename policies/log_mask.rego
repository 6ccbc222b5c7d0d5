# METADATA
# title: Decision log masking
# description: |
#   What the decision log may keep of a decision, by allow-list: for each kind of
#   decision (input.kind: activation, account_action, contact_verification) `mask`
#   lists, as JSON Pointers into {"request": ..., "result": ...}, the values stored in
#   clear ("keep") and the phone numbers of which only the last 4 digits are stored
#   ("last_digits"). Every other value is stored as "[masked]": names, addresses,
#   document numbers, emails, free text (reasons, case ids, messages that may quote
#   them) and any name a request may add (account details) are never logged in clear,
#   whatever a caller sends. A "*" segment stands for every key or index; keeping an
#   object keeps all of it. The engine evaluates `mask` once per kind and snapshot and
#   applies it to every decision it logs. Compliance staff edit this file to keep more
#   or less; `opa test` checks it.
package numgate.log

mask contains {"op": "keep", "path": path} if {
	some path in keep[input.kind]
}

mask contains {"op": "last_digits", "path": path} if {
	some path in last_digits[input.kind]
}

# The envelope every decision answers: codes and pointers, never a message, which may
# quote what the request holds.
envelope := [
	"/result/decision_id", "/result/policy_revision", "/result/decided_at", "/result/language", "/result/kind",
	"/result/allow", "/result/status", "/result/next_step/code", "/result/next_step/pointer",
	"/result/reasons/*/code", "/result/reasons/*/pointer",
]

# Identity fields that identify no one (countries/catalog.yaml). A company's name,
# registration, tax and VAT numbers and website are not among them: a sole trader's are
# the person's own (a Spanish autónomo's tax number is their national ID number).
non_personal_fields := ["activity_code"]

keep["activation"] := array.concat(envelope, array.concat(
	[concat("/", ["", "request", "identity", "fields", f]) | some f in non_personal_fields],
	[
		"/request/number/type", "/request/number/country", "/request/number/area_code",
		"/request/identity/use",
		"/request/identity/address/city", "/request/identity/address/region",
		"/request/identity/address/country",
		"/request/identity/documents/*/kind", "/request/identity/documents/*/type",
		"/request/identity/documents/*/issued_on", "/request/identity/documents/*/expires_on",
		"/request/identity/verification/status",
		"/request/account", "/request/at",
		"/result/can_route_calls", "/result/country", "/result/number_type", "/result/use",
		"/result/requirements/*/id", "/result/requirements/*/kind",
		"/result/requirements/*/satisfied", "/result/requirements/*/code",
		"/result/requirements/*/pointer", "/result/requirements/*/review",
		"/result/restrictions/*/code",
		"/result/verification/required", "/result/verification/method",
		"/result/verification/typical_duration", "/result/verification/status",
		"/result/unavailable/code", "/result/unavailable/pointer",
	],
))

keep["account_action"] := array.concat(envelope, [
	"/request/action", "/request/account/active_orders",
	"/request/account/identity_verification/status", "/request/account/identity_verification/consent",
	"/request/account/identity_verification/document", "/request/account/identity_verification/selfie",
	"/request/account/identity_verification/attempts", "/request/account/identity_verification/interrupted",
	"/request/account/two_factor", "/request/at",
	"/result/action", "/result/open_steps",
	"/result/steps/*/id", "/result/steps/*/done", "/result/steps/*/required",
	"/result/steps/*/code", "/result/steps/*/pointer", "/result/steps/*/missing",
	"/result/steps/*/retry", "/result/recommendations/*/code", "/result/recommendations/*/pointer",
])

keep["contact_verification"] := array.concat(envelope, [
	"/request/channel", "/request/default_region", "/request/allow_letters",
	"/request/account/identity_verification/status", "/request/verification", "/request/at",
	"/result/channel", "/result/contact/kind", "/result/contact/country", "/result/contact/line_type",
	"/result/code_length", "/result/expires_at", "/result/attempts_left",
	"/result/resend_allowed_at", "/result/fallback",
])

# Phone numbers: the last 4 digits tell a support person which number it was.
last_digits["activation"] := ["/request/number/e164"]

last_digits["account_action"] := []

last_digits["contact_verification"] := ["/request/phone", "/request/account/phone", "/result/contact/e164"]
