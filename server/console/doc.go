// Package console is numgate's web console, served at /console/ beside the API: the
// coverage matrix, each offer's requirements with their sources, a decision playground
// for every decision kind, the policy's status with a reload, and the decision log.
//
// Pages are rendered on the server with html/template from files embedded in the
// binary; one small script (static/console.js) updates the playground as a form changes
// and copies requests, and every page works without it. Nothing is fetched from another
// origin, and the Content-Security-Policy allows no inline script.
//
// The console holds no data of its own: every page calls the server's own API handlers
// in-process, on behalf of the signed-in caller (its bearer token is kept in the
// session, in memory), so the API checks the roles, limits, decision log and language
// exactly as for any other caller. With tokens configured the console asks for a token
// once and keeps a session cookie (HttpOnly, SameSite=Strict, Secure under TLS); every
// form that changes something carries a CSRF token.
package console
