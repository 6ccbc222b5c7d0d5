package numgate.requirements_test

import data.numgate.fixtures
import data.numgate.requirements

result_for(country, number_type, use) := r if {
	r := requirements.result with data.countries as fixtures.countries
		with input as {"country": country, "number_type": number_type, "use": use, "at": "2026-11-25T12:00:00Z"}
}

test_entries_in_form_order if {
	r := result_for("TT", "local", "business")
	r.availability == "available"
	[e.id | some e in r.requirements] == [
		"field.company_name",
		"field.company_registration_number",
		"address",
		"address.proof",
		"document.identity",
	]
}

test_field_entry if {
	r := result_for("TT", "local", "business")
	e := r.requirements[1]
	e.kind == "field"
	e.pointer == "/identity/fields/company_registration_number"
	e.details.pattern == "^(?:[0-9]{14})$"
	e.details.label == "SIRET"
}

test_address_entry_carries_scope if {
	e := result_for("TT", "local", "business").requirements[2]
	e.details.scope == "local_area"
	e.details.parts == ["street", "city", "postal_code", "country"]
	e.message == {"id": "requirement.address_scope.local_area"}
}

test_document_entry_message if {
	e := result_for("TT", "local", "business").requirements[3]
	e.kind == "document"
	e.details.document_kind == "proof_of_address"
	e.message.id == "requirement.document_max_age"
	e.message.params.text == "Upload a document that shows the address given."
	e.message.params.count == 1
	e.message.params.accepted == {"list": ["Utility bill", "Bank statement"]}
	e.message.params.age == {"age": e.details.max_age}
}

test_document_count_in_message if {
	e := result_for("TT", "local", "business").requirements[4]
	e.details.count == 2
	e.message.id == "requirement.document"
	e.message.params.count == 2
	e.message.params.accepted == {"list": ["Passport", "National identity card"]}
	not e.details.max_age
}

test_no_address_scope_no_address_entries if {
	r := result_for("TT", "mobile", "personal")
	[e.id | some e in r.requirements] == ["field.first_name"]
	r.unverified == ["The source does not say whether a proof of address is needed."]
}

test_unavailable_result if {
	r := result_for("TT", "local", "personal")
	r.availability == "not_available"
	r.requirements == []
	r.unavailable == {"code": "not_available_for_use", "pointer": "/number/type", "message": "Local numbers are not available to individuals."}
}

test_not_offered_number_type if {
	r := result_for("TT", "toll_free", "business")
	r.availability == "unknown"
	r.unavailable.code == "rules_not_on_file"
}

test_not_offered_use if {
	r := result_for("TT", "mobile", "business")
	r.availability == "unknown"
	r.unavailable.code == "rules_not_on_file"
}

test_summary_carries_sources_and_verification if {
	r := result_for("TT", "local", "business")
	r.sources[0].url == "https://regulator.example/rules"
	r.verification.typical_duration == "P2D"
	r.restrictions[0].code == "no_po_box"
	r.confidence == "high"
}

test_rules_not_on_file_message if {
	r := result_for("TT", "toll_free", "business")
	r.unavailable.message == {"id": "requirement.rules_not_on_file", "params": {
		"number_type": {"term": "number_type", "code": "toll_free"},
		"country": "TT",
		"use": {"term": "use", "code": "business"},
	}}
}

test_address_without_proof if {
	countries := json.patch(fixtures.countries, [{"op": "remove", "path": "/TT/numbers/local/business/address/proof"}])
	r := requirements.result with data.countries as countries
		with input as {"country": "TT", "number_type": "local", "use": "business", "at": "2026-11-25T12:00:00Z"}
	[e.id | some e in r.requirements] == ["field.company_name", "field.company_registration_number", "address", "document.identity"]
}

test_precomputed_entries_are_used if {
	countries := json.patch(fixtures.countries, [{"op": "add", "path": "/TT/numbers/local/business/requirements", "value": [{"id": "precomputed"}]}])
	r := requirements.result with data.countries as countries
		with input as {"country": "TT", "number_type": "local", "use": "business", "at": "2026-11-25T12:00:00Z"}
	r.requirements == [{"id": "precomputed"}]
}

# A dated change: from 2027-01-01 local business numbers need only the company name.
changed := json.patch(fixtures.countries, [{"op": "add", "path": "/TT/numbers/local/business/changes", "value": [{
	"effective_from": "2027-01-01",
	"summary": "Only the company name is needed.",
	"sources": [],
	"offer": json.patch(fixtures.business_local, [
		{"op": "replace", "path": "/fields", "value": [fixtures.business_local.fields[0]]},
		{"op": "replace", "path": "/documents", "value": []},
	]),
}]}])

result_on(at) := r if {
	r := requirements.result with data.countries as changed
		with input as {"country": "TT", "number_type": "local", "use": "business", "at": at}
}

test_change_not_yet_in_force if {
	r := result_on("2026-12-31T23:59:59Z")
	count(r.requirements) == 5
	r.as_of == "2026-12-31"
	[u.effective_from | some u in r.upcoming] == ["2027-01-01"]
	[e.id | some e in r.upcoming[0].requirements] == ["field.company_name", "address", "address.proof"]
}

test_change_in_force_from_its_day if {
	r := result_on("2027-01-01T00:00:00Z")
	[e.id | some e in r.requirements] == ["field.company_name", "address", "address.proof"]
	r.upcoming == []
}

test_latest_change_wins if {
	o := requirements.in_force(
		{"changes": [
			{"effective_from": "2027-01-01", "offer": {"v": 1}},
			{"effective_from": "2027-06-01", "offer": {"v": 2}},
		]},
		"2027-07-01",
	)
	o == {"v": 2}
}

# Stale facts

test_sources_read_on_is_the_newest_source if {
	r := result_for("TT", "local", "business")
	r.sources_read_on == "2026-11-01"
	not r.stale
}

test_stale_after_the_product_setting if {
	r := requirements.result with data.countries as fixtures.countries
		with data.product as {"facts": {"stale_after_days": 20}}
		with input as {"country": "TT", "number_type": "local", "use": "business", "at": "2026-11-25T12:00:00Z"}
	r.stale
}

test_stale_after_the_input_override if {
	r := requirements.result with data.countries as fixtures.countries
		with data.product as {"facts": {"stale_after_days": 20}}
		with input as {"country": "TT", "number_type": "local", "use": "business", "at": "2026-11-25T12:00:00Z", "stale_after_days": 30}
	not r.stale
}
