package numgate.log_test

import data.numgate.log

paths(kind) := {m.path | some m in log.mask with input as {"kind": kind}}

test_activation_masks_personal_data if {
	p := paths("activation")
	"/request/identity/fields/first_name" in p
	"/request/identity/fields/representative_email" in p
	"/request/identity/address/street" in p
	"/request/identity/documents/*/id" in p
	"/request/number/e164" in p
	"/result/requirements/*/message" in p
	"/result/requirements/*/evidence" in p
}

test_activation_keeps_business_facts if {
	p := paths("activation")
	not "/request/identity/fields/company_name" in p
	not "/request/identity/address/city" in p
	not "/request/identity/address/country" in p
}

test_phone_keeps_last_digits if {
	some m in log.mask with input as {"kind": "activation"}
	m.path == "/request/number/e164"
	m.op == "last_digits"
}

test_contact_verification if {
	paths("contact_verification") == {"/request/phone", "/request/account/phone", "/request/email", "/result/contact/e164", "/result/contact/address"}
}

test_account_details if {
	paths("account_action") == {
		"/request/account/details/full_name", "/request/account/details/email",
		"/request/account/details/billing_address", "/request/account/details/phone",
	}
}

masks(kind) := ms if {
	ms := log.mask with input as {"kind": kind}
}

test_every_mask_is_a_pointer if {
	every kind in ["activation", "account_action", "contact_verification"] {
		count(masks(kind)) > 0
		every m in masks(kind) {
			startswith(m.path, "/")
			m.op in {"redact", "remove", "last_digits"}
		}
	}
}
