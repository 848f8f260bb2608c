// Package conformance is the shared test suite every carrierkit adapter
// runs, in the style of gocloud's drivertest: a test calls
//
//	conformance.Run(t, harness)
//
// and the suite checks, against a fresh backend per case, that the adapter
// sends each field exactly as the vendor expects (false sent, nil omitted),
// authenticates, lays out and escapes URLs, maps responses and every vendor
// error to neutral codes, refuses unsupported fields and invalid requests
// with nothing sent, retries as the policy says, honours Retry-After and
// context cancellation, and never lets a credential into an error or a log
// line. A new adapter gets all of it by writing a Harness.
//
// The Harness states the vendor's wire contract (Contract) from its
// documentation: per operation the method, path and content type, per field
// and value the exact body (form or JSON), whether updates are read back,
// and what the resource lacks. Cases a carrier cannot have (labels,
// announcements, wait music) are skipped by its capabilities, never by
// adapter name.
//
// carrierkit's adapters live in its module (see the README, "Who writes an
// adapter"); their fakes share the public fake.Server, whose engine is
// internal. Backend's records (package record) and the fault model
// (package fault) are public and import only the standard library. The
// suite can run against any participant.Updater with a Backend of your own, but Harness,
// Contract and Backend may still change before v1. To certify an endpoint,
// use the live checks (RunLive, or package conformance/live and carrierctl
// conformance, which do not link testing), whose ids are stable.
package conformance

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/conformance/record"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// The backend's types, shared with the vendor fakes (twiliotest, texmltest,
// ...: their Server is a *fake.Server) and the emulator.
type (
	// Participant is a participant as the backend stores it.
	Participant = record.Participant
	// Request is one request the backend received.
	Request = record.Request
	// Fault is a failure the backend injects into its next answers; the
	// suite's proxy injects the same values for the connection kinds.
	Fault = fault.Fault
)

// Backend is the server side of one case: a vendor fake, or anything that
// can seed participants, record requests and inject faults.
type Backend interface {
	Seed(p Participant)
	Participant(account, conference, callOrLabel string) (Participant, bool)
	Requests() []Request
	ResetRequests()
	Fail(f Fault)
}

// Harness adapts one adapter and its backend to the suite.
type Harness interface {
	// MakeEnv starts a fresh backend for one case; cleanup goes through
	// t.Cleanup.
	MakeEnv(t *testing.T) *Env
	// Contract describes the vendor's wire contract, which the suite checks
	// the adapter's requests against.
	Contract() Contract
}

// Env is one case's backend and the adapter pointed at it.
type Env struct {
	Backend Backend
	// Account is the account the adapter is configured with.
	Account string
	// NewParticipant returns an unseeded participant in Account with fresh
	// vendor-style ids (conference and call), status connected.
	NewParticipant func() Participant
	// NewUpdater returns the adapter, authenticated, using opts.
	NewUpdater func(opts driver.Options) (participant.Updater, error)
	// NewBadAuthUpdater returns the adapter with wrong credentials.
	NewBadAuthUpdater func(opts driver.Options) (participant.Updater, error)
	// Authorization is the header value NewUpdater's credentials produce.
	// Empty when the adapter mints a token per request: CheckAuthorization
	// then checks each request's.
	Authorization string
	// CheckAuthorization, when set, checks the Authorization value of a
	// request the adapter sent (a token minted per request, such as
	// Vonage's JWT), instead of comparing it with Authorization.
	CheckAuthorization func(value string) error
	// Secrets are the credentials NewUpdater uses; none may appear in an
	// error string or a log line.
	Secrets []string
	// ValidateRequest, when set, checks each request the backend received
	// against the vendor's published spec (OpenAPI). The suite calls it for
	// every request recorded in every case.
	ValidateRequest func(r Request) error
}

// Contract is what the vendor's API expects on the wire, stated from the
// vendor's documentation, independently of the adapter. The suite checks
// every request against it: method, path, content type and the exact body
// for each field and value.
type Contract struct {
	// Provider is the adapter's name, as in Participant.Provider.
	Provider string
	// NoWire says the driver talks to no server (an in-memory driver): the
	// suite checks it by behaviour and skips the cases about the wire. A
	// contract without it must state its wire (Update or Steps), or Run
	// fails at once.
	NoWire bool
	// Fields are the fields the vendor accepts. Fields not in the set must
	// be refused as unsupported, nothing sent.
	Fields participant.FieldSet
	// Update is how an update goes on the wire, for a carrier whose update
	// is one call (Steps nil).
	Update RequestContract
	// Steps, when set, are the calls one update is on the wire, in the
	// order they must be sent, for the participant as the backend holds it
	// before the update (an action-verb carrier: Plivo, Vonage). A read the
	// adapter makes before writing is a step too (method GET, no Fields).
	// The read-back, when ReadBack, follows them. Nil: one call, Update
	// with Body, carrying every field.
	Steps func(req participant.UpdateRequest, before Participant) []Step
	// Fetch is how a fetch goes on the wire (when the adapter can fetch),
	// and an update's read-back.
	Fetch RequestContract
	// Remove is how a remove goes on the wire, when the adapter can remove:
	// a DELETE without a body, unless RemoveBody says otherwise (an action
	// such as Vonage's {"action":"hangup"}).
	Remove     RequestContract
	RemoveBody Body
	// SinglePageList says the vendor answers a list with every participant
	// at once (Bandwidth's getConference): it has no paging, so a list is
	// exactly one request whatever the page size asked, and the case that
	// cancels between pages is skipped. The zero value: the vendor pages.
	SinglePageList bool
	// ListFilters says the list is a filter over all the account's calls
	// (Vonage's GET /v1/calls?conversation_uuid=…): an unknown conference
	// lists nobody instead of answering not found.
	ListFilters bool
	// ReadBack says the vendor answers an update without the participant
	// (204), so after each successful update the adapter sends exactly one
	// Fetch request to read it back.
	ReadBack bool
	// Body returns the exact update body the vendor expects for req (every
	// field req sets is supported and valid).
	Body func(req participant.UpdateRequest) Body
	// MutedKey is the key of the muted state in the vendor's participant
	// resource (Participant.Raw), e.g. "muted".
	MutedKey string
	// Omits lists what the vendor's participant resource does not carry;
	// the suite checks everything else.
	Omits Omits
	// CompletedStatus is the vendor's status for a participant who left
	// (unless Omits.Status).
	CompletedStatus string
	// ValidCallToCoach returns a call id the vendor accepts as the call to coach.
	ValidCallToCoach func() string
	// Errors are the vendor's documented errors and their neutral codes.
	Errors []ErrorCase
	// InvalidRefs are refs the adapter must refuse before sending.
	InvalidRefs []RefCase
	// VendorError reports whether err's chain holds the vendor's own error
	// type (reachable with errors.As).
	VendorError func(err error) bool
}

// Step is one call of an update on the wire.
type Step struct {
	// Name is the call's name, as participant.Error.Step gives it when
	// this call fails (empty for a one-call update).
	Name string
	RequestContract
	// Body is the exact body (zero for none).
	Body Body
	// Fields are the request's fields this call completes: applied once
	// it and the calls before it went through (participant.Error.Applied
	// after a later call fails).
	Fields participant.FieldSet
}

// RequestContract is one operation's request line and body type.
type RequestContract struct {
	// Method is the HTTP method, e.g. "POST" or "PUT".
	Method string
	// Path returns the escaped request path for an account, conference and
	// call made only of unreserved characters.
	Path func(account, conference, call string) string
	// ContentType is the body's media type ("" for no body).
	ContentType string
}

// Body is an expected request body: a form (Form) or a JSON document
// (JSON, compared as JSON values).
type Body struct {
	Form url.Values
	JSON string
}

// Omits lists parts of the participant resource a vendor does not report
// (participant.Omits; the adapter's Capabilities must say the same).
type Omits = participant.Omits

// FormBody returns a Contract.Body for a vendor that takes a form with one
// name per field (names maps each accepted field to its form name):
// only the fields set, booleans as true/false, strings and methods as is.
func FormBody(names map[participant.Field]string) func(participant.UpdateRequest) Body {
	return func(req participant.UpdateRequest) Body {
		form := url.Values{}
		set := func(f participant.Field, v string) { form.Set(names[f], v) }
		for _, f := range req.Fields().Fields() {
			switch f {
			case participant.FieldMuted:
				set(f, strconv.FormatBool(*req.Muted))
			case participant.FieldHold:
				set(f, strconv.FormatBool(*req.Hold))
			case participant.FieldHoldURL:
				set(f, *req.HoldURL)
			case participant.FieldHoldMethod:
				set(f, string(req.HoldMethod))
			case participant.FieldAnnounceURL:
				set(f, *req.AnnounceURL)
			case participant.FieldAnnounceMethod:
				set(f, string(req.AnnounceMethod))
			case participant.FieldWaitURL:
				set(f, *req.WaitURL)
			case participant.FieldWaitMethod:
				set(f, string(req.WaitMethod))
			case participant.FieldBeepOnExit:
				set(f, strconv.FormatBool(*req.BeepOnExit))
			case participant.FieldEndConferenceOnExit:
				set(f, strconv.FormatBool(*req.EndConferenceOnExit))
			case participant.FieldCoaching:
				set(f, strconv.FormatBool(*req.Coaching))
			case participant.FieldCallToCoach:
				set(f, *req.CallToCoach)
			}
		}
		return Body{Form: form}
	}
}

// FieldSet returns the set of names' keys.
func FieldSet(names map[participant.Field]string) participant.FieldSet {
	var s participant.FieldSet
	for f := range names {
		s |= participant.NewFieldSet(f)
	}
	return s
}

// ErrorCase is one vendor error answer and the code it must map to.
type ErrorCase struct {
	Name   string
	Status int
	Code   string // vendor code, as the error body carries it
	Want   participant.Code
}

// RefCase is a ref the adapter must refuse, naming Field.
type RefCase struct {
	Name  string
	Ref   func(valid participant.Ref) participant.Ref
	Field string
}

var _ Backend = (*fake.Server)(nil)

// header names used by the checks.
const (
	hAuthorization = "Authorization"
	hUserAgent     = "User-Agent"
	hContentType   = "Content-Type"
)
