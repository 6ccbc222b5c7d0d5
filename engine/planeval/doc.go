// Package planeval evaluates Rego decisions from OPA's query plans (the intermediate
// representation OPA's planner builds for its Wasm and plan targets) instead of OPA's
// tree-walking evaluator.
//
// Why: OPA's topdown evaluator unifies, binds and plugs terms for every expression,
// which costs a few microseconds per rule or function call; an activation decision makes
// about 130 of them. A plan is the same policy lowered to straight-line statements over
// local slots (read a key, compare, call, append), so running it does the same work
// without the bookkeeping. The planner, the compiler and every built-in function are
// OPA's own; this package only executes the plan's statements, with the semantics of
// OPA's evaluator where OPA's Wasm compiler (internal/compiler/wasm), which executes the
// same plans, differs from it.
//
// What is run must decide exactly as OPA's evaluator. Compile refuses, per entrypoint,
// a plan that reaches what this package does not execute exactly: the with keyword, a
// built-in outside the allow-list (builtins.go), a statement it does not know (a new
// one from an OPA upgrade). The caller keeps OPA's evaluator for that entrypoint only;
// Refused says why, at the policy position. OPA's own conformance suite holds the rest
// to it (conformance_test.go, exceptions in testdata/conformance/exceptions.yaml).
package planeval
