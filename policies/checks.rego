# Requirement checks
#
# How one requirement is checked against the identity of an activation request: a
# field's value, the address's parts, the documents' types, ages and count. Each
# result carries a stable code and, when unsatisfied, a JSON Pointer and a message
# that says what to do.
#
# Every check is evaluated for every requirement of every decision, so the checks are
# written with few function layers: each call costs the evaluator more than the
# comparisons inside it.
package numgate.activation

import data.numgate.requirements

# check is called as check(e.kind, e, offset): a constant first argument lets OPA's rule
# index pick the one definition that applies instead of trying all three. offset is how
# many documents the offer's earlier requirements of the same kind take (see Documents).
check("field", e, _) := object.union({"id": e.id, "kind": "field"}, field_verdict(e, object.get(fields, trim_prefix(e.id, "field."), "")))

check("address", e, _) := object.union({"id": e.id, "kind": "address"}, address_verdict)

check("document", e, offset) := object.union({"id": e.id, "kind": "document"}, document_verdict(e, offset))

ok := {"satisfied": true, "code": "ok"}

unmet(code, pointer, message) := {"satisfied": false, "code": code, "pointer": pointer, "message": message}

# Fields

fields := object.get(identity, "fields", {})

field_verdict(e, value) := unmet("field_missing", e.pointer, e.message) if {
	trim_space(value) == ""
} else := unmet("field_invalid", e.pointer, e.details.invalid_message) if {
	count(value) < object.get(e.details, "min_length", 0)
} else := unmet("field_invalid", e.pointer, e.details.invalid_message) if {
	count(value) > e.details.max_length
} else := unmet("field_invalid", e.pointer, e.details.invalid_message) if {
	not regex.match(object.get(e.details, "pattern", ""), value)
} else := ok

# Address

address_verdict := unmet("address_missing", "/identity/address", {"id": "requirement.address_missing"}) if {
	count(address) == 0
} else := unmet(
	"address_incomplete",
	concat("/", ["/identity/address", missing_address_parts[0]]),
	{"id": "requirement.address_incomplete", "params": {"part": {"term": "address_part", "code": missing_address_parts[0]}}},
) if {
	count(missing_address_parts) > 0
} else := {
	"satisfied": true,
	"code": "address_area_unverified",
	"review": true,
	"pointer": "/identity/address",
	"message": {"id": "requirement.address_area_unverified"},
} if {
	offer.address.scope in {"local_area", "city"}
	upper(object.get(address, "country", "")) == input.number.country
	not input.number.area.verifiable
} else := ok

missing_address_parts := [p |
	some p in offer.address.parts
	trim_space(object.get(address, p, "")) == ""
]

# Documents
#
# A document may serve a requirement when its type is accepted and it was given for the
# requirement's kind: its own kind, or a kind the country file shares with the
# requirement (details.shared_with); a document given without a kind is matched by its
# type alone. Each requirement ranks the documents that may serve it, best first: valid,
# too old, undated, issued in the future, expired; within one state the most recently
# issued, then the latest expiry, then by id and type. Entries with one id are one
# document (its best entry). Requirements of one kind for different people (the identity
# of a company's representative and of its attorney) take distinct documents: the first
# in form order takes the best `count`, the next the following ones; the engine checks at
# load that such requirements accept the same types and age, so they rank alike.
#
# Every value below comes from sorted arrays, never from an iteration with `some`, so a
# check has exactly one answer whatever the order, number, duplication or dates of the
# documents.

document_verdict(e, offset) := verdict if {
	ranked := distinct_documents(sort([rank_key(e.details, d, i) | some i, d in documents; serves(e.details, d)]))
	mine := array.slice(ranked, offset, offset + e.details.count)
	verdict := ranked_verdict(e, mine, [documents[k[6]].id | some k in mine; k[0] == 0])
}

ranked_verdict(e, mine, valid) := object.union(ok, {"evidence": valid}) if {
	count(valid) >= e.details.count
} else := unmet(
	"document_too_few",
	"/identity/documents",
	{"id": "requirement.document_too_few", "params": {"given": count(valid), "count": e.details.count, "requirement": e.message}},
) if {
	count(valid) > 0
} else := state_verdict(e, states[mine[0][0]], mine[0][6]) if {
	count(mine) > 0
} else := unmet(
	"document_type_not_accepted",
	sprintf("/identity/documents/%d/type", [refused[0][4]]),
	{"id": "requirement.document_type_not_accepted", "params": {
		"type": {"term": "document_type", "code": refused[0][0], "label": concat(".", ["catalog.document_types", refused[0][0], "label"])},
		"document": refused[0][1],
		"requirement": e.message,
	}},
) if {
	# Sorted by all a document holds, so that which one is named depends on the
	# documents, not on their order.
	refused := sort([[d.type, d.id, object.get(d, "issued_on", ""), object.get(d, "expires_on", ""), i] |
		some i, d in documents
		d.kind == e.details.document_kind
		not serves(e.details, d)
	])
	count(refused) > 0
} else := unmet("document_missing", "/identity/documents", e.message)

# states names a document's state for a requirement by its rank.
states := ["valid", "too_old", "undated", "issued_in_future", "expired"]

state_verdict(e, "expired", i) := unmet(
	"document_expired",
	sprintf("/identity/documents/%d/expires_on", [i]),
	{"id": "requirement.document_expired", "params": {"document": documents[i].id, "date": {"date": documents[i].expires_on}, "requirement": e.message}},
)

state_verdict(e, "issued_in_future", i) := unmet(
	"document_issued_in_future",
	sprintf("/identity/documents/%d/issued_on", [i]),
	{"id": "requirement.document_issued_in_future", "params": {"document": documents[i].id, "date": {"date": documents[i].issued_on}, "requirement": e.message}},
)

state_verdict(e, "undated", i) := unmet(
	"document_date_missing",
	sprintf("/identity/documents/%d/issued_on", [i]),
	{"id": "requirement.document_date_missing", "params": {"document": documents[i].id, "age": {"age": e.details.max_age}}},
)

state_verdict(e, "too_old", i) := unmet(
	"document_too_old",
	sprintf("/identity/documents/%d/issued_on", [i]),
	{"id": "requirement.document_too_old", "params": {
		"document": documents[i].id,
		"issued": {"date": documents[i].issued_on},
		"age": {"age": e.details.max_age},
		"oldest": {"date": oldest_issue_date(e.details.max_age)},
		"requirement": e.message,
	}},
)

# serves: document d may serve a requirement with these details.
serves(details, d) if {
	d.type in {a.type | some a in details.accepted}
	given_for(details, d)
}

given_for(_, d) if not d.kind

given_for(details, d) if d.kind == details.document_kind

given_for(details, d) if d.kind in object.get(details, "shared_with", [])

# rank_key orders the documents that may serve a requirement, best first; the last
# element is the document's index in the request.
rank_key(details, d, i) := [
	state_rank(details, d),
	date_key(object.get(d, "issued_on", "")),
	date_key(object.get(d, "expires_on", "")),
	d.id,
	d.type,
	object.get(d, "kind", ""),
	i,
]

state_rank(details, d) := 4 if {
	expired(d)
} else := 3 if {
	d.issued_on > requirements.day
} else := 2 if {
	details.max_age
	not d.issued_on
} else := 1 if {
	too_old(details, d)
} else := 0

# date_key sorts the latest date first and a missing date last.
date_key("") := [1, 0]

date_key(day) := [0, 0 - time.parse_ns("2006-01-02", day)] if day != ""

# distinct_documents keeps the best entry of each document id from ranked keys.
distinct_documents(ranked) := [k |
	some j, k in ranked
	not id_ranked_before(ranked, j, k[3])
]

id_ranked_before(ranked, j, id) if {
	some j2, k2 in ranked
	j2 < j
	k2[3] == id
}

expired(d) if time.parse_ns("2006-01-02", d.expires_on) < today_ns

too_old(details, d) if {
	a := details.max_age
	time.add_date(time.parse_ns("2006-01-02", d.issued_on), a.years, a.months, a.days) < today_ns
}

oldest_issue_date(a) := time.format([time.add_date(today_ns, 0 - a.years, 0 - a.months, 0 - a.days), "UTC", "2006-01-02"])
