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
//   - its participant update takes Muted, Hold, HoldUrl, HoldMethod,
//     AnnounceUrl, AnnounceMethod, WaitUrl, WaitMethod, Coaching and
//     CallSidToCoach; BeepOnExit and EndConferenceOnExit are not among them
//     and are refused with participant.ErrUnsupported before sending.
//
// New returns the portable *carrierkit.Client over the adapter's driver,
// with fetch, list (paged by next_page_uri; Muted and Hold are sent as
// SignalWire's documented filters, Coaching is filtered by carrierkit) and
// remove (DELETE, 204).
//
// Errors are Twilio's body ({code, message, more_info, status}), reached
// with errors.As as *APIError (the same type as twilio.APIError).
//
// Client.As supports **http.Client (the client requests go through) and
// **httpdriver.Driver, whose BaseURL is the API root the client sends to.
package signalwire

import (
	"encoding/base64"
	"fmt"
	"strconv"

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
	c.APIToken = httpdriver.Redact(c.APIToken)
	httpdriver.FormatConfig(f, verb, plain(c), "signalwire.Config")
}

const ruleUUID = "must be a UUID such as b3877c40-da60-4998-90ad-b792e98472af"

// New checks cfg and returns the portable client over the SignalWire
// driver. Nothing is sent.
func New(cfg Config) (*carrierkit.Client, error) {
	switch {
	case !IsUUID(cfg.ProjectID):
		return nil, driver.ConfigError(Name, "ProjectID", ruleUUID)
	}
	if err := httpdriver.CheckSecret(Name, "APIToken", cfg.APIToken); err != nil {
		return nil, err
	}
	if err := httpdriver.CheckOptions(Name, cfg.Options); err != nil {
		return nil, err
	}
	base, err := baseURL(cfg)
	if err != nil {
		return nil, err
	}
	token := base64.StdEncoding.EncodeToString([]byte(cfg.ProjectID + ":" + cfg.APIToken))
	return carrierkit.New(httpdriver.New(&dialect, httpdriver.Config{
		BaseURL:       base,
		Account:       cfg.ProjectID,
		Authorization: "Basic " + token,
		Secrets:       []httpdriver.Secret{{User: cfg.ProjectID, Value: cfg.APIToken}},
		HTTP:          cfg.Options,
	})), nil
}

func baseURL(cfg Config) (string, error) {
	switch {
	case cfg.BaseURL != "":
		if err := httpdriver.CheckBaseURL(Name, "BaseURL", cfg.BaseURL); err != nil {
			return "", err
		}
		return cfg.BaseURL, nil
	case !httpdriver.IsHostLabel(cfg.Space):
		return "", driver.ConfigError(Name, "Space", "must be a SignalWire space name (a DNS label such as example), got "+strconv.Quote(cfg.Space))
	}
	return "https://" + cfg.Space + ".signalwire.com/api/laml", nil
}

// APIError is the Twilio-shaped error body SignalWire answers with.
type APIError = twilioapi.Error

// IsUUID reports whether s is a UUID in its 8-4-4-4-12 hex form.
func IsUUID(s string) bool { return httpdriver.IsUUID(s) }

var dialect = func() httpdriver.Dialect {
	d := twiliofamily.Dialect(Name,
		func(account string, ref participant.Ref, req participant.UpdateRequest) (string, string) {
			switch {
			case !IsUUID(account):
				return "Ref.Account", ruleUUID
			case !IsUUID(ref.Conference):
				return "Ref.Conference", ruleUUID
			case ref.Call != "" && !IsUUID(ref.Call):
				return "Ref.Call", ruleUUID + " (a call id; SignalWire documents no participant labels)"
			case req.CallToCoach != nil && !IsUUID(*req.CallToCoach):
				return "CallToCoach", ruleUUID
			}
			return "", ""
		}, participant.FieldBeepOnExit, participant.FieldEndConferenceOnExit)
	d.Labels = false
	// List all active Participants (GET …/Participants.json, paged by
	// next_page_uri) and removing a participant (DELETE, 204), as Twilio.
	d.List = twiliofamily.ListOp(twiliofamily.ListPath("/2010-04-01", ".json"), twiliofamily.DecodeParticipant, false)
	d.List.Query = twiliofamily.ListQuery("Muted", "Hold") // documented filters; the engine filters on Coaching
	d.Remove = twiliofamily.RemoveOp(twiliofamily.ParticipantPath("/2010-04-01", ".json"))
	return d
}()
