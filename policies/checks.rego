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

# check is called as check(e.kind, e): a constant first argument lets OPA's rule index
# pick the one definition that applies instead of trying all three.
check("field", e) := object.union({"id": e.id, "kind": "field"}, field_verdict(e, object.get(fields, trim_prefix(e.id, "field."), "")))

check("address", e) := object.union({"id": e.id, "kind": "address"}, address_verdict)

check("document", e) := object.union({"id": e.id, "kind": "document"}, document_verdict(e, m, fresh(e.details, m))) if m := matching(e.details)

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

address_verdict := unmet("address_missing", "/identity/address", "Enter the end user's address.") if {
	count(address) == 0
} else := unmet(
	"address_incomplete",
	concat("/", ["/identity/address", missing_address_parts[0]]),
	sprintf("Enter the address's %s.", [replace(missing_address_parts[0], "_", " ")]),
) if {
	count(missing_address_parts) > 0
} else := ok

missing_address_parts := [p |
	some p in offer.address.parts
	trim_space(object.get(address, p, "")) == ""
]

# Documents

document_verdict(e, m, f) := object.union(ok, {"evidence": [documents[i].id | some i in f]}) if {
	count(f) >= e.details.count
} else := unmet(
	"document_too_few",
	"/identity/documents",
	sprintf("%d of %d accepted documents given. %s", [count(f), e.details.count, e.message]),
) if {
	count(f) > 0
} else := unmet(
	"document_expired",
	sprintf("/identity/documents/%d/expires_on", [i]),
	sprintf("Document %s expired on %s. %s", [documents[i].id, documents[i].expires_on, e.message]),
) if {
	some i in m
	expired(documents[i])
} else := unmet(
	"document_date_missing",
	sprintf("/identity/documents/%d/issued_on", [i]),
	sprintf("Give the date document %s was issued (YYYY-MM-DD): it must have been issued within the last %s.", [documents[i].id, requirements.age_words(e.details.max_age)]),
) if {
	some i in m
	not documents[i].issued_on
} else := unmet(
	"document_too_old",
	sprintf("/identity/documents/%d/issued_on", [i]),
	sprintf("Document %s was issued on %s, more than %s ago; upload one issued on or after %s. %s", [documents[i].id, documents[i].issued_on, requirements.age_words(e.details.max_age), oldest_issue_date(e.details.max_age), e.message]),
) if {
	some i in m
} else := unmet(
	"document_type_not_accepted",
	sprintf("/identity/documents/%d/type", [i]),
	sprintf("A %s (document %s) is not accepted here. %s", [replace(documents[i].type, "_", " "), documents[i].id, e.message]),
) if {
	some i, d in documents
	d.kind == e.details.document_kind
} else := unmet("document_missing", "/identity/documents", e.message)

# matching: indexes of the documents whose type the requirement accepts.
matching(details) := [i |
	some i, d in documents
	some a in details.accepted
	d.type == a.type
]

# fresh: of the matching documents m, those neither expired nor too old.
fresh(details, m) := [i |
	some i in m
	not expired(documents[i])
	not too_old(details, documents[i])
]

expired(d) if time.parse_ns("2006-01-02", d.expires_on) < today_ns

too_old(details, d) if {
	details.max_age
	not d.issued_on
}

too_old(details, d) if {
	a := details.max_age
	time.add_date(time.parse_ns("2006-01-02", d.issued_on), a.years, a.months, a.days) < today_ns
}

oldest_issue_date(a) := time.format([time.add_date(today_ns, 0 - a.years, 0 - a.months, 0 - a.days), "UTC", "2006-01-02"])
