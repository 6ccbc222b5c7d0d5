package engine

// Activation statuses, in the order an identity moves through them (DESIGN.md).
const (
	StatusNotAvailable   = "not_available"
	StatusIncomplete     = "incomplete"
	StatusBlocked        = "blocked"
	StatusReadyForReview = "ready_for_review"
	StatusPending        = "pending"
	StatusRejected       = "rejected"
	StatusActive         = "active"
)

// ActivationStatuses are the activation statuses, in the order they are checked.
var ActivationStatuses = []string{StatusNotAvailable, StatusBlocked, StatusRejected, StatusIncomplete, StatusPending, StatusReadyForReview, StatusActive}

// ActivationDecision answers "may this number go live?".
type ActivationDecision struct {
	DecisionID     string              `json:"decision_id"`
	PolicyRevision string              `json:"policy_revision"`
	Allow          bool                `json:"allow"`
	Status         string              `json:"status"`
	CanRouteCalls  bool                `json:"can_route_calls"`
	Country        string              `json:"country"`
	NumberType     string              `json:"number_type"`
	Use            string              `json:"use"`
	DecidedAt      string              `json:"decided_at"`
	Requirements   []RequirementResult `json:"requirements"`
	Violations     []Violation         `json:"violations"`
	Restrictions   []RestrictionInfo   `json:"restrictions"`
	Verification   *VerificationInfo   `json:"verification,omitempty"`
	Unavailable    *Reason             `json:"unavailable,omitempty"`
	NextStep       Reason              `json:"next_step"`
}

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

// Violation is a product rule or address scope the request breaks.
type Violation struct {
	Code    string `json:"code"`
	Pointer string `json:"pointer,omitempty"`
	Message string `json:"message"`
}

// Reason is a code with a message for a person: the next step, or why a number is not
// available; with a JSON Pointer where the request can be changed to act on it.
type Reason struct {
	Code    string `json:"code"`
	Pointer string `json:"pointer,omitempty"`
	Message string `json:"message"`
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
	Country        string            `json:"country"`
	NumberType     string            `json:"number_type"`
	Use            string            `json:"use"`
	AsOf           string            `json:"as_of"` // the day whose rules these are
	Available      bool              `json:"available"`
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
	Available  bool   `json:"available"`
	Confidence string `json:"confidence"`
}

// AccountActionDecision answers "may this account do this action?".
type AccountActionDecision struct {
	DecisionID      string        `json:"decision_id"`
	PolicyRevision  string        `json:"policy_revision"`
	Allow           bool          `json:"allow"`
	Action          string        `json:"action"`
	DecidedAt       string        `json:"decided_at"`
	Steps           []AccountStep `json:"steps"`
	OpenSteps       []string      `json:"open_steps"`
	Recommendations []Violation   `json:"recommendations"`
	NextStep        Reason        `json:"next_step"`
}

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

// ContactDecision answers "may a code be sent to this contact now, and how?". What does
// not apply is left out: code_length, expires_at and resend_allowed_at come with a code
// sent now (resend_allowed_at also while a resend waits), fallback where voice can
// reach the phone instead or as well.
type ContactDecision struct {
	DecisionID      string      `json:"decision_id"`
	PolicyRevision  string      `json:"policy_revision"`
	Allow           bool        `json:"allow"`
	Channel         string      `json:"channel"`
	Code            string      `json:"code"`
	Contact         ContactInfo `json:"contact"`
	CodeLength      int         `json:"code_length,omitempty"`
	ExpiresAt       string      `json:"expires_at,omitempty"`
	AttemptsLeft    int         `json:"attempts_left"`
	ResendAllowedAt string      `json:"resend_allowed_at,omitempty"`
	Reasons         []Violation `json:"reasons"`
	Fallback        *Fallback   `json:"fallback,omitempty"`
	NextStep        Reason      `json:"next_step"`
	DecidedAt       string      `json:"decided_at"`
}

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
	Available     bool          `json:"available"`
	Requirements  []Requirement `json:"requirements"`
}
