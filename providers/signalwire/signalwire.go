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
// Errors are Twilio's body ({code, message, more_info, status}), reached
// with errors.As as *APIError (the same type as twilio.APIError).
package signalwire

import (
	"context"
	"encoding/base64"
	"fmt"
	"iter"
	"strconv"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/adapter"
	"github.com/carrierkit/carrierkit/internal/scrub"
	"github.com/carrierkit/carrierkit/internal/twiliofamily"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/twilio/twilioapi"
)

// Name is the adapter's provider name.
const Name = "signalwire"

// Config configures a Client. Printing it with any fmt verb, or marshalling
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
	c.APIToken = adapter.Redact(c.APIToken)
	adapter.FormatConfig(f, verb, plain(c), "signalwire.Config")
}

// Client is the SignalWire adapter. It implements participant.Updater,
// Fetcher, Lister, Remover and RefChecker and is safe for concurrent use.
type Client struct {
	core    *adapter.Client
	baseURL string
}

var (
	_ participant.Updater    = (*Client)(nil)
	_ participant.Fetcher    = (*Client)(nil)
	_ participant.Lister     = (*Client)(nil)
	_ participant.Remover    = (*Client)(nil)
	_ participant.RefChecker = (*Client)(nil)
)

const ruleUUID = "must be a UUID such as b3877c40-da60-4998-90ad-b792e98472af"

// New checks cfg and returns a Client. Nothing is sent.
func New(cfg Config) (*Client, error) {
	switch {
	case !IsUUID(cfg.ProjectID):
		return nil, driver.ConfigError(Name, "ProjectID", ruleUUID)
	}
	if err := adapter.CheckSecret(Name, "APIToken", cfg.APIToken); err != nil {
		return nil, err
	}
	if err := adapter.CheckOptions(Name, cfg.Options); err != nil {
		return nil, err
	}
	base, err := baseURL(cfg)
	if err != nil {
		return nil, err
	}
	token := base64.StdEncoding.EncodeToString([]byte(cfg.ProjectID + ":" + cfg.APIToken))
	core := adapter.New(&dialect, adapter.Config{
		BaseURL:       base,
		Account:       cfg.ProjectID,
		Authorization: "Basic " + token,
		Secrets:       []scrub.Secret{{User: cfg.ProjectID, Value: cfg.APIToken}},
		HTTP:          cfg.Options,
	})
	return &Client{core: core, baseURL: base}, nil
}

func baseURL(cfg Config) (string, error) {
	switch {
	case cfg.BaseURL != "":
		if err := adapter.CheckBaseURL(Name, "BaseURL", cfg.BaseURL); err != nil {
			return "", err
		}
		return cfg.BaseURL, nil
	case !adapter.IsHostLabel(cfg.Space):
		return "", driver.ConfigError(Name, "Space", "must be a SignalWire space name (a DNS label such as example), got "+strconv.Quote(cfg.Space))
	}
	return "https://" + cfg.Space + ".signalwire.com/api/laml", nil
}

// BaseURL returns the API root the client sends to.
func (c *Client) BaseURL() string { return c.baseURL }

// Update applies req to the participant. See participant.Updater.
func (c *Client) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	return c.core.Update(ctx, ref, req)
}

// Fetch reads the participant. See participant.Fetcher.
func (c *Client) Fetch(ctx context.Context, ref participant.Ref) (*participant.Participant, error) {
	return c.core.Fetch(ctx, ref)
}

// CheckRef reports whether ref has the shapes of SignalWire's ids, without
// sending anything. See participant.RefChecker.
func (c *Client) CheckRef(ref participant.Ref) error { return c.core.CheckRef(ref) }

// List yields the conference's participants, following next_page_uri.
// See participant.Lister.
func (c *Client) List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return c.core.List(ctx, conf, opts)
}

// Remove takes the participant out of the conference (DELETE). See
// participant.Remover.
func (c *Client) Remove(ctx context.Context, ref participant.Ref) error {
	return c.core.Remove(ctx, ref)
}

// CloseIdleConnections closes the idle connections of the client's transport.
func (c *Client) CloseIdleConnections() { c.core.CloseIdleConnections() }

// Capabilities reports every field but BeepOnExit and EndConferenceOnExit,
// fetch, list and remove, and no labels.
func (c *Client) Capabilities() participant.Capabilities { return c.core.Capabilities() }

// APIError is the Twilio-shaped error body SignalWire answers with.
type APIError = twilioapi.Error

// IsUUID reports whether s is a UUID in its 8-4-4-4-12 hex form.
func IsUUID(s string) bool { return adapter.IsUUID(s) }

var dialect = func() adapter.Dialect {
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
