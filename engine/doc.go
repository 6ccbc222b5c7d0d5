// Package engine loads numgate's country facts (YAML) and decision policies (Rego),
// validates them into an immutable Snapshot, and evaluates decisions against it with an
// embedded Open Policy Agent.
//
// A Snapshot is built once per policy revision: every file is validated (all errors of a
// run reported at once, each with file:line:column), the Rego is compiled in strict mode,
// and every decision query is prepared. Evaluating a decision then only binds the input,
// which is safe from many goroutines at once. The engine knows nothing of HTTP.
package engine
