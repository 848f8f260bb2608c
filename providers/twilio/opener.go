package twilio

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/driver/settings"
	"github.com/carrierkit/carrierkit/providers"
)

// Scheme is the URL scheme the adapter registers with providers.DefaultURLMux.
const Scheme = Name

// The environment variables URLOpener reads by default. EnvRegion and
// EnvEdge choose the regional endpoint when the URL sets neither base_url
// nor the parameter itself, as in Twilio's own SDKs.
const (
	EnvAccountSID = "TWILIO_ACCOUNT_SID"
	EnvAuthToken  = "TWILIO_AUTH_TOKEN"
	EnvAPIKey     = "TWILIO_API_KEY"
	EnvAPISecret  = "TWILIO_API_SECRET"
	EnvRegion     = "TWILIO_REGION"
	EnvEdge       = "TWILIO_EDGE"
)

func init() {
	providers.DefaultURLMux().Register(providers.Adapter{Name: Scheme, Opener: new(URLOpener), Spec: providers.Spec{File: SpecFile, Root: SpecRoot}})
}

// Settings is the table of twilio:// parameters (twilio://?region=ie1&edge=dublin)
// and config file keys. Credentials are read from the environment:
// $TWILIO_API_KEY and $TWILIO_API_SECRET when TWILIO_API_KEY is set (or
// api_key_env is given), else $TWILIO_AUTH_TOKEN.
var Settings = settings.New(New, spec)

var spec = settings.Spec[Config]{Name: Name, Root: baseURL, Region: RegionOf, Params: []settings.Param{
	{Name: "account", Field: "AccountSID", Check: settings.Must(func(v string) bool { return IsSID(v, "AC") }, `must match ^AC[0-9a-fA-F]{32}$`),
		Help: "account SID (default $TWILIO_ACCOUNT_SID)"},
	{Name: "base_url", Field: "BaseURL", Check: settings.CheckBaseURL, Help: "API root before /2010-04-01, for tests and proxies"},
	{Name: "region", Field: "Region", Env: EnvRegion, Optional: true, Unless: "base_url",
		Check: settings.MustShowing(httpdriver.IsHostLabel, ruleLabel), Help: "Twilio region, e.g. ie1"},
	{Name: "edge", Field: "Edge", Env: EnvEdge, Optional: true, Unless: "base_url",
		Check: settings.MustShowing(httpdriver.IsHostLabel, ruleLabel), Help: "Twilio edge, e.g. dublin (default: the region's)"},
	{Name: "account_sid_env", Field: "AccountSID", Env: EnvAccountSID, Help: "variable holding the account SID"},
	{Name: "api_key_env", Field: "APIKeySID", Env: EnvAPIKey, Group: "credentials", Alt: "key", Help: "variable holding an API key SID"},
	{Name: "api_secret_env", Field: "APISecret", Env: EnvAPISecret, Group: "credentials", Alt: "key", Secret: true, Help: "variable holding the API key's secret"},
	{Name: "auth_token_env", Field: "AuthToken", Env: EnvAuthToken, Group: "credentials", Alt: "token", Secret: true, Help: "variable holding the auth token"},
}}

const ruleLabel = "must be a lower-case DNS label such as ie1 or dublin"

// URLOpener opens twilio:// URLs with the parameters of Settings. Fields
// set here are used instead of the environment (the account parameter
// still wins over AccountSID); a parameter that would then be ignored
// (account_sid_env, or a credential's *_env) is an error. Printing a
// URLOpener with any fmt verb never shows a secret.
type URLOpener struct {
	AccountSID string
	AuthToken  string `json:"-"`
	APIKeySID  string
	APISecret  string `json:"-"`
	// Options are the HTTP settings; the URL's parameters apply over them.
	Options driver.Options
}

// Opener returns the generic opener with o's fields.
func (o *URLOpener) Opener() settings.Opener { return Settings.Opener(o) }

// OpenUpdaterURL returns a client for u. Nothing is sent.
func (o *URLOpener) OpenUpdaterURL(ctx context.Context, u *url.URL) (*carrierkit.Client, error) {
	return o.Opener().OpenUpdaterURL(ctx, u)
}

// CheckUpdaterURL checks u's parameters without reading credentials.
func (o *URLOpener) CheckUpdaterURL(u *url.URL) error { return o.Opener().CheckUpdaterURL(u) }

// Format prints o with its secrets redacted, for every verb.
func (o URLOpener) Format(f fmt.State, verb rune) {
	type plain URLOpener
	Settings.FormatRedacted(f, verb, plain(o), "URLOpener")
}

// RegionOf returns the Twilio region an API root on twilio.com reaches
// (api.twilio.com is us1, api.{region}.twilio.com and
// api.{edge}.{region}.twilio.com name theirs), or "" for any other host.
func RegionOf(root string) string {
	pu, err := url.Parse(root)
	if err != nil {
		return ""
	}
	host := strings.ToLower(pu.Hostname())
	if host == "api.twilio.com" {
		return "us1"
	}
	labels := strings.Split(strings.TrimSuffix(host, ".twilio.com"), ".")
	if !strings.HasSuffix(host, ".twilio.com") || labels[0] != "api" || len(labels) < 2 || len(labels) > 3 {
		return ""
	}
	return labels[len(labels)-1]
}
