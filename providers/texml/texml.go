// Package texml is the carrierkit adapter for Telnyx TeXML, Telnyx's
// Twilio-style REST API for calls and conferences.
//
// It authenticates with a Bearer API key, sends updates to
// {root}/texml/Accounts/{account}/Conferences/{conference}/Participants/{call or label}
// (no .json suffix; the default root is https://api.telnyx.com/v2) as a
// form, and maps Telnyx's error codes (10009, 10010, 90019, 90047, …) to
// neutral participant codes. TeXML has no WaitMethod: a request that sets it
// fails with participant.ErrUnsupported before anything is sent.
//
// Ids are checked before sending, as strictly as Telnyx's documented shapes
// allow: the account and the conference are UUIDs; the call is a call
// control id ("v3:" and URL-safe base64 characters) or a participant label
// (any other text within participant's id rules); CallToCoach is a call
// control id.
//
// New returns the portable *carrierkit.Client over the adapter's driver.
// It carries every UpdateRequest field but WaitMethod, and fetch, list and
// remove. Errors are *participant.Error values; errors.As reaches
// Telnyx's error body as *APIError.
//
// List (GetTexmlConferenceParticipants) follows next_page_uri. The
// operation takes no query parameters: the page size is Telnyx's, and
// Muted, Hold and Coaching are filtered by carrierkit. Telnyx lists only
// participants whose call is active in a conference in progress; its list
// does not report labels.
//
// Remove takes the participant out of the conference
// (DeleteTexmlConferenceParticipant, 204); one already gone gives
// participant.ErrNotFound. TeXML follows TwiML's <Dial> rules: the call
// leaves its <Dial><Conference> and continues with the <Dial action> URL or
// the next verb, and is hung up when there is none.
//
// Client.As supports **http.Client (the client requests go through) and
// **httpdriver.Driver, whose BaseURL is the API root the client sends to.
package texml

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/internal/twiliofamily"
	"github.com/carrierkit/carrierkit/participant"
)

// Name is the adapter's provider name.
const Name = "texml"

// DefaultBaseURL is the API root (the part before /texml).
const DefaultBaseURL = "https://api.telnyx.com/v2"

// Config configures the adapter (New). Printing it with any fmt verb, or marshalling
// it to JSON, never shows APIKey.
type Config struct {
	// APIKey is the Telnyx API key sent as a Bearer token.
	APIKey string `json:"-"`
	// Account is the default account id for refs that leave Ref.Account
	// empty. Optional.
	Account string
	// BaseURL overrides the API root (the part before /texml), for tests and
	// TeXML-compatible hosts. Default DefaultBaseURL.
	BaseURL string

	driver.Options
}

// Format prints c with its secret redacted, for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	type plain Config // no methods: prints fields, not Format again
	spec.FormatRedacted(f, verb, plain(c), "Config")
}

// New checks cfg by the Settings table and returns the portable client
// over the TeXML driver. Nothing is sent.
func New(cfg Config) (*carrierkit.Client, error) {
	if err := spec.CheckConfig(cfg); err != nil {
		return nil, err
	}
	return carrierkit.New(httpdriver.New(&dialect, httpdriver.Config{BaseURL: cmp.Or(cfg.BaseURL, DefaultBaseURL),
		Account: cfg.Account, Authorization: "Bearer " + cfg.APIKey, Secrets: []httpdriver.Secret{{Value: cfg.APIKey}},
		HTTP: cfg.Options})), nil
}

const callIDPrefix = "v3:"

// IsUUID reports whether s is a UUID in its canonical text form
// (8-4-4-4-12 hex digits, either case), as Telnyx account and conference
// ids are.
func IsUUID(s string) bool { return httpdriver.IsUUID(s) }

// IsCallID reports whether s is a Telnyx call control id: "v3:" followed
// by URL-safe base64 characters.
func IsCallID(s string) bool {
	rest, ok := strings.CutPrefix(s, callIDPrefix)
	if !ok || rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// APIError is Telnyx's error body. errors.As reaches it from the
// *participant.Error an update returns.
type APIError struct {
	Errors []ErrorObject `json:"errors"`
}

// ErrorObject is one entry of APIError.Errors. Code is a string in
// Telnyx's API (Twilio's is an integer).
type ErrorObject struct {
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Source *ErrorSource `json:"source,omitempty"`
	Meta   *ErrorMeta   `json:"meta,omitempty"`
}

// ErrorSource points at the request parameter an error is about, e.g.
// "/HoldMethod".
type ErrorSource struct {
	Pointer string `json:"pointer"`
}

// ErrorMeta links to the error code's documentation.
type ErrorMeta struct {
	URL string `json:"url"`
}

// Error returns the first error's code, title and detail.
func (e *APIError) Error() string {
	if len(e.Errors) == 0 {
		return "telnyx error"
	}
	return "telnyx error " + e.Errors[0].Code + ": " + e.Errors[0].message()
}

func (o *ErrorObject) message() string {
	switch {
	case o.Title == "":
		return o.Detail
	case o.Detail == "" || o.Detail == o.Title:
		return o.Title
	}
	return o.Title + ": " + o.Detail
}

var dialect = func() httpdriver.Dialect {
	uuid := func(what string) httpdriver.IDRule {
		return httpdriver.IDRule{OK: IsUUID, Rule: "must be a Telnyx " + what + " id, a UUID (8-4-4-4-12 hex digits)"}
	}
	d := twiliofamily.DialectAt(Name, "/texml", "", httpdriver.IDs{Account: uuid("account"), Conference: uuid("conference"),
		Call: httpdriver.IDRule{OK: func(s string) bool { return !strings.HasPrefix(s, callIDPrefix) || IsCallID(s) },
			Rule: `must be a call id matching ^v3:[A-Za-z0-9_-]+$, or a label not starting with "v3:"`},
		CallToCoach: httpdriver.IDRule{OK: IsCallID, Rule: `must be a call id matching ^v3:[A-Za-z0-9_-]+$`}}.Check,
		participant.FieldWaitMethod)
	// GetTexmlConferenceParticipants declares no query parameters: the
	// list takes no page size or filters (the engine filters).
	d.List.Query = nil
	d.DecodeError = decodeError
	// Telnyx's documented codes, by class. 10007 ("unexpected error") is
	// used with many statuses, so it is left to the HTTP status.
	d.Codes = map[string]participant.Code{
		"10004": participant.CodeInvalidArgument, // missing required parameter
		"10005": participant.CodeNotFound,
		"10009": participant.CodeUnauthenticated, // authentication failed
		"10010": participant.CodePermissionDenied,
		"10015": participant.CodeInvalidArgument, // validation failed
		"10016": participant.CodeInvalidArgument,
		"10026": participant.CodeInvalidArgument,
		"10032": participant.CodeInvalidArgument,    // invalid enumerated value
		"90015": participant.CodeInvalidArgument,    // invalid call control id
		"90018": participant.CodeFailedPrecondition, // call has already ended
		"90019": participant.CodeFailedPrecondition, // conference has already ended
		"90047": participant.CodeFailedPrecondition, // participant is on hold
	}
	return d
}()

// decodeError decodes Telnyx's ErrorResponse (Dialect.DecodeError).
func decodeError(body []byte) (code, message string, vendorErr error) {
	var e APIError
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return "", "", nil
	}
	return e.Errors[0].Code, e.Errors[0].message(), &e
}
