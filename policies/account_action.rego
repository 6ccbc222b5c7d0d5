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
} else := {"code": "proceed", "message": sprintf("The account may %s.", [replace(input.action, "_", " ")])}

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
} else := open("identity_verification", "identity_verification_pending", "/account/identity_verification/status", "Your identity verification is under review; you can continue once it is verified.") if {
	iv_status == "pending"
} else := open("identity_verification", "identity_verification_locked", "/account/identity_verification/attempts", sprintf("Identity verification failed %d times; contact support to unlock a new attempt.", [attempts])) if {
	iv_status in {"failed", "not_started"}
	attempts >= steps_config.identity_verification.max_attempts
} else := with_retry(open("identity_verification", "identity_verification_failed", "/account/identity_verification/status", sprintf("Your identity verification failed%s. Try again with a clear photo of your document and a new selfie (%d attempt(s) left).", [failure_reason, attempts_left]))) if {
	iv_status == "failed"
} else := with_retry(open("identity_verification", "identity_verification_interrupted", "/account/identity_verification/interrupted", sprintf("Your identity verification was interrupted; start it again (%d attempt(s) left).", [attempts_left]))) if {
	object.get(iv, "interrupted", false) == true
} else := open("identity_verification", "identity_consent_required", "/account/identity_verification/consent", "Agree to the identity check of your document and selfie before it starts.") if {
	not object.get(iv, "consent", false)
} else := open("identity_verification", "identity_document_required", "/account/identity_verification/document", "Take a photo of an identity document (passport, ID card or driving licence).") if {
	not object.get(iv, "document", false)
} else := open("identity_verification", "identity_selfie_required", "/account/identity_verification/selfie", "Take a selfie so it can be matched with your document.") if {
	not object.get(iv, "selfie", false)
} else := open("identity_verification", "identity_verification_required", iv_pointer, "Submit your document and selfie for verification.")

with_retry(s) := object.union(s, {"retry": {"allowed": true, "attempts_left": attempts_left}})

failure_reason := sprintf(" (%s)", [iv.reason]) if {
	iv.reason
} else := ""

# Two-factor authentication

two_factor_methods := [m |
	some m in object.get(account, ["two_factor", "methods"], [])
	m in steps_config.two_factor.methods
]

two_factor_required if {
	object.get(account, "active_orders", 0) >= steps_config.two_factor.required_from_active_orders
}

method_words := concat(", ", [replace(m, "_", " ") | some m in steps_config.two_factor.methods])

step("two_factor") := done("two_factor") if {
	count(two_factor_methods) > 0
} else := open("two_factor", "two_factor_required", "/account/two_factor/methods", sprintf("Turn on two-factor authentication (%s): it is required once the account has active orders.", [method_words])) if {
	two_factor_required
} else := {
	"id": "two_factor", "done": false, "required": false, "code": "two_factor_recommended",
	"pointer": "/account/two_factor/methods",
	"message": sprintf("Turn on two-factor authentication (%s); it becomes required with the first active order.", [method_words]),
}
