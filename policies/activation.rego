# METADATA
# title: Number activation
# description: |
#   May this number go live? Checks every requirement of the number's offer against the
#   identity, applies the provider's product rules (data.product) and the address scope,
#   and answers with one status, in the order an identity moves through them:
#   not_available, blocked, rejected, incomplete, pending, ready_for_review, active.
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

default available := false

available if offer.available

verification_status := object.get(identity, ["verification", "status"], "not_submitted")

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

status := "not_available" if {
	not available
} else := "blocked" if {
	count(violations) > 0
} else := "rejected" if {
	verification_status == "rejected"
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

decision := object.union(
	{
		"allow": allow,
		"status": status,
		"can_route_calls": can_route_calls,
		"country": input.number.country,
		"number_type": input.number.type,
		"use": identity.use,
		"decided_at": input.at,
		"requirements": results,
		"violations": violations,
		"restrictions": object.get(offer, "restrictions", []),
		"next_step": next_step,
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

unavailable := {"code": "not_available_for_use", "message": offer.restriction} if {
	offer.available == false
} else := requirements.not_offered(input.number.country, input.number.type, identity.use)
