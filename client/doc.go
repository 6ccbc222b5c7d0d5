// Package client is a Go client of numgate's HTTP API, generated from the contract
// (server/openapi.json) with oapi-codegen: ClientWithResponses gives every operation by
// its operationId (DecideActivation, GetRequirements, ...) with typed requests and
// answers. Do not edit numgate.gen.go; change the contract and regenerate (make
// generate-client); a test fails when the two differ.
package client
