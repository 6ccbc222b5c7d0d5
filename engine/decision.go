package engine

// Activation statuses, in the order an identity moves through them.
const (
	StatusUnknown        = "unknown" // the rules for the number's type and use are not on file
	StatusNotAvailable   = "not_available"
	StatusIncomplete     = "incomplete"
	StatusBlocked        = "blocked"
	StatusReadyForReview = "ready_for_review"
	StatusPending        = "pending"
	StatusRejected       = "rejected"
	StatusActive         = "active"
)

// Decision is the answer to one decision request: the envelope every kind shares and
// the kind's own details.
type Decision interface {
	Head() *Envelope
	// CountryCode is the country the decision concerns ("" when none), for metrics and
	// the decision log.
	CountryCode() string
}

// Envelope is what every decision answers, whatever its kind: whether the thing asked
// may happen, the status (from the kind's enum, Kind.Statuses), the single most useful
// next step, and every reason it may not, each with a code, where in the request to act
// and a message. allow is true exactly when reasons is empty.
type Envelope struct {
	DecisionID     string   `json:"decision_id"`
	PolicyRevision string   `json:"policy_revision"`
	DecidedAt      string   `json:"decided_at"`
	Language       string   `json:"language"` // the language of the messages
	Kind           Kind     `json:"kind"`
	Allow          bool     `json:"allow"`
	Status         string   `json:"status"`
	NextStep       Reason   `json:"next_step"`
	Reasons        []Reason `json:"reasons"`
}

// Head returns the envelope.
func (e *Envelope) Head() *Envelope { return e }

// ActivationDecision answers "may this number go live?".
type ActivationDecision struct {
	Envelope
	CanRouteCalls bool                `json:"can_route_calls"`
	Country       string              `json:"country"`
	NumberType    string              `json:"number_type"`
	Use           string              `json:"use"`
	Requirements  []RequirementResult `json:"requirements"`
	Restrictions  []RestrictionInfo   `json:"restrictions"`
	Verification  *VerificationInfo   `json:"verification,omitempty"`
	Unavailable   *Reason             `json:"unavailable,omitempty"`
}

// CountryCode is the number's country.
func (d *ActivationDecision) CountryCode() string { return d.Country }

// RequirementResult is one requirement checked against the request.
type RequirementResult struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Satisfied bool     `json:"satisfied"`
	Code      string   `json:"code"`
	Pointer   string   `json:"pointer,omitempty"`
	Message   string   `json:"message,omitempty"`
	Evidence  []string `json:"evidence,omitempty"`
	Review    bool     `json:"review,omitempty"` // satisfied, but a person must check it
}

// Reason is a code with a message for a person and, where the request can be changed
// to act on it, a JSON Pointer into the request: why a decision does not allow, the next
// step, why a number is not available, or what is wrong with a request (Problem).
type Reason struct {
	Code    string `json:"code"`
	Pointer string `json:"pointer,omitempty"`
	Message string `json:"message"`

	text *problemText // an input problem's message before it is rendered (problems.go)
}

// RestrictionInfo is a limit the number carries.
type RestrictionInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// VerificationInfo says how the identity is verified and where it stands.
type VerificationInfo struct {
	Required        bool   `json:"required"`
	Method          string `json:"method"`
	TypicalDuration string `json:"typical_duration,omitempty"`
	Message         string `json:"message,omitempty"`
	Status          string `json:"status,omitempty"`
	CaseID          string `json:"case_id,omitempty"`
	Reason          string `json:"reason,omitempty"`
}

// Requirements answers "what must be provided?" for one country, number type and use.
// As one of a number's candidates it carries no decision id or revision of its own.
type Requirements struct {
	DecisionID     string            `json:"decision_id,omitempty"`
	PolicyRevision string            `json:"policy_revision,omitempty"`
	Language       string            `json:"language,omitempty"` // the language of the messages
	Country        string            `json:"country"`
	NumberType     string            `json:"number_type"`
	Use            string            `json:"use"`
	AsOf           string            `json:"as_of"`        // the day whose rules these are
	Availability   string            `json:"availability"` // available, not_available or unknown (not on file)
	Unavailable    *Reason           `json:"unavailable,omitempty"`
	Requirements   []Requirement     `json:"requirements"`
	Upcoming       []UpcomingChange  `json:"upcoming,omitempty"`
	Restrictions   []RestrictionInfo `json:"restrictions,omitempty"`
	Verification   *VerificationInfo `json:"verification,omitempty"`
	Confidence     string            `json:"confidence,omitempty"`
	Unverified     []string          `json:"unverified,omitempty"`
	Disputed       []string          `json:"disputed,omitempty"`
	Notes          []string          `json:"notes,omitempty"`
	Sources        []Source          `json:"sources,omitempty"`
	// SourcesReadOn is the day the newest source was read; Stale says it is more than
	// StaleAfterDays before AsOf.
	SourcesReadOn  string `json:"sources_read_on,omitempty"`
	Stale          bool   `json:"stale"`
	StaleAfterDays int    `json:"stale_after_days,omitempty"`
}

// Requirement is one thing an offer demands, with what a form needs to ask for it.
type Requirement struct {
	ID      string             `json:"id"`
	Kind    string             `json:"kind"`
	Pointer string             `json:"pointer"`
	Message string             `json:"message"`
	Details RequirementDetails `json:"details"`
}

// RequirementDetails are the constraints of a requirement; which are set depends on its kind.
type RequirementDetails struct {
	// field
	Label          string `json:"label,omitempty"`
	Pattern        string `json:"pattern,omitempty"`
	MinLength      *int   `json:"min_length,omitempty"`
	MaxLength      *int   `json:"max_length,omitempty"`
	InvalidMessage string `json:"invalid_message,omitempty"`
	// address
	Scope string   `json:"scope,omitempty"`
	Parts []string `json:"parts,omitempty"`
	// document
	DocumentKind string             `json:"document_kind,omitempty"`
	Accepted     []AcceptedDocument `json:"accepted,omitempty"`
	Count        int                `json:"count,omitempty"`
	MaxAge       *Age               `json:"max_age,omitempty"`
	SharedWith   []string           `json:"shared_with,omitempty"` // kinds whose documents serve it too
}

// AcceptedDocument is a document type a requirement accepts.
type AcceptedDocument struct {
	Type  string `json:"type"`
	Label string `json:"label"`
}

// Source is where a fact was read.
type Source struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Title  string `json:"title,omitempty"`
	ReadOn string `json:"read_on"`
}

// CountrySummary is one configured country and what it offers.
type CountrySummary struct {
	Country string                             `json:"country"`
	Name    string                             `json:"name"`
	Numbers map[string]map[string]OfferSummary `json:"numbers"` // number type -> use -> offer
}

// OfferSummary says whether one number type is available for one use, and how sure the
// facts are.
type OfferSummary struct {
	Availability string `json:"availability"` // available or not_available
	Confidence   string `json:"confidence"`
}

// AccountActionDecision answers "may this account do this action?": status allowed, or
// setup_required while a required step is open.
type AccountActionDecision struct {
	Envelope
	Action          string        `json:"action"`
	Steps           []AccountStep `json:"steps"`
	OpenSteps       []string      `json:"open_steps"`
	Recommendations []Reason      `json:"recommendations"`
}

// CountryCode is none: an account action concerns no number.
func (d *AccountActionDecision) CountryCode() string { return "" }

// AccountStep is one setup step the action needs.
type AccountStep struct {
	ID       string   `json:"id"`
	Done     bool     `json:"done"`
	Required bool     `json:"required"`
	Code     string   `json:"code"`
	Pointer  string   `json:"pointer,omitempty"`
	Message  string   `json:"message,omitempty"`
	Missing  []string `json:"missing,omitempty"`
	Retry    *Retry   `json:"retry,omitempty"`
}

// Retry says whether a failed or interrupted identity verification may be tried again.
type Retry struct {
	Allowed      bool `json:"allowed"`
	AttemptsLeft int  `json:"attempts_left"`
}

// ContactDecision answers "may a code be sent to this contact now, and how?": status
// allowed, wait (only the resend delay is in the way) or refused.
type ContactDecision struct {
	Envelope
	Channel         string      `json:"channel"`
	Contact         ContactInfo `json:"contact"`
	CodeLength      int         `json:"code_length,omitempty"`
	ExpiresAt       string      `json:"expires_at,omitempty"`
	AttemptsLeft    int         `json:"attempts_left"`
	ResendAllowedAt string      `json:"resend_allowed_at,omitempty"`
	Fallback        *Fallback   `json:"fallback,omitempty"`
}

// CountryCode is the phone's country ("" for an email).
func (d *ContactDecision) CountryCode() string { return d.Contact.Country }

// ContactInfo is the contact as normalised: a phone in E.164 with its country and line
// type, or an email address.
type ContactInfo struct {
	Kind     string `json:"kind"`
	E164     string `json:"e164,omitempty"`
	Country  string `json:"country,omitempty"`
	LineType string `json:"line_type,omitempty"`
	Address  string `json:"address,omitempty"`
}

// Fallback is the channel to use when the one asked for cannot reach the contact.
type Fallback struct {
	Channel    string `json:"channel"`
	CodeLength int    `json:"code_length"`
}

// UpcomingChange is a dated change of an offer that has not begun yet.
type UpcomingChange struct {
	EffectiveFrom string        `json:"effective_from"`
	Summary       string        `json:"summary"`
	Sources       []Source      `json:"sources"`
	Availability  string        `json:"availability"` // available or not_available
	Requirements  []Requirement `json:"requirements"`
}
