# METADATA
# title: Decision log masking
# description: |
#   What the decision log must not keep of a decision, in the spirit of OPA's
#   system.log.mask. The engine evaluates `mask` for every decision it logs, with
#   input.kind (activation, account_action, contact_verification), input.request (the
#   request as received) and input.result (the decision), and applies each entry to the
#   record: "redact" replaces the value with "[masked]", "remove" drops it, "last_digits"
#   keeps only the last 4 digits of a phone number. A path is a JSON Pointer into
#   {"request": ..., "result": ...}; a "*" segment stands for every key or index.
#   Compliance staff edit this file to mask more or less; `opa test` checks it.
package numgate.log

# Identity fields and account details that name or reach a person.
personal_fields := {
	"first_name", "last_name", "date_of_birth", "email", "contact_phone", "national_id_number",
	"representative_first_name", "representative_last_name", "representative_email",
}

personal_details := {"full_name", "email", "billing_address", "phone"}

mask contains {"op": "redact", "path": concat("/", ["", "request", "identity", "fields", name])} if {
	some name, _ in input.request.identity.fields
	name in personal_fields
}

mask contains {"op": "redact", "path": "/request/identity/address/street"} if input.request.identity.address.street

# Document ids are the documents' numbers; requirement messages and evidence quote them.
mask contains {"op": "redact", "path": "/request/identity/documents/*/id"} if input.kind == "activation"

mask contains {"op": "redact", "path": "/result/requirements/*/evidence"} if input.kind == "activation"

mask contains {"op": "redact", "path": concat("/", ["", "result", "requirements", format_int(i, 10), "message"])} if {
	some i, r in input.result.requirements
	startswith(r.code, "document_")
}

mask contains {"op": "last_digits", "path": "/request/number/e164"} if input.request.number.e164

mask contains {"op": "redact", "path": concat("/", ["", "request", "account", "details", name])} if {
	some name, _ in input.request.account.details
	name in personal_details
}

mask contains {"op": "last_digits", "path": "/request/phone"} if input.request.phone

mask contains {"op": "last_digits", "path": "/request/account/phone"} if input.request.account.phone

mask contains {"op": "redact", "path": "/request/email"} if input.request.email

mask contains {"op": "last_digits", "path": "/result/contact/e164"} if input.result.contact.e164

mask contains {"op": "redact", "path": "/result/contact/address"} if input.result.contact.address
