# METADATA
# title: Number activation
# description: |
#   May this number go live? Checks every requirement of the number's offer against the
#   identity, applies the provider's product rules (data.product) and the address scope,
#   and answers with one status, in the order an identity moves through them:
#   unknown (the rules for the number's type and use are not on file), not_available,
#   blocked, rejected, incomplete, pending, ready_for_review, active. Like every
#   decision, it answers allow, status, next_step and reasons (why it is not allowed,
#   each with a code, a JSON Pointer and a message), then its own details.
#
#   The engine fills input.number.country (from the E.164 number), input.number.area
#   (the area code and the names of its area, where the number has one) and input.at
#   (the decision time) before evaluation.
package numgate.activation

import data.numgate.requirements

identity := object.get(input, "identity", {})

account := object.get(input, "account", {})

documents := object.get(identity, "documents", [])

address := object.get(identity, "address", {})

now_ns := time.parse_rfc3339_ns(input.at)

# today_ns is the start of the decision's day (UTC): document dates are whole days, so a
# document issued exactly three months ago is still within "three months".
today_ns := time.parse_ns("2006-01-02", sprintf("%04d-%02d-%02d", time.date(now_ns)))

# offer is what the number's country demands for its type and this use; {} when the
# country files configure no such offer.
default offer := {}

offer := requirements.offer(input.number.country, input.number.type, identity.use, requirements.day)

# configured: the country files hold an offer for the number's type and this use, which
# may say that it is not available; without one the rules are unknown.
configured if count(offer) > 0

default available := false

available if offer.available

verification_status := object.get(identity, ["verification", "status"], "not_started")

entries := requirements.entries(offer)

# results: every requirement of the offer, satisfied or not.
results := [check(e.kind, e, document_offsets[i]) | some i, e in entries]

# document_offsets[i]: how many documents the earlier requirements that compete with
# entry i for the same documents take (same document kind, same accepted types), so that
# requirements for different people take distinct documents. The engine checks at load
# that requirements of one kind accept either the same types or none in common.
document_offsets := [n |
	some i, e in entries
	n := sum([x.details.count |
		some j, x in entries
		j < i
		x.kind == "document"
		e.kind == "document"
		x.details.document_kind == e.details.document_kind
		accepted_types(x) == accepted_types(e)
	])
]

accepted_types(e) := {a.type | some a in e.details.accepted}

unsatisfied := [r | some r in results; r.satisfied == false]

status := "unknown" if {
	not configured
} else := "not_available" if {
	not available
} else := "blocked" if {
	count(violations) > 0
} else := "rejected" if {
	verification_status == "failed"
} else := "incomplete" if {
	count(unsatisfied) > 0
} else := "pending" if {
	verification_status == "pending"
} else := "active" if {
	verification_status == "verified"
} else := "active" if {
	not offer.verification.required
	not needs_review
} else := "ready_for_review"

# needs_review: a satisfied requirement still wants a person's check (review: true), so
# the number cannot activate before the identity is verified.
needs_review if {
	some r in results
	r.review
}

allow := status == "active"

can_route_calls := status in {s | some s in data.product.call_routing.statuses}

# reasons: why the number may not activate, most pressing first: the offer's absence,
# else the product rules it breaks, the requirements it leaves open and where the
# identity's verification stands. Empty exactly when the status is active.
reasons := [unavailable] if {
	status in {"unknown", "not_available"}
} else := array.concat(array.concat([v | some v in violations], requirement_reasons), verification_reasons)

requirement_reasons := [{"code": r.code, "pointer": r.pointer, "message": r.message} | some r in unsatisfied]

verification_pointer := "/identity/verification/status"

# verification_reasons: where the identity's verification keeps the number from
# activating, whatever else does too.
verification_reasons := [{"code": "identity_verification_failed", "pointer": verification_pointer, "message": rejection_message}] if {
	verification_status == "failed"
} else := [{"code": "identity_verification_pending", "pointer": verification_pointer, "message": pending_message}] if {
	verification_status == "pending"
} else := [{"code": "identity_verification_required", "pointer": verification_pointer, "message": verification_required_message}] if {
	verification_status != "verified"
	verification_needed
} else := []

verification_needed if offer.verification.required

# Submitting is the next step only once nothing else is open; before that the reason
# says verification will follow, not that everything is present.
verification_required_message := submit_message if {
	count(unsatisfied) == 0
	count(violations) == 0
} else := {"id": "activation.verification_required_later"}

verification_needed if needs_review

decision := object.union(
	{
		"kind": "activation",
		"allow": allow,
		"status": status,
		"decided_at": input.at,
		"next_step": next_step,
		"reasons": reasons,
		"can_route_calls": can_route_calls,
		"country": input.number.country,
		"number_type": input.number.type,
		"use": identity.use,
		"requirements": results,
		"restrictions": object.get(offer, "restrictions", []),
	},
	extras,
)

extras := {"unavailable": unavailable} if {
	not available
} else := {"verification": verification}

verification := object.union(offer.verification, object.filter(
	object.union({"status": verification_status}, object.get(identity, "verification", {})),
	{"status", "case_id", "reason"},
))

unavailable := requirements.not_on_file(input.number.country, input.number.type, identity.use) if {
	not configured
} else := {"code": "not_available_for_use", "pointer": "/number/type", "message": offer.restriction}
