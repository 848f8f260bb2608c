// Package twilio is the carrierkit adapter for Twilio's Programmable Voice
// API (2010-04-01), and for any host that speaks it.
//
// It authenticates with HTTP Basic (Account SID and Auth Token, or an API
// key SID and secret acting for the account), sends updates to
// {root}/2010-04-01/Accounts/{AC}/Conferences/{CF}/Participants/{CA or label}.json
// as a form with only the fields set, and maps Twilio's error codes
// (20404, 20003, 20429, …) to neutral participant codes.
package twilio

import (
	"cmp"
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
const Name = "twilio"

// DefaultBaseURL is the API root used without Region, Edge or BaseURL.
const DefaultBaseURL = "https://api.twilio.com"

// Config configures a Client. Printing it with any fmt verb, or marshalling
// it to JSON, never shows AuthToken or APISecret.
type Config struct {
	// AccountSID (AC…) is the account; it is also the default account of
	// refs that leave Ref.Account empty.
	AccountSID string
	// AuthToken authenticates as the account. Set it, or APIKeySID and APISecret.
	AuthToken string `json:"-"`
	// APIKeySID (SK…) and APISecret authenticate with an API key acting for
	// AccountSID.
	APIKeySID string
	APISecret string `json:"-"`

	// Region and Edge select a regional endpoint,
	// https://api.{edge}.{region}.twilio.com. An Edge without a Region uses
	// region us1. A Region without an Edge takes the region's default edge,
	// as Twilio's SDKs do (DefaultEdge: ie1 → dublin, au1 → sydney, …):
	// Twilio retired the edgeless api.{region}.twilio.com hosts. A region
	// with no known default edge needs Edge.
	Region, Edge string
	// BaseURL overrides the API root (the part before /2010-04-01), for
	// tests and Twilio-compatible hosts. It wins over Region and Edge.
	BaseURL string

	driver.Options
}

// Format prints c with its secrets redacted, for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	type plain Config // no methods: prints fields, not Format again
	c.AuthToken, c.APISecret = adapter.Redact(c.AuthToken), adapter.Redact(c.APISecret)
	adapter.FormatConfig(f, verb, plain(c), "twilio.Config")
}

// Client is the Twilio adapter. It implements participant.Updater, Fetcher,
// Lister, Remover and RefChecker, and is safe for concurrent use.
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

// New checks cfg and returns a Client. Nothing is sent.
func New(cfg Config) (*Client, error) {
	if !IsSID(cfg.AccountSID, "AC") {
		return nil, driver.ConfigError(Name, "AccountSID", `must match ^AC[0-9a-fA-F]{32}$`)
	}
	user, secret := cfg.AccountSID, cfg.AuthToken
	switch {
	case cfg.APIKeySID != "" || cfg.APISecret != "":
		if cfg.AuthToken != "" {
			return nil, driver.ConfigError(Name, "AuthToken", "set AuthToken or APIKeySID and APISecret, not both")
		}
		if !IsSID(cfg.APIKeySID, "SK") {
			return nil, driver.ConfigError(Name, "APIKeySID", `must match ^SK[0-9a-fA-F]{32}$`)
		}
		if cfg.APISecret == "" {
			return nil, driver.ConfigError(Name, "APISecret", "must be set with APIKeySID")
		}
		if err := adapter.CheckSecret(Name, "APISecret", cfg.APISecret); err != nil {
			return nil, err
		}
		user, secret = cfg.APIKeySID, cfg.APISecret
	case cfg.AuthToken == "":
		return nil, driver.ConfigError(Name, "AuthToken", "must be set (or APIKeySID and APISecret)")
	default:
		if err := adapter.CheckSecret(Name, "AuthToken", cfg.AuthToken); err != nil {
			return nil, err
		}
	}
	if err := adapter.CheckOptions(Name, cfg.Options); err != nil {
		return nil, err
	}
	base, err := baseURL(cfg)
	if err != nil {
		return nil, err
	}
	token := base64.StdEncoding.EncodeToString([]byte(user + ":" + secret))
	core := adapter.New(&dialect, adapter.Config{
		BaseURL:       base,
		Account:       cfg.AccountSID,
		Authorization: "Basic " + token,
		Secrets:       []scrub.Secret{{User: user, Value: secret}},
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
	case cfg.Region == "" && cfg.Edge == "":
		return DefaultBaseURL, nil
	}
	for _, err := range [...]error{labelError("Region", cfg.Region), labelError("Edge", cfg.Edge)} {
		if err != nil {
			return "", err
		}
	}
	region, edge := cmp.Or(cfg.Region, "us1"), cfg.Edge
	if edge == "" {
		var ok bool
		if edge, ok = DefaultEdge(region); !ok {
			return "", driver.ConfigError(Name, "Edge", "must be set with Region "+strconv.Quote(region)+
				" (it has no known default edge); see Twilio's list of edge locations, e.g. dublin for ie1")
		}
	}
	return "https://api." + edge + "." + region + ".twilio.com", nil
}

// DefaultEdge returns the edge location Twilio's own SDKs use when only
// the region is given (twilio-go's request handler), and whether the
// region has one.
func DefaultEdge(region string) (edge string, ok bool) {
	edge, ok = defaultEdges[region]
	return edge, ok
}

// defaultEdges is unexported so that no importer can change it under
// every client.
var defaultEdges = map[string]string{
	"au1": "sydney", "br1": "sao-paulo", "de1": "frankfurt", "ie1": "dublin", "jp1": "tokyo",
	"jp2": "osaka", "sg1": "singapore", "us1": "ashburn", "us2": "umatilla",
}

// labelError checks a Region or Edge value: empty, or one DNS label.
func labelError(field, v string) error {
	if v != "" && !adapter.IsHostLabel(v) {
		return driver.ConfigError(Name, field, "must be a lower-case DNS label such as ie1 or dublin, got "+strconv.Quote(v))
	}
	return nil
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

// List yields the conference's participants, following next_page_uri
// (ListParticipant). ListOptions.PageSize is sent as PageSize (at most
// 1000; default 50) and Muted, Hold and Coaching as Twilio's own filters.
// Twilio lists only participants connecting to or connected to a
// conference in progress. Stopping early fetches no further page. See
// participant.Lister.
func (c *Client) List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return c.core.List(ctx, conf, opts)
}

// Remove takes the participant out of the conference (DeleteParticipant,
// 204); one already gone gives participant.ErrNotFound. Removing ends the
// call's <Dial><Conference>: as for any <Dial>, Twilio then requests the
// <Dial action> URL if there is one, else runs the TwiML verb after
// <Dial>, and hangs up when there is none (so a participant added with the
// Participants API, which has no TwiML of its own, is hung up). To keep a
// caller on the line, give the <Dial> an action or a following verb. See
// participant.Remover.
func (c *Client) Remove(ctx context.Context, ref participant.Ref) error {
	return c.core.Remove(ctx, ref)
}

// CheckRef reports whether ref has the shapes of this carrier's ids,
// without sending anything. See participant.RefChecker.
func (c *Client) CheckRef(ref participant.Ref) error { return c.core.CheckRef(ref) }

// CloseIdleConnections closes the idle connections of the client's transport.
func (c *Client) CloseIdleConnections() { c.core.CloseIdleConnections() }

// Capabilities reports every UpdateRequest field, and the fetch, list and
// remove operations.
func (c *Client) Capabilities() participant.Capabilities { return c.core.Capabilities() }

// IsSID reports whether s is a Twilio SID with the given two-letter prefix:
// the prefix and 32 hex digits.
func IsSID(s, prefix string) bool { return twiliofamily.IsSID(s, prefix) }

// APIError is Twilio's error body, shared by every Twilio-compatible
// carrier. errors.As reaches it from the *participant.Error an update
// returns.
type APIError = twilioapi.Error

var dialect = withListAndRemove(twiliofamily.Dialect(Name,
	func(account string, ref participant.Ref, req participant.UpdateRequest) (string, string) {
		switch {
		case !IsSID(account, "AC"):
			return "Ref.Account", `must match ^AC[0-9a-fA-F]{32}$`
		case !IsSID(ref.Conference, "CF"):
			return "Ref.Conference", `must match ^CF[0-9a-fA-F]{32}$`
		case req.CallToCoach != nil && !IsSID(*req.CallToCoach, "CA"):
			return "CallToCoach", `must be a call SID matching ^CA[0-9a-fA-F]{32}$`
		}
		return "", "" // Ref.Call is a call SID or a label: any non-empty string
	}))

// withListAndRemove adds ListParticipant (GET …/Participants.json with
// PageSize, the Muted/Hold/Coaching filters and next_page_uri) and
// DeleteParticipant (DELETE, 204) to d.
func withListAndRemove(d adapter.Dialect) adapter.Dialect {
	d.List = twiliofamily.ListOp(twiliofamily.ListPath("/2010-04-01", ".json"), twiliofamily.DecodeParticipant, true)
	d.Remove = twiliofamily.RemoveOp(twiliofamily.ParticipantPath("/2010-04-01", ".json"))
	return d
}
