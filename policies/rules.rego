# Product rules and address scope
#
# What blocks an activation even when every document is present: the provider's
# product rules (data.product, from policies/product/data.yaml) and an address outside
# the scope the regulator requires. Each violation has a stable code, a JSON Pointer and
# a message; any violation makes the status "blocked".
package numgate.activation

use_rules := data.product.uses[identity.use]

# violations, sorted, so that equal inputs give equal decisions.
violations := [v | some v in violation]

violation contains {
	"code": "identity_number_limit",
	"pointer": "/account/active_numbers_on_identity",
	"message": {"id": "activation.identity_number_limit", "params": {"use": use_term, "limit": limit, "held": held}},
} if {
	limit := use_rules.max_active_numbers_per_identity
	held := object.get(account, "active_numbers_on_identity", 0)
	held >= limit
}

violation contains {
	"code": "commercial_use_not_allowed",
	"pointer": "/account/commercial_use",
	"message": {"id": "activation.commercial_use_not_allowed", "params": {"use": use_term}},
} if {
	object.get(account, "commercial_use", false) == true
	not use_rules.commercial_use_allowed
}

# The address must be in the number's country for every scope narrower than worldwide.
violation contains {
	"code": "address_outside_country",
	"pointer": "/identity/address/country",
	"message": {"id": "activation.address_outside_country", "params": {
		"address_country": address.country,
		"country": input.number.country,
		"number_type": {"term": "number_type", "code": input.number.type},
	}},
} if {
	offer.address.scope in {"country", "local_area", "city"}
	address.country
	upper(address.country) != input.number.country
}

# Inside the country, local_area and city scopes need the address in the number's area
# where the area can be told (input.number.area.verifiable; where it cannot, the address
# requirement says so and the identity goes to review, see checks.rego). The engine
# names the area from the number in English and the country's languages, adds the
# country file's aliases and postal-code prefixes, and gives both sides as match keys
# (case, punctuation and diacritics folded, ü written ue as well as u; see
# engine/placename): the address is in the area when its city or region begins with
# one of the area's names, or its postal code with one of its prefixes.
violation contains {
	"code": "address_outside_area",
	"pointer": area_pointer,
	"message": {"id": "activation.address_outside_area", "params": {"address": address_words, "area": concat(" / ", input.number.area.names)}},
} if {
	offer.address.scope in {"local_area", "city"}
	upper(address.country) == input.number.country
	input.number.area.verifiable
	count(address_words) > 0
	not address_in_area
}

address_in_area if {
	some part in ["city", "region"]
	some a in object.get(input, ["address_keys", part], [])
	some k in input.number.area.keys
	startswith(concat("", [a, " "]), concat("", [k, " "]))
}

address_in_area if {
	postal_code := object.get(input, ["address_keys", "postal_code"], "")
	postal_code != ""
	some prefix in input.number.area.postal_codes
	startswith(postal_code, prefix)
}

# address_words names the address's place as given: its city, else region, else postal code.
address_words := concat(", ", [v |
	some part in ["postal_code", "city", "region"]
	v := trim_space(object.get(address, part, ""))
	v != ""
])

area_pointer := "/identity/address/city" if {
	trim_space(object.get(address, "city", "")) != ""
} else := "/identity/address/postal_code"

# next_step is the single most useful action for the status.
next_step := {"code": "choose_another_number", "pointer": "/number", "message": unavailable.message} if {
	status in {"unknown", "not_available"}
} else := {"code": "resolve_violation", "pointer": violations[0].pointer, "message": violations[0].message} if {
	status == "blocked"
} else := {"code": "update_and_resubmit", "pointer": verification_pointer, "message": rejection_message} if {
	status == "rejected"
} else := {"code": step_codes[unsatisfied[0].kind], "pointer": unsatisfied[0].pointer, "message": unsatisfied[0].message} if {
	status == "incomplete"
} else := {"code": "wait_for_review", "pointer": verification_pointer, "message": pending_message} if {
	status == "pending"
} else := {"code": "activate_number", "message": {"id": "activation.active"}} if {
	status == "active"
} else := {"code": "submit_for_verification", "pointer": verification_pointer, "message": submit_message}

# The messages are ids with parameters (policies/messages/*.yaml); the engine renders
# them in the language of the request.
submit_message := {"id": "activation.submit_for_verification"}

use_term := {"term": "use", "code": identity.use}

step_codes := {"field": "complete_fields", "address": "provide_address", "document": "upload_documents"}

rejection_message := {"id": "activation.verification_rejected_reason", "params": {"reason": identity.verification.reason}} if {
	identity.verification.reason
} else := {"id": "activation.verification_rejected"}

pending_message := {"id": "activation.verification_pending_case", "params": {"case_id": identity.verification.case_id}} if {
	identity.verification.case_id
} else := {"id": "activation.verification_pending"}
