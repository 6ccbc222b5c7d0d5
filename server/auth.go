package server

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
	"gopkg.in/yaml.v3"
)

// Role is a right a caller holds.
type Role string

// The roles: deciding (decisions, requirements, countries, the Data API), reading the
// decision log, and running the service (policy status and reload, metrics).
const (
	RoleDecide Role = "decide"
	RoleAudit  Role = "audit"
	RoleAdmin  Role = "admin"
)

var roles = []Role{RoleDecide, RoleAudit, RoleAdmin}

// Principal is an authenticated caller.
type Principal struct {
	Name    string
	Roles   []Role
	limiter *rate.Limiter // nil: no rate limit
}

func (p *Principal) has(r Role) bool { return slices.Contains(p.Roles, r) }

// Tokens are the callers a server knows, loaded from a tokens file. Only a token's
// SHA-256 is stored: the file is no secret a reader could replay.
type Tokens struct {
	file    string
	entries []tokenEntry
}

type tokenEntry struct {
	hash      []byte // sha256 of the bearer token, or nil for a client-certificate entry
	clientCN  string
	principal *Principal
}

// tokenFile is the tokens file as written.
type tokenFile struct {
	Tokens []struct {
		Name      string   `yaml:"name"`
		SHA256    string   `yaml:"sha256"`
		ClientCN  string   `yaml:"client_cn"`
		Roles     []string `yaml:"roles"`
		RateLimit *struct {
			PerSecond float64 `yaml:"per_second"`
			Burst     int     `yaml:"burst"`
		} `yaml:"rate_limit"`
	} `yaml:"tokens"`
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// LoadTokens reads a tokens file; every problem is reported with its line.
func LoadTokens(path string) (*Tokens, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var f tokenFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w (expected tokens: [{name, sha256 or client_cn, roles, rate_limit}])", path, err)
	}
	lines := entryLines(&doc)
	t := &Tokens{file: path}
	var problems []string
	names := map[string]bool{}
	for i, e := range f.Tokens {
		at := fmt.Sprintf("%s:%d", path, lineOf(lines, i))
		bad := func(format string, args ...any) { problems = append(problems, at+": "+fmt.Sprintf(format, args...)) }
		if e.Name == "" {
			bad("the entry has no name, expected a name for logs and metrics")
		} else if names[e.Name] {
			bad("name %q is used twice, expected each name once", e.Name)
		}
		names[e.Name] = true
		entry := tokenEntry{principal: &Principal{Name: e.Name}}
		switch {
		case e.SHA256 != "" && e.ClientCN != "":
			bad("both sha256 and client_cn are set, expected one of them")
		case e.SHA256 != "":
			if !hexSHA256.MatchString(e.SHA256) {
				bad("sha256 is not 64 lower-case hex digits; run numgate token new to make an entry")
			}
			entry.hash, _ = hex.DecodeString(e.SHA256)
		case e.ClientCN != "":
			entry.clientCN = e.ClientCN
		default:
			bad("neither sha256 nor client_cn is set, expected one of them")
		}
		if len(e.Roles) == 0 {
			bad("no roles, expected some of %v", roles)
		}
		for _, r := range e.Roles {
			if !slices.Contains(roles, Role(r)) {
				bad("unknown role %q, expected one of %v", r, roles)
			}
			entry.principal.Roles = append(entry.principal.Roles, Role(r))
		}
		if rl := e.RateLimit; rl != nil {
			if rl.PerSecond <= 0 || rl.Burst < 1 {
				bad("rate_limit needs per_second > 0 and burst >= 1")
			} else {
				entry.principal.limiter = rate.NewLimiter(rate.Limit(rl.PerSecond), rl.Burst)
			}
		}
		t.entries = append(t.entries, entry)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	if len(t.entries) == 0 {
		return nil, fmt.Errorf("%s: no tokens, expected at least one entry under tokens:", path)
	}
	return t, nil
}

// entryLines finds the line of each entry of the tokens sequence.
func entryLines(doc *yaml.Node) []int {
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "tokens" {
			var out []int
			for _, e := range root.Content[i+1].Content {
				out = append(out, e.Line)
			}
			return out
		}
	}
	return nil
}

func lineOf(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 0
}

// authenticate finds the caller of a request: a bearer token, or a verified client
// certificate. Every token entry is compared, in constant time, whatever matches.
func (t *Tokens) authenticate(r *http.Request) *Principal {
	var found *Principal
	if tok, ok := bearerToken(r.Header.Get("Authorization")); ok {
		found = t.byToken(tok)
	}
	if found == nil && r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		cn := r.TLS.VerifiedChains[0][0].Subject.CommonName
		for _, e := range t.entries {
			if e.clientCN != "" && e.clientCN == cn {
				found = e.principal
			}
		}
	}
	return found
}

// byToken finds the holder of a bearer token, or nil. Every token entry is compared, in
// constant time, whatever matches.
func (t *Tokens) byToken(tok string) *Principal {
	var found *Principal
	sum := sha256.Sum256([]byte(tok))
	for _, e := range t.entries {
		if e.hash != nil && subtle.ConstantTimeCompare(sum[:], e.hash) == 1 {
			found = e.principal
		}
	}
	return found
}

// bearerToken reads the token of an Authorization header of the Bearer scheme. The
// scheme is matched case-insensitively (RFC 7235 section 2.1: "bearer", "BEARER" and
// "Bearer" are one scheme) and may be followed by more than one space.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// require lets a request through only with a caller holding role; with no tokens
// configured (loopback only, see cmd/numgate) everyone may.
func (s *Server) require(role Role, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tokens := s.tokens.Load()
		if tokens == nil {
			next(w, r)
			return
		}
		p := tokens.authenticate(r)
		if p != nil {
			infoFrom(r).principal = p.Name // the request log names a refused caller too
		}
		switch {
		case p == nil:
			w.Header().Set("WWW-Authenticate", `Bearer realm="numgate"`)
			s.metrics.authFailures.WithLabelValues("unauthenticated").Inc()
			writeError(w, http.StatusUnauthorized, "unauthenticated", "send Authorization: Bearer <token> with a token from the server's tokens file")
			return
		case !p.has(role):
			s.metrics.authFailures.WithLabelValues("forbidden").Inc()
			writeError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("%s may not do this: it needs the %s role", p.Name, role))
			return
		}
		if p.limiter != nil {
			if res := p.limiter.Reserve(); res.Delay() > 0 {
				res.Cancel()
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(res.Delay().Seconds()))))
				writeError(w, http.StatusTooManyRequests, "rate_limited", fmt.Sprintf("%s is over its rate limit; retry after the time in Retry-After", p.Name))
				return
			}
		}
		next(w, r)
	}
}

// SetTokens replaces the callers the server knows (token rotation); nil turns
// authentication off.
func (s *Server) SetTokens(t *Tokens) { s.tokens.Store(t) }

// retryAfter is the Retry-After for an overloaded server.
const retryAfter = time.Second
