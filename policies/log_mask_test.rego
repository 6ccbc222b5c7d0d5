package numgate.log_test

import data.numgate.log

activation := {
	"kind": "activation",
	"request": {
		"number": {"e164": "+4930901820", "type": "local"},
		"identity": {
			"use": "business",
			"fields": {"first_name": "Ada", "company_name": "Analytical GmbH", "representative_email": "a@x.de"},
			"address": {"street": "Friedrichstr. 1", "city": "Berlin"},
			"documents": [{"id": "P123", "type": "passport"}],
		},
	},
	"result": {"requirements": [
		{"id": "field.first_name", "code": "ok"},
		{"id": "document.identity", "code": "document_expired", "message": "Document P123 expired."},
		{"id": "address.proof", "code": "ok", "evidence": ["P123"]},
	]},
}

paths(inp) := {m.path | some m in log.mask with input as inp}

test_activation_masks_personal_data if {
	p := paths(activation)
	"/request/identity/fields/first_name" in p
	"/request/identity/fields/representative_email" in p
	"/request/identity/address/street" in p
	"/request/identity/documents/*/id" in p
	"/request/number/e164" in p
	"/result/requirements/1/message" in p
	"/result/requirements/*/evidence" in p
}

test_activation_keeps_business_facts if {
	p := paths(activation)
	not "/request/identity/fields/company_name" in p
	not "/request/identity/address/city" in p
	not "/result/requirements/0/message" in p
}

test_phone_keeps_last_digits if {
	some m in log.mask with input as activation
	m.path == "/request/number/e164"
	m.op == "last_digits"
}

test_contact_verification if {
	p := paths({
		"kind": "contact_verification",
		"request": {"channel": "sms", "phone": "030 901820", "account": {"phone": "+4930111111"}, "email": "a@x.de"},
		"result": {"contact": {"e164": "+4930901820"}},
	})
	p == {"/request/phone", "/request/account/phone", "/request/email", "/result/contact/e164"}
}

test_email_contact if {
	p := paths({"kind": "contact_verification", "request": {"channel": "email", "email": "a@x.de"}, "result": {"contact": {"address": "a@x.de"}}})
	p == {"/request/email", "/result/contact/address"}
}

test_account_details if {
	p := paths({"kind": "account_action", "request": {"action": "purchase_number", "account": {"details": {"full_name": "Ada", "country": "GB"}}}, "result": {}})
	p == {"/request/account/details/full_name"}
}
