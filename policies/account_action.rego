# METADATA
# title: Account action
# description: |
#   May this account purchase a number, capacity or a plan, or add a payment card? An
#   action needs the setup steps data.account.actions names (policies/account/data.yaml),
#   in order: account details, an identity verification by document and selfie with
#   recorded consent, and two-factor authentication (required once the account has
#   active orders, recommended before). The decision lists every step, the open ones
#   with a code, a JSON Pointer and a message, and allows the action only when no
#   required step is open.
package numgate.account_action

account := object.get(input, "account", {})

steps_config := data.account.steps

# steps: every step the action needs, in the order data.account lists them.
steps := [step(name) | some name in data.account.actions[input.action].steps]

open_steps := [s | some s in steps; s.required; not s.done]

recommendations := [{"code": s.code, "pointer": s.pointer, "message": s.message} |
	some s in steps
	not s.required
	not s.done
]

allow := count(open_steps) == 0

# status: allowed, or setup_required while a required step is open.
status := "allowed" if allow

else := "setup_required"

decision := {
	"kind": "account_action",
	"allow": allow,
	"status": status,
	"decided_at": input.at,
	"next_step": next_step,
	"reasons": [{"code": s.code, "pointer": s.pointer, "message": s.message} | some s in open_steps],
	"action": input.action,
	"steps": steps,
	"open_steps": [s.id | some s in open_steps],
	"recommendations": recommendations,
}

next_step := {"code": open_steps[0].code, "pointer": open_steps[0].pointer, "message": open_steps[0].message} if {
	count(open_steps) > 0
} else := {"code": "proceed", "message": {"id": "account.proceed", "params": {"action": {"term": "action", "code": input.action}}}}

done(id) := {"id": id, "done": true, "required": true, "code": "ok"}

open(id, code, pointer, message) := {"id": id, "done": false, "required": true, "code": code, "pointer": pointer, "message": message}

# Account details

details := object.get(account, "details", {})

missing_details := [f |
	some f in steps_config.account_details.fields
	trim_space(object.get(details, f.name, "")) == ""
]

step("account_details") := done("account_details") if {
	count(missing_details) == 0
} else := object.union(
	open(
		"account_details", "account_details_incomplete",
		concat("/", ["/account/details", missing_details[0].name]),
		missing_details[0].message,
	),
	{"missing": [f.name | some f in missing_details]},
)

# Identity verification

iv := object.get(account, "identity_verification", {})

iv_status := object.get(iv, "status", "not_started")

attempts := object.get(iv, "attempts", 0)

attempts_left := max([0, steps_config.identity_verification.max_attempts - attempts])

iv_pointer := "/account/identity_verification"

step("identity_verification") := done("identity_verification") if {
	iv_status == "verified"
} else := open("identity_verification", "identity_verification_pending", "/account/identity_verification/status", {"id": "account.identity_verification_pending"}) if {
	iv_status == "pending"
} else := open("identity_verification", "identity_verification_locked", "/account/identity_verification/attempts", {"id": "account.identity_verification_locked", "params": {"attempts": attempts}}) if {
	iv_status in {"failed", "not_started"}
	attempts >= steps_config.identity_verification.max_attempts
} else := with_retry(open("identity_verification", "identity_verification_failed", "/account/identity_verification/status", failure_message)) if {
	iv_status == "failed"
} else := with_retry(open("identity_verification", "identity_verification_interrupted", "/account/identity_verification/interrupted", {"id": "account.identity_verification_interrupted", "params": {"left": attempts_left}})) if {
	object.get(iv, "interrupted", false) == true
} else := open("identity_verification", "identity_consent_required", "/account/identity_verification/consent", {"id": "account.identity_consent_required"}) if {
	not object.get(iv, "consent", false)
} else := open("identity_verification", "identity_document_required", "/account/identity_verification/document", {"id": "account.identity_document_required"}) if {
	not object.get(iv, "document", false)
} else := open("identity_verification", "identity_selfie_required", "/account/identity_verification/selfie", {"id": "account.identity_selfie_required"}) if {
	not object.get(iv, "selfie", false)
} else := open("identity_verification", "identity_verification_required", iv_pointer, {"id": "account.identity_verification_required"})

with_retry(s) := object.union(s, {"retry": {"allowed": true, "attempts_left": attempts_left}})

failure_message := {"id": "account.identity_verification_failed_reason", "params": {"reason": iv.reason, "left": attempts_left}} if {
	iv.reason
} else := {"id": "account.identity_verification_failed", "params": {"left": attempts_left}}

# Two-factor authentication

two_factor_methods := [m |
	some m in object.get(account, ["two_factor", "methods"], [])
	m in steps_config.two_factor.methods
]

two_factor_required if {
	object.get(account, "active_orders", 0) >= steps_config.two_factor.required_from_active_orders
}

method_words := {"list": [{"term": "two_factor_method", "code": m} | some m in steps_config.two_factor.methods]}

# Methods the account has that the provider does not count (an SMS code): the message
# says so, or the user is told to turn on what they believe is on.
unaccepted_methods := [m |
	some m in object.get(account, ["two_factor", "methods"], [])
	not m in steps_config.two_factor.methods
]

two_factor_message(id) := {"id": id, "params": {"methods": method_words}} if {
	count(unaccepted_methods) == 0
} else := {"id": concat("", [id, "_not_counted"]), "params": {
	"methods": method_words,
	"unaccepted": {"list": [{"term": "two_factor_method", "code": m} | some m in unaccepted_methods]},
}}

step("two_factor") := done("two_factor") if {
	count(two_factor_methods) > 0
} else := open("two_factor", "two_factor_required", "/account/two_factor/methods", two_factor_message("account.two_factor_required")) if {
	two_factor_required
} else := {
	"id": "two_factor", "done": false, "required": false, "code": "two_factor_recommended",
	"pointer": "/account/two_factor/methods",
	"message": two_factor_message("account.two_factor_recommended"),
}
