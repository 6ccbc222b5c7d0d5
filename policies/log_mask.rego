# METADATA
# title: Decision log masking
# description: |
#   What the decision log must not keep of a decision, in the spirit of OPA's
#   system.log.mask. For each kind of decision (input.kind: activation, account_action,
#   contact_verification) `mask` lists what to hide in {"request": ..., "result": ...}:
#   "redact" replaces the value with "[masked]", "remove" drops it, "last_digits" keeps
#   only the last 4 digits of a phone number. A path is a JSON Pointer; a "*" segment
#   stands for every key or index, and a path that reaches nothing hides nothing. The
#   engine evaluates `mask` once per kind and snapshot (the rules see only input.kind) and
#   applies it to every decision it logs. Compliance staff edit this file to mask more or
#   less; `opa test` checks it.
package numgate.log

# Identity fields and account details that name or reach a person.
personal_fields := {
	"first_name", "last_name", "date_of_birth", "email", "contact_phone", "national_id_number",
	"representative_first_name", "representative_last_name", "representative_email",
}

personal_details := {"full_name", "email", "billing_address", "phone"}

mask contains {"op": "redact", "path": concat("/", ["", "request", "identity", "fields", name])} if {
	input.kind == "activation"
	some name in personal_fields
}

mask contains {"op": op, "path": path} if {
	input.kind == "activation"
	some [op, path] in [
		["redact", "/request/identity/address/street"],
		["last_digits", "/request/number/e164"],
		# Document ids are the documents' numbers; requirement evidence and messages
		# quote them (a message is the policy's own wording, so nothing else is lost).
		["redact", "/request/identity/documents/*/id"],
		["redact", "/result/requirements/*/evidence"],
		["redact", "/result/requirements/*/message"],
		["redact", "/result/next_step/message"],
	]
}

mask contains {"op": "redact", "path": concat("/", ["", "request", "account", "details", name])} if {
	input.kind == "account_action"
	some name in personal_details
}

mask contains {"op": op, "path": path} if {
	input.kind == "contact_verification"
	some [op, path] in [
		["last_digits", "/request/phone"],
		["last_digits", "/request/account/phone"],
		["redact", "/request/email"],
		["last_digits", "/result/contact/e164"],
		["redact", "/result/contact/address"],
	]
}
