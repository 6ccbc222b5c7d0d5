// Package server is numgate's HTTP transport: routes (gorilla/mux), JSON errors,
// request logging, Prometheus metrics, health and readiness, and the live policy that
// hot-reloads without dropping a request. It asks the engine for decisions and never
// touches Rego itself.
package server
