// Package signalwire is the carrierkit adapter for SignalWire's
// Compatibility API (cXML/LaML), a Twilio-compatible host.
//
// It speaks Twilio's participant API from /2010-04-01 on, under the root
// https://{space}.signalwire.com/api/laml, with HTTP Basic auth of the
// project id and an API token. Its dialect is built from the same
// Twilio-family pieces as providers/twilio (form names, path, resource,
// error body and codes); only what is SignalWire's own lives here:
//   - ids are UUIDs: the project (account), the conference, the call, and
//     CallSidToCoach. SignalWire documents the participant by its call id
//     only, so labels are not offered (Capabilities.Labels is false).
//   - its participant update takes every Twilio field but BeepOnExit and
//     EndConferenceOnExit, which are refused with participant.ErrUnsupported
//     before sending.
//
// The client New returns also fetches, lists (paged by next_page_uri; Muted
// and Hold are SignalWire's documented filters, carrierkit filters
// Coaching) and removes (DELETE, 204). Errors are Twilio's body, reached
// with errors.As as *APIError (twilio.APIError). Client.As supports
// **http.Client and **httpdriver.Driver.
package signalwire

import (
	"cmp"
	"fmt"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/driver/twilioapi"
	"github.com/carrierkit/carrierkit/internal/twiliofamily"
	"github.com/carrierkit/carrierkit/participant"
)

// Name is the adapter's provider name.
const Name = "signalwire"

// Config configures the adapter (New). Printing it with any fmt verb, or marshalling
// it to JSON, never shows APIToken.
type Config struct {
	// Space is the SignalWire space: the root is
	// https://{Space}.signalwire.com/api/laml.
	Space string
	// ProjectID (a UUID) is the account; it is also the default account of
	// refs that leave Ref.Account empty.
	ProjectID string
	// APIToken authenticates as the project.
	APIToken string `json:"-"`
	// BaseURL overrides the API root (the part before /2010-04-01), for
	// tests. It wins over Space.
	BaseURL string

	driver.Options
}

// Format prints c with its secret redacted, for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	type plain Config // no methods: prints fields, not Format again
	spec.FormatRedacted(f, verb, plain(c), "Config")
}

const ruleUUID = "must be a UUID such as b3877c40-da60-4998-90ad-b792e98472af"

// New checks cfg by the Settings table and returns the portable client
// over the SignalWire driver. Nothing is sent.
func New(cfg Config) (*carrierkit.Client, error) {
	if err := spec.CheckConfig(cfg); err != nil {
		return nil, err
	}
	base := cmp.Or(cfg.BaseURL, "https://"+cfg.Space+".signalwire.com/api/laml")
	return carrierkit.New(httpdriver.New(&dialect, httpdriver.Basic(base, cfg.ProjectID, cfg.ProjectID, cfg.APIToken, cfg.Options))), nil
}

// APIError is the Twilio-shaped error body SignalWire answers with.
type APIError = twilioapi.Error

// IsUUID reports whether s is a UUID in its 8-4-4-4-12 hex form.
func IsUUID(s string) bool { return httpdriver.IsUUID(s) }

var dialect = func() httpdriver.Dialect {
	uuid := httpdriver.IDRule{OK: IsUUID, Rule: ruleUUID}
	d := twiliofamily.Dialect(Name, httpdriver.IDs{Account: uuid, Conference: uuid, CallToCoach: uuid,
		Call: httpdriver.IDRule{OK: IsUUID, Rule: ruleUUID + " (a call id; SignalWire documents no participant labels)"}}.Check,
		participant.FieldBeepOnExit, participant.FieldEndConferenceOnExit)
	d.Labels = false
	d.List.Query = twiliofamily.ListQuery("Muted", "Hold") // documented filters; the engine filters on Coaching
	return d
}()
