package numgate.log_test

import data.numgate.log

masks(kind) := ms if {
	ms := log.mask with input as {"kind": kind}
}

kept(kind) := {m.path | some m in masks(kind); m.op == "keep"}

test_every_kind_keeps_the_envelope_codes_only if {
	every kind in ["activation", "account_action", "contact_verification"] {
		"/result/status" in kept(kind)
		"/result/reasons/*/code" in kept(kind)
		not "/result/reasons/*/message" in kept(kind)
		not "/result/next_step/message" in kept(kind)
	}
}

test_activation_keeps_business_facts_not_people if {
	p := kept("activation")
	"/request/identity/fields/activity_code" in p
	not "/request/identity/fields/company_name" in p
	not "/request/identity/fields/tax_id" in p
	not "/request/identity/fields/website" in p
	"/request/identity/address/city" in p
	not "/request/identity/fields/first_name" in p
	not "/request/identity/address/street" in p
	not "/request/identity/documents/*/id" in p
	not "/request/identity/verification/case_id" in p
	not "/request/identity/verification/reason" in p
	not "/result/requirements/*/evidence" in p
	not "/result/requirements/*/message" in p
}

test_account_details_are_never_kept if {
	every p in kept("account_action") {
		not startswith(p, "/request/account/details")
	}
	not "/request/account/identity_verification/reason" in kept("account_action")
}

test_phones_keep_last_digits if {
	{m.path | some m in masks("contact_verification"); m.op == "last_digits"} == {"/request/phone", "/request/account/phone", "/result/contact/e164"}
	some m in masks("activation")
	m.path == "/request/number/e164"
	m.op == "last_digits"
}

test_every_mask_is_a_pointer if {
	every kind in ["activation", "account_action", "contact_verification"] {
		count(masks(kind)) > 0
		every m in masks(kind) {
			startswith(m.path, "/")
			m.op in {"keep", "last_digits"}
		}
	}
}
