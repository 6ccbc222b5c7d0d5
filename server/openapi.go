package server

import (
	_ "embed"
	"net/http"

	"github.com/gorilla/mux"
)

// OpenAPI is the API's contract (OpenAPI 3.1), served at /openapi.json; the handler tests
// check every real response against it.
//
//go:embed openapi.json
var OpenAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(OpenAPI)
}

func muxVar(r *http.Request, name string) string { return mux.Vars(r)[name] }
