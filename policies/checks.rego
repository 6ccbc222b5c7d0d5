# Requirement checks
#
# How one requirement is checked against the identity of an activation request: a
# field's value, the address's parts, the documents' types, ages and count. Each
# result carries a stable code and, when unsatisfied, a JSON Pointer and a message
# that says what to do.
package numgate.activation

import data.numgate.requirements

# check is called as check(e.kind, e): a constant first argument lets OPA's rule index
# pick the one definition that applies instead of trying all three.
check("field", e) := object.union(base_result(e), field_result(e))

check("address", e) := object.union(base_result(e), address_result)

check("document", e) := object.union(base_result(e), document_result(e))

base_result(e) := {"id": e.id, "kind": e.kind}

ok := {"satisfied": true, "code": "ok"}

unmet(code, pointer, message) := {"satisfied": false, "code": code, "pointer": pointer, "message": message}

# Fields

# A field requirement's id is "field." followed by the field's machine name.
field_result(e) := field_check(e, object.get(object.get(identity, "fields", {}), trim_prefix(e.id, "field."), ""))

field_check(e, value) := unmet("field_missing", e.pointer, e.message) if {
	trim_space(value) == ""
} else := unmet("field_invalid", e.pointer, e.details.invalid_message) if {
	not field_valid(e.details, value)
} else := ok

field_valid(d, value) if {
	count(value) >= object.get(d, "min_length", 0)
	not too_long(d, value)
	pattern_matches(d, value)
}

too_long(d, value) if count(value) > d.max_length

pattern_matches(d, _) if not d.pattern

pattern_matches(d, value) if regex.match(d.pattern, value)

# Address

address_result := unmet("address_missing", "/identity/address", "Enter the end user's address.") if {
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

# document_result finds the documents a requirement accepts once, then judges them.
document_result(e) := document_verdict(e, m, fresh(e, m)) if m := matching(e)

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
matching(e) := [i |
	some i, d in documents
	some a in e.details.accepted
	d.type == a.type
]

# fresh: of the matching documents m, those neither expired nor too old.
fresh(e, m) := [i |
	some i in m
	not expired(documents[i])
	not too_old(e.details, documents[i])
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
