# Test fixtures: a made-up country (TT, "Testland") in the shape the engine gives the
# policies as data.countries, and product rules as in product/data.yaml. The unit tests
# run against these, so that they test the rules, not today's country facts.
package numgate.fixtures

proof_of_address := {
	"id": "address.proof",
	"kind": "proof_of_address",
	"label": "Proof of address",
	"message": "Upload a document that shows the address given.",
	"accepted": [{"type": "utility_bill", "label": "Utility bill"}, {"type": "bank_statement", "label": "Bank statement"}],
	"count": 1,
	"max_age": {"iso": "P3M", "years": 0, "months": 3, "days": 0},
}

identity_documents := {
	"id": "document.identity",
	"kind": "identity",
	"label": "Proof of identity",
	"message": "Upload identity documents of the representative.",
	"accepted": [{"type": "passport", "label": "Passport"}, {"type": "national_id_card", "label": "National identity card"}],
	"count": 2,
}

business_local := {
	"available": true,
	"fields": [
		{
			"name": "company_name", "label": "Company name", "message": "Enter the company's registered legal name.",
			"invalid_message": "Give the company name in 2 to 20 characters.", "min_length": 2, "max_length": 20,
		},
		{
			"name": "company_registration_number", "label": "SIRET", "message": "Enter the 14-digit SIRET.",
			"pattern": "^(?:[0-9]{14})$", "invalid_message": "A SIRET has exactly 14 digits.",
		},
	],
	"address": {"scope": "local_area", "parts": ["street", "city", "postal_code", "country"], "proof": proof_of_address},
	"documents": [identity_documents],
	"restrictions": [{"code": "no_po_box", "message": "A PO box is not accepted as the address."}],
	"verification": {"required": true, "method": "document_review", "typical_duration": "P2D"},
	"confidence": "high",
	"unverified": [],
	"notes": [],
	"sources": [{"id": "regulator", "url": "https://regulator.example/rules", "read_on": "2026-11-01"}],
}

personal_mobile := {
	"available": true,
	"fields": [{"name": "first_name", "label": "First name", "message": "Enter the first name.", "invalid_message": "Enter the first name."}],
	"address": {"scope": "none", "parts": []},
	"documents": [],
	"restrictions": [],
	"verification": {"required": false, "method": "none"},
	"confidence": "medium",
	"unverified": ["The source does not say whether a proof of address is needed."],
	"notes": [],
	"sources": [{"id": "provider", "url": "https://provider.example/tt", "read_on": "2026-11-01"}],
}

personal_local := {
	"available": false,
	"restriction": "Local numbers are not available to individuals.",
	"fields": [],
	"address": {"scope": "none", "parts": []},
	"documents": [],
	"restrictions": [],
	"verification": {"required": false, "method": "none"},
	"confidence": "high",
	"unverified": [],
	"notes": [],
	"sources": [{"id": "regulator", "url": "https://regulator.example/rules", "read_on": "2026-11-01"}],
}

# business_national: one commercial register extract may serve as the business
# registration and as the proof of address (shared_with, made symmetric by the engine),
# and two people, the representative and the attorney, each need an identity document.
business_national := {
	"available": true,
	"fields": [],
	"address": {"scope": "country", "parts": ["street", "city", "postal_code", "country"], "proof": {
		"id": "address.proof",
		"kind": "proof_of_address",
		"label": "Proof of address",
		"message": "Upload a document that shows the address given.",
		"accepted": [
			{"type": "commercial_register_extract", "label": "Commercial register extract"},
			{"type": "national_id_card", "label": "National identity card"},
		],
		"count": 1,
		"shared_with": ["business_registration"],
	}},
	"documents": [
		{
			"id": "document.business_registration", "kind": "business_registration", "label": "Proof of business registration",
			"message": "Upload the commercial register extract.", "count": 1, "shared_with": ["proof_of_address"],
			"accepted": [{"type": "commercial_register_extract", "label": "Commercial register extract"}],
		},
		{
			"id": "document.identity.representative", "kind": "identity", "label": "Proof of identity",
			"message": "Upload the representative's identity document.", "count": 1,
			"accepted": [{"type": "passport", "label": "Passport"}, {"type": "national_id_card", "label": "National identity card"}],
		},
		{
			"id": "document.identity.attorney", "kind": "identity", "label": "Proof of identity",
			"message": "Upload the attorney's identity document.", "count": 1,
			"accepted": [{"type": "passport", "label": "Passport"}, {"type": "national_id_card", "label": "National identity card"}],
		},
	],
	"restrictions": [],
	"verification": {"required": true, "method": "document_review"},
	"confidence": "high",
	"unverified": [],
	"notes": [],
	"sources": [{"id": "regulator", "url": "https://regulator.example/rules", "read_on": "2026-11-01"}],
}

countries := {"TT": {
	"name": "Testland",
	"languages": [],
	"numbers": {
		"local": {"business": business_local, "personal": personal_local},
		"mobile": {"personal": personal_mobile},
		"national": {"business": business_national},
	},
}}

product := {
	"uses": {
		"personal": {"max_active_numbers_per_identity": 1, "commercial_use_allowed": false},
		"business": {"commercial_use_allowed": true},
	},
	"call_routing": {"statuses": ["active"]},
}

# A business identity that meets every requirement of business_local on 2026-11-25.
complete_business := {
	"number": {"e164": "+99301234567", "type": "local", "country": "TT", "area": {
		"code": "30", "names": ["Capital", "Hauptstadt"], "keys": ["capital", "hauptstadt"],
		"postal_codes": ["100"], "verifiable": true,
	}},
	"identity": {
		"use": "business",
		"fields": {"company_name": "Analytical Ltd", "company_registration_number": "12345678901234"},
		"address": {"street": "1 Main St", "city": "Capital", "postal_code": "10001", "country": "TT"},
		"documents": [
			{"id": "bill", "kind": "proof_of_address", "type": "utility_bill", "issued_on": "2026-10-01"},
			{"id": "pass", "kind": "identity", "type": "passport", "issued_on": "2020-01-01", "expires_on": "2030-01-01"},
			{"id": "card", "kind": "identity", "type": "national_id_card", "issued_on": "2021-01-01"},
		],
		"verification": {"status": "not_started"},
	},
	"account": {"active_numbers_on_identity": 3, "commercial_use": true},
	"at": "2026-11-25T12:00:00Z",
	# What the engine reads from the address for the area check (engine/placename).
	"address_keys": {"city": ["capital"], "region": [], "postal_code": "10001"},
}

personal_mobile_request := {
	"number": {"e164": "+99170000000", "type": "mobile", "country": "TT", "area": {"names": [], "keys": [], "postal_codes": [], "verifiable": false}},
	"identity": {"use": "personal", "fields": {"first_name": "Ada"}},
	"account": {"active_numbers_on_identity": 0, "commercial_use": false},
	"at": "2026-11-25T12:00:00Z",
}

# A business identity that meets every requirement of business_national on 2026-11-25.
complete_national := {
	"number": {"e164": "+99801234567", "type": "national", "country": "TT", "area": {"names": [], "keys": [], "postal_codes": [], "verifiable": false}},
	"identity": {
		"use": "business",
		"address": {"street": "1 Main St", "city": "Capital", "postal_code": "10001", "country": "TT"},
		"documents": [
			{"id": "extract", "kind": "business_registration", "type": "commercial_register_extract", "issued_on": "2026-10-01"},
			{"id": "rep", "kind": "identity", "type": "passport", "issued_on": "2020-01-01", "expires_on": "2030-01-01"},
			{"id": "att", "kind": "identity", "type": "national_id_card", "issued_on": "2021-01-01", "expires_on": "2031-01-01"},
		],
		"verification": {"status": "not_started"},
	},
	"account": {"active_numbers_on_identity": 0, "commercial_use": true},
	"at": "2026-11-25T12:00:00Z",
}
