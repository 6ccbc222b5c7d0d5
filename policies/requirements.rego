# METADATA
# title: Requirements
# description: |
#   What must be provided for one (country, number type, use): every requirement, in the
#   order a form asks for it, with a JSON Pointer into the activation request and a
#   message that says what to provide. The country facts come from data.countries
#   (countries/*.yaml, turned into data by the engine); nothing here names a country.
package numgate.requirements

# offer is the configured offer for a (country, number type, use) in force on day
# (YYYY-MM-DD): the latest of its dated changes that has begun, else the offer itself;
# undefined when the country files do not configure it.
offer(country, number_type, use, day) := in_force(data.countries[country].numbers[number_type][use], day)

in_force(base, day) := base.changes[last(begun)].offer if {
	begun := [i | some i, c in object.get(base, "changes", []); c.effective_from <= day]
	count(begun) > 0
} else := base

last(list) := list[count(list) - 1]

# upcoming: the changes of an offer that begin after day, with what they will demand.
upcoming(base, day) := [{
	"effective_from": c.effective_from,
	"summary": c.summary,
	"sources": c.sources,
	"availability": availability(c.offer),
	"requirements": entries(c.offer),
} |
	some c in object.get(base, "changes", [])
	c.effective_from > day
]

availability(o) := "available" if o.available

else := "not_available"

# day is the decision's date (UTC); the engine always gives input.at.
day := substring(input.at, 0, 10)

# entries lists every requirement of an offer: fields, then the address and its proof,
# then documents. They depend on the offer alone, so the engine builds them once per
# snapshot and stores them with the offer (o.requirements); without the engine (opa test,
# stock OPA) they are built here on each evaluation, with the same result.
entries(o) := o.requirements

entries(o) := build_entries(o) if not o.requirements

build_entries(o) := array.concat(array.concat(field_entries(o), address_entries(o)), document_entries(o))

field_entries(o) := [e |
	some f in o.fields
	e := {
		"id": concat(".", ["field", f.name]),
		"kind": "field",
		"pointer": concat("/", ["/identity/fields", f.name]),
		"message": f.message,
		"details": object.filter(f, {"label", "pattern", "min_length", "max_length", "invalid_message"}),
	}
]

address_entries(o) := [] if o.address.scope == "none"

address_entries(o) := array.concat([address_entry(o.address)], proof_entries(o.address)) if o.address.scope != "none"

address_entry(a) := {
	"id": "address",
	"kind": "address",
	"pointer": "/identity/address",
	"message": {"id": concat(".", ["requirement.address_scope", a.scope])},
	"details": {"scope": a.scope, "parts": a.parts},
}

proof_entries(a) := [document_entry(a.proof)] if a.proof

proof_entries(a) := [] if not a.proof

document_entries(o) := [document_entry(d) | some d in o.documents]

document_entry(d) := {
	"id": d.id,
	"kind": "document",
	"pointer": "/identity/documents",
	"message": document_message(d),
	"details": object.union(
		{"document_kind": d.kind, "accepted": d.accepted, "count": d.count},
		object.filter(d, {"max_age", "shared_with"}),
	),
}

# document_message says what to upload, which types are accepted and how old one may be;
# messages are ids with parameters (policies/messages/*.yaml), rendered by the engine in
# the language of the request.
document_message(d) := {"id": "requirement.document_max_age", "params": object.union(document_params(d), {"age": {"age": d.max_age}})} if {
	d.max_age
} else := {"id": "requirement.document", "params": document_params(d)}

document_params(d) := {"text": d.message, "count": d.count, "accepted": {"list": [a.label | some a in d.accepted]}}

# result answers GET /v1/requirements/{country}/{number_type}?use=: the requirements of
# one offer, or why there is none. availability keeps apart what the sources say is not
# offered (not_available) and what the files do not hold (unknown).
result := object.union(summary(o), {
	"availability": "available",
	"requirements": entries(o),
}) if {
	o := offer(input.country, input.number_type, input.use, day)
	o.available
} else := object.union(summary(o), {
	"availability": "not_available",
	"requirements": [],
	"unavailable": {"code": "not_available_for_use", "pointer": "/number/type", "message": o.restriction},
}) if {
	o := offer(input.country, input.number_type, input.use, day)
} else := {
	"country": input.country,
	"number_type": input.number_type,
	"use": input.use,
	"as_of": day,
	"availability": "unknown",
	"stale": false,
	"stale_after_days": stale_after_days,
	"requirements": [],
	"unavailable": not_on_file(input.country, input.number_type, input.use),
}

summary(o) := {
	"country": input.country,
	"number_type": input.number_type,
	"use": input.use,
	"as_of": day,
	"upcoming": upcoming(data.countries[input.country].numbers[input.number_type][input.use], day),
	"restrictions": o.restrictions,
	"verification": o.verification,
	"confidence": o.confidence,
	"unverified": o.unverified,
	"disputed": object.get(o, "disputed", []),
	"notes": o.notes,
	"sources": o.sources,
	"sources_read_on": read_on(o),
	"stale": stale(o),
	"stale_after_days": stale_after_days,
}

# read_on is the day an offer's newest source was read; stale says that it is older than
# the facts may grow (data.product.facts.stale_after_days, or input.stale_after_days):
# the sources should be read again.
read_on(o) := max([s.read_on | some s in o.sources])

stale_after_days := input.stale_after_days if {
	input.stale_after_days
} else := data.product.facts.stale_after_days if {
	data.product.facts.stale_after_days
} else := 180

stale(o) if time.add_date(time.parse_ns("2006-01-02", read_on(o)), 0, 0, stale_after_days) < time.parse_ns("2006-01-02", day)

default stale(_) := false

# not_on_file says that the country files hold no rules for a number type and use, so
# they cannot be decided: unknown, which is not the same as not available.
not_on_file(country, number_type, use) := {
	"code": "rules_not_on_file",
	"pointer": "/number/type",
	"message": {"id": "requirement.rules_not_on_file", "params": {
		"number_type": {"term": "number_type", "code": number_type},
		"country": country,
		"use": {"term": "use", "code": use},
	}},
}
