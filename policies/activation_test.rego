package numgate.activation_test

import data.numgate.activation
import data.numgate.fixtures

# decide evaluates the activation decision on the fixture country for an input.
decide(inp) := d if {
	d := activation.decision with data.countries as fixtures.countries
		with data.product as fixtures.product
		with input as inp
}

# business applies JSON Patch operations to the complete business request.
business(ops) := json.patch(fixtures.complete_business, ops)

result(d, id) := r if {
	some r in d.requirements
	r.id == id
}

codes(d) := {r.code | some r in d.requirements; not r.satisfied}

# violations are the reasons that come from the product rules and the address scope;
# they come first among the reasons.
violation_codes(d) := {r.code | some r in d.reasons} & {"identity_number_limit", "commercial_use_not_allowed", "address_outside_country", "address_outside_area"}

reason_codes(d) := [r.code | some r in d.reasons]

# Statuses

test_complete_unverified_is_ready_for_review if {
	d := decide(fixtures.complete_business)
	d.kind == "activation"
	d.status == "ready_for_review"
	not d.allow
	not d.can_route_calls
	d.next_step.code == "submit_for_verification"
	reason_codes(d) == ["identity_verification_required"]
	every r in d.requirements { r.satisfied }
}

test_reasons_are_empty_exactly_when_active if {
	d := decide(business([{"op": "replace", "path": "/identity/verification/status", "value": "verified"}]))
	d.status == "active"
	d.reasons == []
}

test_reasons_list_violations_then_requirements_then_verification if {
	d := decide(business([
		{"op": "replace", "path": "/identity/verification/status", "value": "failed"},
		{"op": "remove", "path": "/identity/fields/company_name"},
		{"op": "replace", "path": "/identity/address/country", "value": "FR"},
	]))
	d.status == "blocked"
	reason_codes(d) == ["address_outside_country", "field_missing", "identity_verification_failed"]
	d.reasons[1].pointer == "/identity/fields/company_name"
}

test_complete_verified_is_active if {
	d := decide(business([{"op": "replace", "path": "/identity/verification/status", "value": "verified"}]))
	d.status == "active"
	d.allow
	d.can_route_calls
	d.next_step.code == "activate_number"
}

test_pending_cannot_route_calls if {
	d := decide(business([{"op": "replace", "path": "/identity/verification", "value": {"status": "pending", "case_id": "case-7"}}]))
	d.status == "pending"
	not d.allow
	not d.can_route_calls
	d.next_step.code == "wait_for_review"
	d.next_step.message == {"id": "activation.verification_pending_case", "params": {"case_id": "case-7"}}
	d.verification.case_id == "case-7"
}

test_rejected_says_why if {
	d := decide(business([{"op": "replace", "path": "/identity/verification", "value": {"status": "failed", "reason": "the utility bill is unreadable"}}]))
	d.status == "rejected"
	not d.allow
	d.next_step.code == "update_and_resubmit"
	d.next_step.message == {"id": "activation.verification_rejected_reason", "params": {"reason": "the utility bill is unreadable"}}
}

test_rejected_outranks_incomplete if {
	d := decide(business([
		{"op": "replace", "path": "/identity/verification/status", "value": "failed"},
		{"op": "remove", "path": "/identity/fields/company_name"},
	]))
	d.status == "rejected"
}

test_incomplete_outranks_pending_and_verified if {
	some status in ["pending", "verified"]
	d := decide(business([
		{"op": "replace", "path": "/identity/verification/status", "value": status},
		{"op": "remove", "path": "/identity/fields/company_name"},
	]))
	d.status == "incomplete"
	not d.allow
}

# The verification reason of an incomplete identity says verification follows, not that
# everything is present.
test_verification_reason_of_an_incomplete_identity_says_it_follows if {
	d := decide(business([{"op": "remove", "path": "/identity/fields/company_name"}]))
	d.status == "incomplete"
	some r in d.reasons
	r.code == "identity_verification_required"
	r.message.id == "activation.verification_required_later"
}

test_verification_reason_of_a_complete_identity_asks_to_submit if {
	d := decide(fixtures.complete_business)
	some r in d.reasons
	r.code == "identity_verification_required"
	r.message.id == "activation.submit_for_verification"
}

test_blocked_outranks_incomplete if {
	d := decide(business([
		{"op": "remove", "path": "/identity/fields/company_name"},
		{"op": "replace", "path": "/identity/address/country", "value": "FR"},
	]))
	d.status == "blocked"
	d.next_step.code == "resolve_violation"
}

test_no_verification_needed_is_active if {
	d := decide(fixtures.personal_mobile_request)
	d.status == "active"
	d.allow
	d.can_route_calls
	not d.verification.required
}

test_call_routing_statuses_are_data if {
	inp := business([{"op": "replace", "path": "/identity/verification/status", "value": "pending"}])
	d := activation.decision with data.countries as fixtures.countries
		with data.product as json.patch(fixtures.product, [{"op": "replace", "path": "/call_routing/statuses", "value": ["active", "pending"]}])
		with input as inp
	d.status == "pending"
	d.can_route_calls
	not d.allow
}

# Not available

test_unavailable_for_use if {
	d := decide(json.patch(fixtures.complete_business, [{"op": "replace", "path": "/identity/use", "value": "personal"}]))
	d.status == "not_available"
	not d.allow
	d.unavailable.code == "not_available_for_use"
	d.unavailable.message == "Local numbers are not available to individuals."
	d.next_step.code == "choose_another_number"
	d.requirements == []
}

test_number_type_not_offered if {
	d := decide(business([{"op": "replace", "path": "/number/type", "value": "toll_free"}]))
	d.status == "unknown"
	d.unavailable.code == "rules_not_on_file"
	reason_codes(d) == ["rules_not_on_file"]
	d.next_step.code == "choose_another_number"
}

test_use_not_offered if {
	d := decide(json.patch(fixtures.personal_mobile_request, [{"op": "replace", "path": "/identity/use", "value": "business"}]))
	d.status == "unknown"
	d.unavailable.code == "rules_not_on_file"
}

# Fields

test_field_missing if {
	d := decide(business([{"op": "remove", "path": "/identity/fields/company_registration_number"}]))
	d.status == "incomplete"
	r := result(d, "field.company_registration_number")
	not r.satisfied
	r.code == "field_missing"
	r.pointer == "/identity/fields/company_registration_number"
	r.message == "Enter the 14-digit SIRET."
	d.next_step.code == "complete_fields"
}

test_field_blank_is_missing if {
	d := decide(business([{"op": "replace", "path": "/identity/fields/company_name", "value": "   "}]))
	result(d, "field.company_name").code == "field_missing"
}

test_field_pattern if {
	d := decide(business([{"op": "replace", "path": "/identity/fields/company_registration_number", "value": "1234"}]))
	r := result(d, "field.company_registration_number")
	r.code == "field_invalid"
	r.message == "A SIRET has exactly 14 digits."
}

test_field_too_short if {
	d := decide(business([{"op": "replace", "path": "/identity/fields/company_name", "value": "A"}]))
	r := result(d, "field.company_name")
	r.code == "field_invalid"
	r.message == "Give the company name in 2 to 20 characters."
}

test_field_too_long if {
	d := decide(business([{"op": "replace", "path": "/identity/fields/company_name", "value": "An Extremely Long Company Name Ltd"}]))
	result(d, "field.company_name").code == "field_invalid"
}

# Address

test_address_missing if {
	d := decide(business([{"op": "remove", "path": "/identity/address"}]))
	r := result(d, "address")
	r.code == "address_missing"
	r.pointer == "/identity/address"
	d.status == "incomplete"
}

test_address_incomplete_points_at_the_part if {
	d := decide(business([{"op": "remove", "path": "/identity/address/postal_code"}]))
	r := result(d, "address")
	r.code == "address_incomplete"
	r.pointer == "/identity/address/postal_code"
}

test_address_outside_country_is_blocked if {
	d := decide(business([{"op": "replace", "path": "/identity/address/country", "value": "FR"}]))
	d.status == "blocked"
	violation_codes(d) == {"address_outside_country"}
	d.reasons[0].pointer == "/identity/address/country"
}

test_address_outside_area_is_blocked if {
	d := decide(business([
		{"op": "replace", "path": "/identity/address/city", "value": "Elsewhere"},
		{"op": "replace", "path": "/address_keys", "value": {"city": ["elsewhere"], "region": [], "postal_code": "20001"}},
	]))
	d.status == "blocked"
	violation_codes(d) == {"address_outside_area"}
	d.reasons[0].pointer == "/identity/address/city"
	d.reasons[0].message.params.area == "Capital / Hauptstadt"
}

test_address_outside_area_without_a_city_points_at_the_postal_code if {
	d := decide(business([
		{"op": "remove", "path": "/identity/address/city"},
		{"op": "replace", "path": "/address_keys", "value": {"city": [], "region": [], "postal_code": "20001"}},
	]))
	violation_codes(d) == {"address_outside_area"}
	d.reasons[0].pointer == "/identity/address/postal_code"
}

test_address_in_area_under_another_name if {
	d := decide(business([{"op": "replace", "path": "/address_keys/city", "value": ["hauptstadt"]}]))
	count(violation_codes(d)) == 0
}

test_address_in_a_district_of_the_area if {
	d := decide(business([
		{"op": "replace", "path": "/address_keys/city", "value": ["capital north"]},
		{"op": "replace", "path": "/address_keys/postal_code", "value": "20001"},
	]))
	count(violation_codes(d)) == 0
}

test_address_starting_like_the_area_is_not_in_it if {
	d := decide(business([
		{"op": "replace", "path": "/address_keys/city", "value": ["capitaline"]},
		{"op": "replace", "path": "/address_keys/postal_code", "value": "20001"},
	]))
	violation_codes(d) == {"address_outside_area"}
}

test_address_region_names_the_area if {
	d := decide(business([{"op": "replace", "path": "/address_keys", "value": {"city": ["suburb"], "region": ["capital"], "postal_code": "20001"}}]))
	count(violation_codes(d)) == 0
}

test_address_postal_code_in_the_area if {
	d := decide(business([{"op": "replace", "path": "/address_keys", "value": {"city": ["suburb"], "region": [], "postal_code": "10099"}}]))
	count(violation_codes(d)) == 0
}

test_area_unknown_goes_to_review if {
	d := decide(business([
		{"op": "replace", "path": "/address_keys/city", "value": ["elsewhere"]},
		{"op": "replace", "path": "/number/area", "value": {"names": [], "keys": [], "postal_codes": [], "verifiable": false}},
	]))
	count(violation_codes(d)) == 0
	d.status == "ready_for_review"
	r := result(d, "address")
	r.satisfied
	r.review
	r.code == "address_area_unverified"
}

test_area_unknown_is_not_active_without_verification if {
	no_review := json.patch(fixtures.countries, [{"op": "replace", "path": "/TT/numbers/local/business/verification/required", "value": false}])
	inp := business([{"op": "replace", "path": "/number/area", "value": {"names": [], "keys": [], "postal_codes": [], "verifiable": false}}])
	d := activation.decision with data.countries as no_review with data.product as fixtures.product with input as inp
	d.status == "ready_for_review"
	e := activation.decision with data.countries as no_review with data.product as fixtures.product with input as fixtures.complete_business
	e.status == "active"
}

# Documents

test_document_evidence if {
	d := decide(fixtures.complete_business)
	result(d, "address.proof").evidence == ["bill"]
	result(d, "document.identity").evidence == ["card", "pass"]
}

test_document_missing if {
	d := decide(business([{"op": "remove", "path": "/identity/documents/0"}]))
	r := result(d, "address.proof")
	r.code == "document_missing"
	r.pointer == "/identity/documents"
	r.message.params.accepted == {"list": ["Utility bill", "Bank statement"]}
	d.next_step.code == "upload_documents"
}

test_document_type_not_accepted if {
	d := decide(business([{"op": "replace", "path": "/identity/documents/0/type", "value": "lease_agreement"}]))
	r := result(d, "address.proof")
	r.code == "document_type_not_accepted"
	r.pointer == "/identity/documents/0/type"
}

test_document_too_old if {
	d := decide(business([{"op": "replace", "path": "/identity/documents/0/issued_on", "value": "2026-08-24"}]))
	r := result(d, "address.proof")
	r.code == "document_too_old"
	r.pointer == "/identity/documents/0/issued_on"
	r.message.params.oldest == {"date": "2026-08-25"}
}

test_document_exactly_at_max_age_is_fresh if {
	d := decide(business([{"op": "replace", "path": "/identity/documents/0/issued_on", "value": "2026-08-25"}]))
	result(d, "address.proof").satisfied
}

test_document_expired if {
	d := decide(business([{"op": "replace", "path": "/identity/documents/1/expires_on", "value": "2026-11-01"}]))
	r := result(d, "document.identity")
	r.code == "document_too_few"
}

test_document_expired_alone if {
	d := decide(business([
		{"op": "remove", "path": "/identity/documents/2"},
		{"op": "replace", "path": "/identity/documents/1/expires_on", "value": "2026-11-01"},
	]))
	r := result(d, "document.identity")
	r.code == "document_expired"
	r.pointer == "/identity/documents/1/expires_on"
}

test_document_date_missing if {
	d := decide(business([{"op": "remove", "path": "/identity/documents/0/issued_on"}]))
	r := result(d, "address.proof")
	r.code == "document_date_missing"
	r.pointer == "/identity/documents/0/issued_on"
	r.message.params.age == {"age": {"iso": "P3M", "years": 0, "months": 3, "days": 0}}
}

test_document_too_few if {
	d := decide(business([{"op": "remove", "path": "/identity/documents/2"}]))
	r := result(d, "document.identity")
	r.code == "document_too_few"
	r.message.id == "requirement.document_too_few"
	[r.message.params.given, r.message.params.count] == [1, 2]
}

# One answer per requirement, whatever the documents: the best candidate is reported.

test_two_documents_too_old_give_one_answer if {
	d := decide(business([
		{"op": "replace", "path": "/identity/documents/0/issued_on", "value": "2026-01-05"},
		{"op": "add", "path": "/identity/documents/-", "value": {"id": "bill2", "kind": "proof_of_address", "type": "utility_bill", "issued_on": "2026-01-20"}},
	]))
	r := result(d, "address.proof")
	r.code == "document_too_old"
	r.pointer == "/identity/documents/3/issued_on"
	r.message.params.document == "bill2"
}

test_two_expired_documents_give_one_answer if {
	d := decide(business([
		{"op": "replace", "path": "/identity/documents/1/expires_on", "value": "2026-01-01"},
		{"op": "add", "path": "/identity/documents/2/expires_on", "value": "2026-03-01"},
	]))
	r := result(d, "document.identity")
	r.code == "document_expired"
	r.pointer == "/identity/documents/2/expires_on"
}

test_two_undated_documents_give_one_answer if {
	d := decide(business([
		{"op": "remove", "path": "/identity/documents/0/issued_on"},
		{"op": "add", "path": "/identity/documents/-", "value": {"id": "another", "kind": "proof_of_address", "type": "bank_statement"}},
	]))
	r := result(d, "address.proof")
	r.code == "document_date_missing"
	r.pointer == "/identity/documents/3/issued_on"
}

test_too_old_outranks_undated if {
	d := decide(business([
		{"op": "remove", "path": "/identity/documents/0/issued_on"},
		{"op": "add", "path": "/identity/documents/-", "value": {"id": "old", "kind": "proof_of_address", "type": "bank_statement", "issued_on": "2025-01-01"}},
	]))
	result(d, "address.proof").code == "document_too_old"
}

test_valid_outranks_expired if {
	d := decide(business([{"op": "add", "path": "/identity/documents/-", "value": {"id": "old-bill", "kind": "proof_of_address", "type": "utility_bill", "issued_on": "2026-10-02", "expires_on": "2026-10-30"}}]))
	r := result(d, "address.proof")
	r.satisfied
	r.evidence == ["bill"]
}

test_document_issued_in_future if {
	d := decide(business([{"op": "replace", "path": "/identity/documents/0/issued_on", "value": "2026-12-24"}]))
	r := result(d, "address.proof")
	r.code == "document_issued_in_future"
	r.pointer == "/identity/documents/0/issued_on"
}

test_one_id_is_one_document if {
	d := decide(business([{"op": "replace", "path": "/identity/documents/2/id", "value": "pass"}]))
	r := result(d, "document.identity")
	r.code == "document_too_few"
	r.message.id == "requirement.document_too_few"
	[r.message.params.given, r.message.params.count] == [1, 2]
}

test_reordering_documents_changes_no_code_or_evidence if {
	d := decide(fixtures.complete_business)
	reversed := [fixtures.complete_business.identity.documents[i] |
		some j in numbers.range(0, 2)
		i := 2 - j
	]
	e := decide(business([{"op": "replace", "path": "/identity/documents", "value": reversed}]))
	[[r.code, object.get(r, "evidence", [])] | some r in d.requirements] == [[r.code, object.get(r, "evidence", [])] | some r in e.requirements]
}

test_refused_document_named_by_content_not_order if {
	plain := {"id": "x", "kind": "proof_of_address", "type": "lease_agreement"}
	dated := object.union(plain, {"expires_on": "2001-02-03"})
	d := decide(business([{"op": "replace", "path": "/identity/documents", "value": [plain, dated]}]))
	result(d, "address.proof").pointer == "/identity/documents/0/type"
	e := decide(business([{"op": "replace", "path": "/identity/documents", "value": [dated, plain]}]))
	result(e, "address.proof").pointer == "/identity/documents/1/type"
}

# Documents by kind

national(ops) := json.patch(fixtures.complete_national, ops)

test_complete_national_is_ready_for_review if {
	d := decide(fixtures.complete_national)
	d.status == "ready_for_review"
	result(d, "address.proof").evidence == ["extract"]
	result(d, "document.business_registration").evidence == ["extract"]
	result(d, "document.identity.representative").evidence == ["att"]
	result(d, "document.identity.attorney").evidence == ["rep"]
}

test_shared_document_serves_both_ways if {
	d := decide(national([{"op": "replace", "path": "/identity/documents/0/kind", "value": "proof_of_address"}]))
	result(d, "address.proof").satisfied
	result(d, "document.business_registration").satisfied
}

test_identity_card_given_as_identity_is_no_proof_of_address if {
	d := decide(national([{"op": "remove", "path": "/identity/documents/0"}]))
	result(d, "address.proof").code == "document_missing"
	result(d, "document.identity.representative").satisfied
}

test_document_without_kind_is_matched_by_type if {
	d := decide(national([
		{"op": "remove", "path": "/identity/documents/2/kind"},
		{"op": "remove", "path": "/identity/documents/0"},
	]))
	result(d, "address.proof").evidence == ["att"]
}

test_one_identity_document_cannot_serve_two_people if {
	d := decide(national([{"op": "remove", "path": "/identity/documents/2"}]))
	result(d, "document.identity.representative").evidence == ["rep"]
	r := result(d, "document.identity.attorney")
	r.code == "document_missing"
	r.message.params.text == "Upload the attorney's identity document."
}

test_requirements_of_one_kind_with_distinct_types_do_not_compete if {
	disjoint := json.patch(fixtures.countries, [{
		"op": "replace", "path": "/TT/numbers/national/business/documents/2/accepted",
		"value": [{"type": "residence_permit", "label": "Residence permit"}],
	}])
	inp := national([{"op": "replace", "path": "/identity/documents/2/type", "value": "residence_permit"}])
	d := activation.decision with data.countries as disjoint with data.product as fixtures.product with input as inp
	result(d, "document.identity.representative").evidence == ["rep"]
	result(d, "document.identity.attorney").evidence == ["att"]
}

test_a_document_given_for_another_kind_is_not_accepted if {
	d := decide(national([{"op": "replace", "path": "/identity/documents/1/kind", "value": "business_registration"}]))
	result(d, "document.identity.representative").evidence == ["att"]
	result(d, "document.identity.attorney").code == "document_missing"
}

# Product rules

test_personal_number_limit if {
	inp := json.patch(fixtures.personal_mobile_request, [{"op": "replace", "path": "/account/active_numbers_on_identity", "value": 1}])
	d := decide(inp)
	d.status == "blocked"
	violation_codes(d) == {"identity_number_limit"}
	d.reasons[0].pointer == "/account/active_numbers_on_identity"
}

test_business_has_no_number_limit if {
	d := decide(fixtures.complete_business)
	not "identity_number_limit" in violation_codes(d)
}

test_personal_commercial_use if {
	inp := json.patch(fixtures.personal_mobile_request, [{"op": "replace", "path": "/account/commercial_use", "value": true}])
	d := decide(inp)
	d.status == "blocked"
	violation_codes(d) == {"commercial_use_not_allowed"}
}

test_every_violation_is_listed if {
	inp := json.patch(fixtures.personal_mobile_request, [
		{"op": "replace", "path": "/account/commercial_use", "value": true},
		{"op": "replace", "path": "/account/active_numbers_on_identity", "value": 2},
	])
	violation_codes(decide(inp)) == {"commercial_use_not_allowed", "identity_number_limit"}
}

test_missing_account_counts_as_none if {
	d := decide(json.remove(fixtures.personal_mobile_request, ["account"]))
	d.status == "active"
}

test_unsatisfied_codes_listed if {
	d := decide(business([
		{"op": "remove", "path": "/identity/fields"},
		{"op": "remove", "path": "/identity/documents"},
	]))
	codes(d) == {"field_missing", "document_missing"}
}
