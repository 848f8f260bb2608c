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
package conformance

import (
	"testing"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// The backend's types, shared with the vendor fakes (twiliotest, texmltest).
type (
	// Participant is a participant as the backend stores it.
	Participant = vendorfake.Participant
	// Request is one request the backend received.
	Request = vendorfake.Request
	// Fault is a failure the backend injects into its next answers.
	Fault = vendorfake.Fault
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
	NewUpdater func(opts providers.Options) (participant.Updater, error)
	// NewBadAuthUpdater returns the adapter with wrong credentials.
	NewBadAuthUpdater func(opts providers.Options) (participant.Updater, error)
	// Authorization is the header value NewUpdater's credentials produce.
	Authorization string
	// Secrets are the credentials NewUpdater uses; none may appear in an
	// error string or a log line.
	Secrets []string
	// ValidateRequest, when set, checks each request the backend received
	// against the vendor's published spec (OpenAPI). The suite calls it for
	// every request recorded in every case.
	ValidateRequest func(r Request) error
}

// Contract is what the vendor's API expects on the wire.
type Contract struct {
	// Provider is the adapter's name, as in Participant.Provider.
	Provider string
	// Fields maps each field the vendor accepts to its form name. Fields
	// not listed must be refused as unsupported.
	Fields map[participant.Field]string
	// Path returns the escaped request path for an account, conference and
	// call made only of unreserved characters.
	Path func(account, conference, call string) string
	// CompletedStatus is the vendor's status for a participant who left.
	CompletedStatus string
	// ValidCallToCoach returns a call id the vendor accepts for CallSidToCoach.
	ValidCallToCoach func() string
	// Errors are the vendor's documented errors and their neutral codes.
	Errors []ErrorCase
	// InvalidRefs are refs the adapter must refuse before sending.
	InvalidRefs []RefCase
	// VendorError reports whether err's chain holds the vendor's own error
	// type (reachable with errors.As).
	VendorError func(err error) bool
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

var _ Backend = (*vendorfake.Server)(nil)

// header names used by the checks.
const (
	hAuthorization = "Authorization"
	hUserAgent     = "User-Agent"
	hContentType   = "Content-Type"
)

// TwilioFormNames returns the form names Twilio documents for
// UpdateParticipant (twilio_api_v2010.json), less except. Telnyx TeXML uses
// the same names and has no WaitMethod. Harnesses state their Contract with
// it; the adapters keep their own copy, which the suite checks.
func TwilioFormNames(except ...participant.Field) map[participant.Field]string {
	m := map[participant.Field]string{
		participant.FieldMuted: "Muted", participant.FieldHold: "Hold",
		participant.FieldHoldURL: "HoldUrl", participant.FieldHoldMethod: "HoldMethod",
		participant.FieldAnnounceURL: "AnnounceUrl", participant.FieldAnnounceMethod: "AnnounceMethod",
		participant.FieldWaitURL: "WaitUrl", participant.FieldWaitMethod: "WaitMethod",
		participant.FieldBeepOnExit: "BeepOnExit", participant.FieldEndConferenceOnExit: "EndConferenceOnExit",
		participant.FieldCoaching: "Coaching", participant.FieldCallToCoach: "CallSidToCoach",
	}
	for _, f := range except {
		delete(m, f)
	}
	return m
}
