package numgate.account_action_test

import data.numgate.account_action

settings := {
	"steps": {
		"account_details": {"message": "Complete the account details.", "fields": [
			{"name": "full_name", "message": "Enter the full name."},
			{"name": "country", "message": "Choose the country."},
		]},
		"identity_verification": {"message": "Verify.", "max_attempts": 3},
		"two_factor": {"message": "2FA.", "methods": ["authenticator_app", "webauthn"], "required_from_active_orders": 1},
	},
	"actions": {
		"purchase_number": {"steps": ["account_details", "identity_verification", "two_factor"]},
		"add_payment_card": {"steps": ["account_details"]},
	},
}

complete := {
	"action": "purchase_number",
	"account": {
		"details": {"full_name": "Ada Lovelace", "country": "GB"},
		"active_orders": 2,
		"identity_verification": {"status": "verified", "consent": true, "document": true, "selfie": true, "attempts": 1},
		"two_factor": {"methods": ["webauthn"]},
	},
	"at": "2026-11-25T12:00:00Z",
}

decide(inp) := d if {
	d := account_action.decision with data.account as settings with input as inp
}

patched(ops) := decide(json.patch(complete, ops))

step(d, id) := s if {
	some s in d.steps
	s.id == id
}

test_complete_setup_allows if {
	d := decide(complete)
	d.allow
	d.open_steps == []
	d.next_step.code == "proceed"
	[s.id | some s in d.steps] == ["account_details", "identity_verification", "two_factor"]
	every s in d.steps { s.done }
}

test_action_steps_are_data if {
	d := patched([
		{"op": "replace", "path": "/action", "value": "add_payment_card"},
		{"op": "remove", "path": "/account/two_factor"},
		{"op": "replace", "path": "/account/identity_verification/status", "value": "not_started"},
	])
	d.allow
	[s.id | some s in d.steps] == ["account_details"]
}

test_missing_details_listed_in_order if {
	d := patched([{"op": "replace", "path": "/account/details", "value": {"country": " "}}])
	not d.allow
	s := step(d, "account_details")
	s.code == "account_details_incomplete"
	s.pointer == "/account/details/full_name"
	s.missing == ["full_name", "country"]
	d.next_step.pointer == "/account/details/full_name"
}

test_open_steps_in_order if {
	d := patched([
		{"op": "remove", "path": "/account/details"},
		{"op": "remove", "path": "/account/two_factor"},
		{"op": "replace", "path": "/account/identity_verification", "value": {"status": "pending"}},
	])
	d.open_steps == ["account_details", "identity_verification", "two_factor"]
	d.next_step.code == "account_details_incomplete"
}

test_verification_pending if {
	s := step(patched([{"op": "replace", "path": "/account/identity_verification/status", "value": "pending"}]), "identity_verification")
	s.code == "identity_verification_pending"
	not s.done
}

test_verification_failed_may_retry if {
	d := patched([{"op": "replace", "path": "/account/identity_verification", "value": {"status": "failed", "attempts": 1, "reason": "glare on the document"}}])
	s := step(d, "identity_verification")
	s.code == "identity_verification_failed"
	s.retry == {"allowed": true, "attempts_left": 2}
	s.message == {"id": "account.identity_verification_failed_reason", "params": {"reason": "glare on the document", "left": 2}}
	not d.allow
}

test_verification_locked_after_max_attempts if {
	s := step(patched([{"op": "replace", "path": "/account/identity_verification", "value": {"status": "failed", "attempts": 3}}]), "identity_verification")
	s.code == "identity_verification_locked"
	not s.retry
}

test_interrupted_attempt_may_retry if {
	s := step(patched([{"op": "replace", "path": "/account/identity_verification", "value": {"status": "not_started", "interrupted": true, "attempts": 1, "consent": true}}]), "identity_verification")
	s.code == "identity_verification_interrupted"
	s.retry.attempts_left == 2
}

test_consent_before_document_before_selfie if {
	step(patched([{"op": "replace", "path": "/account/identity_verification", "value": {"status": "not_started"}}]), "identity_verification").code == "identity_consent_required"
	step(patched([{"op": "replace", "path": "/account/identity_verification", "value": {"status": "not_started", "consent": true}}]), "identity_verification").code == "identity_document_required"
	step(patched([{"op": "replace", "path": "/account/identity_verification", "value": {"status": "not_started", "consent": true, "document": true}}]), "identity_verification").code == "identity_selfie_required"
	s := step(patched([{"op": "replace", "path": "/account/identity_verification", "value": {"status": "not_started", "consent": true, "document": true, "selfie": true}}]), "identity_verification")
	s.code == "identity_verification_required"
}

test_two_factor_required_with_active_orders if {
	d := patched([{"op": "remove", "path": "/account/two_factor"}])
	s := step(d, "two_factor")
	s.required
	s.code == "two_factor_required"
	d.open_steps == ["two_factor"]
	not d.allow
}

test_two_factor_recommended_before_orders if {
	d := patched([
		{"op": "remove", "path": "/account/two_factor"},
		{"op": "replace", "path": "/account/active_orders", "value": 0},
	])
	d.allow
	d.open_steps == []
	[r.code | some r in d.recommendations] == ["two_factor_recommended"]
	not step(d, "two_factor").required
}

test_unconfigured_two_factor_method_does_not_count if {
	d := patched([{"op": "replace", "path": "/account/two_factor/methods", "value": ["sms_code"]}])
	step(d, "two_factor").code == "two_factor_required"
}

test_verification_failed_without_reason if {
	s := step(patched([{"op": "replace", "path": "/account/identity_verification", "value": {"status": "failed", "attempts": 1}}]), "identity_verification")
	s.code == "identity_verification_failed"
	s.message == {"id": "account.identity_verification_failed", "params": {"left": 2}}
}

# An SMS code is not a method the provider counts: the step stays open, and its message
# says that what the account has does not count rather than only "turn it on".
test_uncounted_two_factor_method_is_named if {
	d := patched([{"op": "replace", "path": "/account/two_factor/methods", "value": ["sms_code"]}])
	not d.allow
	s := step(d, "two_factor")
	not s.done
	s.message.id == "account.two_factor_required_not_counted"
	s.message.params.unaccepted.list == [{"term": "two_factor_method", "code": "sms_code"}]
}

test_no_method_keeps_the_plain_message if {
	d := patched([{"op": "remove", "path": "/account/two_factor"}])
	step(d, "two_factor").message.id == "account.two_factor_required"
}
