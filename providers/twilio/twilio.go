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
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/carrierkit/carrierkit/internal/adapter"
	"github.com/carrierkit/carrierkit/internal/scrub"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
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
	// as Twilio's SDKs do (DefaultEdges: ie1 → dublin, au1 → sydney, …):
	// Twilio retired the edgeless api.{region}.twilio.com hosts. A region
	// with no known default edge needs Edge.
	Region, Edge string
	// BaseURL overrides the API root (the part before /2010-04-01), for
	// tests and Twilio-compatible hosts. It wins over Region and Edge.
	BaseURL string

	providers.Options
}

// Format prints c with its secrets redacted, for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	type plain Config // no methods: prints fields, not Format again
	c.AuthToken, c.APISecret = adapter.Redact(c.AuthToken), adapter.Redact(c.APISecret)
	adapter.FormatConfig(f, verb, plain(c), "twilio.Config")
}

// Client is the Twilio adapter. It implements participant.Updater and
// participant.Fetcher and is safe for concurrent use.
type Client struct {
	core    *adapter.Client
	baseURL string
}

var (
	_ participant.Updater    = (*Client)(nil)
	_ participant.Fetcher    = (*Client)(nil)
	_ participant.RefChecker = (*Client)(nil)
)

// New checks cfg and returns a Client. Nothing is sent.
func New(cfg Config) (*Client, error) {
	if !IsSID(cfg.AccountSID, "AC") {
		return nil, adapter.ConfigError(Name, "AccountSID", `must match ^AC[0-9a-fA-F]{32}$`)
	}
	user, secret := cfg.AccountSID, cfg.AuthToken
	switch {
	case cfg.APIKeySID != "" || cfg.APISecret != "":
		if cfg.AuthToken != "" {
			return nil, adapter.ConfigError(Name, "AuthToken", "set AuthToken or APIKeySID and APISecret, not both")
		}
		if !IsSID(cfg.APIKeySID, "SK") {
			return nil, adapter.ConfigError(Name, "APIKeySID", `must match ^SK[0-9a-fA-F]{32}$`)
		}
		if cfg.APISecret == "" {
			return nil, adapter.ConfigError(Name, "APISecret", "must be set with APIKeySID")
		}
		if err := adapter.CheckSecret(Name, "APISecret", cfg.APISecret); err != nil {
			return nil, err
		}
		user, secret = cfg.APIKeySID, cfg.APISecret
	case cfg.AuthToken == "":
		return nil, adapter.ConfigError(Name, "AuthToken", "must be set (or APIKeySID and APISecret)")
	default:
		if err := adapter.CheckSecret(Name, "AuthToken", cfg.AuthToken); err != nil {
			return nil, err
		}
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
		if edge = DefaultEdges[region]; edge == "" {
			return "", adapter.ConfigError(Name, "Edge", "must be set with Region "+strconv.Quote(region)+
				" (it has no known default edge); see Twilio's list of edge locations, e.g. dublin for ie1")
		}
	}
	return "https://api." + edge + "." + region + ".twilio.com", nil
}

// DefaultEdges maps each Twilio region to the edge location Twilio's own
// SDKs use when only the region is given (twilio-go's request handler).
var DefaultEdges = map[string]string{
	"au1": "sydney", "br1": "sao-paulo", "de1": "frankfurt", "ie1": "dublin", "jp1": "tokyo",
	"jp2": "osaka", "sg1": "singapore", "us1": "ashburn", "us2": "umatilla",
}

// labelError checks a Region or Edge value: empty, or one DNS label.
func labelError(field, v string) error {
	if v != "" && !isHostLabel(v) {
		return adapter.ConfigError(Name, field, "must be a lower-case DNS label such as ie1 or dublin, got "+strconv.Quote(v))
	}
	return nil
}

func isHostLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
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

// CheckRef reports whether ref has the shapes of this carrier's ids,
// without sending anything. See participant.RefChecker.
func (c *Client) CheckRef(ref participant.Ref) error { return c.core.CheckRef(ref) }

// CloseIdleConnections closes the idle connections of the client's transport.
func (c *Client) CloseIdleConnections() { c.core.CloseIdleConnections() }

// Capabilities reports every UpdateRequest field and Fetch.
func (c *Client) Capabilities() participant.Capabilities { return c.core.Capabilities() }

// IsSID reports whether s is a Twilio SID with the given two-letter prefix:
// the prefix and 32 hex digits.
func IsSID(s, prefix string) bool { return adapter.IsSID(s, prefix) }

// APIError is Twilio's error body. errors.As reaches it from the
// *participant.Error an update returns.
type APIError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// Error returns Twilio's code and message.
func (e *APIError) Error() string {
	return "twilio error " + strconv.Itoa(e.Code) + ": " + e.Message
}

var dialect = adapter.Dialect{
	Provider: Name,
	Labels:   true,
	Wire:     adapter.TwilioStyleWire(),
	Root:     "/2010-04-01",
	Suffix:   ".json",
	Check: func(account string, ref participant.Ref, req participant.UpdateRequest) (string, string) {
		switch {
		case !IsSID(account, "AC"):
			return "Ref.Account", `must match ^AC[0-9a-fA-F]{32}$`
		case !IsSID(ref.Conference, "CF"):
			return "Ref.Conference", `must match ^CF[0-9a-fA-F]{32}$`
		case req.CallToCoach != nil && !IsSID(*req.CallToCoach, "CA"):
			return "CallToCoach", `must be a call SID matching ^CA[0-9a-fA-F]{32}$`
		}
		return "", "" // Ref.Call is a call SID or a label: any non-empty string
	},
	Decode: func(body []byte) (*participant.Participant, error) {
		var w struct {
			AccountSID             string `json:"account_sid"`
			CallSID                string `json:"call_sid"`
			Label                  string `json:"label"`
			ConferenceSID          string `json:"conference_sid"`
			DateCreated            string `json:"date_created"`
			DateUpdated            string `json:"date_updated"`
			EndConferenceOnExit    bool   `json:"end_conference_on_exit"`
			Muted                  bool   `json:"muted"`
			Hold                   bool   `json:"hold"`
			StartConferenceOnEnter *bool  `json:"start_conference_on_enter"`
			Coaching               bool   `json:"coaching"`
			CallSIDToCoach         string `json:"call_sid_to_coach"`
			Status                 string `json:"status"`
		}
		if err := json.Unmarshal(body, &w); err != nil {
			return nil, err
		}
		return &participant.Participant{
			AccountID: w.AccountSID, ConferenceID: w.ConferenceSID, CallID: w.CallSID, Label: w.Label,
			Muted: w.Muted, Hold: w.Hold, Coaching: w.Coaching, EndConferenceOnExit: w.EndConferenceOnExit,
			StartConferenceOnEnter: w.StartConferenceOnEnter, CallToCoach: w.CallSIDToCoach,
			Status:  adapter.ParseStatus(w.Status),
			Created: adapter.ParseTime(w.DateCreated), Updated: adapter.ParseTime(w.DateUpdated),
		}, nil
	},
	DecodeError: func(body []byte) (error, string, string) {
		var e APIError
		if json.Unmarshal(body, &e) != nil || (e.Code == 0 && e.Message == "") {
			return nil, "", ""
		}
		code := ""
		if e.Code != 0 {
			code = strconv.Itoa(e.Code)
		}
		return &e, code, e.Message
	},
	// Twilio's documented codes for this resource, by class.
	Codes: map[string]participant.Code{
		"20001": participant.CodeInvalidArgument, // unknown parameter
		"20003": participant.CodeUnauthenticated, // authentication failed
		"20005": participant.CodePermissionDenied,
		"20008": participant.CodePermissionDenied, // test credentials not allowed
		"20403": participant.CodePermissionDenied,
		"20404": participant.CodeNotFound,
		"20429": participant.CodeRateLimited,
		"20500": participant.CodeUnavailable,
		"20503": participant.CodeUnavailable,
		"21205": participant.CodeInvalidArgument,    // invalid URL
		"21220": participant.CodeFailedPrecondition, // call not in a state to be modified
	},
}
