// Package twilio is the carrierkit adapter for Twilio's Programmable Voice
// API (2010-04-01), and for any host that speaks it.
//
// It authenticates with HTTP Basic (Account SID and Auth Token, or an API
// key SID and secret acting for the account), sends updates to
// {root}/2010-04-01/Accounts/{AC}/Conferences/{CF}/Participants/{CA or label}.json
// as a form with only the fields set, and maps Twilio's error codes
// (20404, 20003, 20429, …) to neutral participant codes. It carries every
// UpdateRequest field, and fetch, list and remove.
//
// New returns the portable *carrierkit.Client over the adapter's driver.
// Errors are *participant.Error values; errors.As reaches Twilio's error
// body as *APIError.
//
// List follows next_page_uri (ListParticipant). ListOptions.PageSize is
// sent as PageSize (at most 1000; default 50) and Muted, Hold and Coaching
// as Twilio's own filters. Twilio lists only participants connecting to or
// connected to a conference in progress.
//
// Remove takes the participant out of the conference (DeleteParticipant,
// 204); one already gone gives participant.ErrNotFound. Removing ends the
// call's <Dial><Conference>: as for any <Dial>, Twilio then requests the
// <Dial action> URL if there is one, else runs the TwiML verb after
// <Dial>, and hangs up when there is none (so a participant added with the
// Participants API, which has no TwiML of its own, is hung up). To keep a
// caller on the line, give the <Dial> an action or a following verb.
//
// Client.As supports **http.Client (the client requests go through) and
// **httpdriver.Driver, whose BaseURL is the API root the client sends to.
package twilio

import (
	"cmp"
	"fmt"
	"strconv"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/driver/twilioapi"
	"github.com/carrierkit/carrierkit/internal/twiliofamily"
)

// Name is the adapter's provider name.
const Name = "twilio"

// DefaultBaseURL is the API root used without Region, Edge or BaseURL.
const DefaultBaseURL = "https://api.twilio.com"

// Config configures the adapter (New). Printing it with any fmt verb, or marshalling
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
	spec.FormatRedacted(f, verb, plain(c), "Config")
}

// New checks cfg (by the Settings table, then the credentials) and returns
// the portable client over the Twilio driver. Nothing is sent.
func New(cfg Config) (*carrierkit.Client, error) {
	if err := spec.CheckConfig(cfg); err != nil {
		return nil, err
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
		if err := httpdriver.CheckSecret(Name, "APISecret", cfg.APISecret); err != nil {
			return nil, err
		}
		user, secret = cfg.APIKeySID, cfg.APISecret
	case cfg.AuthToken == "":
		return nil, driver.ConfigError(Name, "AuthToken", "must be set (or APIKeySID and APISecret)")
	default:
		if err := httpdriver.CheckSecret(Name, "AuthToken", cfg.AuthToken); err != nil {
			return nil, err
		}
	}
	base, err := baseURL(cfg)
	if err != nil {
		return nil, err
	}
	return carrierkit.New(httpdriver.New(&dialect, httpdriver.Basic(base, cfg.AccountSID, user, secret, cfg.Options))), nil
}

// baseURL is the API root of cfg, whose fields meet the table's checks.
func baseURL(cfg Config) (string, error) {
	switch {
	case cfg.BaseURL != "":
		return cfg.BaseURL, nil
	case cfg.Region == "" && cfg.Edge == "":
		return DefaultBaseURL, nil
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

// IsSID reports whether s is a Twilio SID with the given two-letter prefix:
// the prefix and 32 hex digits.
func IsSID(s, prefix string) bool { return twiliofamily.IsSID(s, prefix) }

// APIError is Twilio's error body, shared by every Twilio-compatible
// carrier. errors.As reaches it from the *participant.Error an update
// returns.
type APIError = twilioapi.Error

var dialect = twiliofamily.Dialect(Name, httpdriver.IDs{ // Ref.Call is a call SID or a label: any non-empty string
	Account:     httpdriver.IDRule{OK: func(s string) bool { return IsSID(s, "AC") }, Rule: `must match ^AC[0-9a-fA-F]{32}$`},
	Conference:  httpdriver.IDRule{OK: func(s string) bool { return IsSID(s, "CF") }, Rule: `must match ^CF[0-9a-fA-F]{32}$`},
	CallToCoach: httpdriver.IDRule{OK: func(s string) bool { return IsSID(s, "CA") }, Rule: `must be a call SID matching ^CA[0-9a-fA-F]{32}$`},
}.Check)
