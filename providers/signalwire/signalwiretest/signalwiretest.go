// Package signalwiretest is an in-memory fake of SignalWire's Compatibility
// API conference participant resource: the Twilio fake (twiliotest)
// configured for SignalWire. It serves GET and POST on
// /api/laml/2010-04-01/Accounts/{ProjectID}/Conferences/{uuid}/Participants/{uuid}.json
// (a client's base URL is the test server's URL + "/api/laml"), with HTTP
// Basic auth of the project id and API token, UUID call ids (CallSidToCoach
// too), and the update fields SignalWire documents: BeepOnExit and
// EndConferenceOnExit are ignored, as any unknown field. Errors and the
// participant resource are Twilio's; see twiliotest for the choices.
package signalwiretest

import (
	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/conformance/record"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers/signalwire"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// Root is the path before /2010-04-01.
const Root = "/api/laml"

// The fakes' shared public types: records, the fault model and the server.
type (
	Participant = record.Participant
	Request     = record.Request
	Fault       = fault.Fault
	Server      = fake.Server
)

// Config holds the credentials the fake accepts.
type Config struct {
	ProjectID, APIToken string
}

// New returns a fake SignalWire space accepting cfg's credentials.
func New(cfg Config) *Server {
	return twiliotest.New(twiliotest.Config{
		AccountSID:  cfg.ProjectID,
		AuthToken:   cfg.APIToken,
		Root:        Root,
		Fields:      vendorfake.UpdateFields(vendorfake.FieldBeepOnExit, vendorfake.FieldEndConferenceOnExit),
		ValidCallID: signalwire.IsUUID,
		NewCallID:   NewID,
		Realm:       "SignalWire",
	})
}

// NewID returns a random id as SignalWire's: a UUID.
func NewID() string { return vendorfake.UUID() }
