package signalwire

import (
	"context"
	"fmt"
	"net/url"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/driver/settings"
	"github.com/carrierkit/carrierkit/providers"
)

// Scheme is the URL scheme the adapter registers with providers.DefaultURLMux.
const Scheme = Name

// The environment variables URLOpener reads by default.
const (
	EnvSpace     = "SIGNALWIRE_SPACE"
	EnvProjectID = "SIGNALWIRE_PROJECT_ID"
	EnvAPIToken  = "SIGNALWIRE_API_TOKEN"
)

func init() { providers.DefaultURLMux().RegisterUpdater(Scheme, new(URLOpener)) }

// Settings is the table of signalwire:// parameters
// (signalwire://?space=example) and config file keys.
var Settings = settings.New(New, spec)

var spec = settings.Spec[Config]{Name: Name, Params: []settings.Param{
	{Name: "space", Field: "Space", Env: EnvSpace, Unless: "base_url", Help: "the SignalWire space",
		Check: settings.MustShowing(httpdriver.IsHostLabel, "must be a SignalWire space name (a DNS label such as example)")},
	{Name: "account", Field: "ProjectID", Env: EnvProjectID, Check: settings.Must(IsUUID, ruleUUID), Help: "project id"},
	{Name: "base_url", Field: "BaseURL", Check: settings.CheckBaseURL, Help: "API root before /2010-04-01, for tests"},
	{Name: "api_token_env", Field: "APIToken", Env: EnvAPIToken, Secret: true, Help: "variable holding the API token"},
}, Rules: settings.Excludes("space", "base_url")}

// URLOpener opens signalwire:// URLs with the parameters of Settings.
// Fields set here are used instead of the environment (the account
// parameter still wins over ProjectID); api_token_env with APIToken set is
// an error. Printing a URLOpener with any fmt verb never shows the token.
type URLOpener struct {
	ProjectID string
	APIToken  string `json:"-"`
	// Options are the HTTP settings; the URL's parameters apply over them.
	Options driver.Options
}

// Opener returns the generic opener with o's fields.
func (o *URLOpener) Opener() settings.Opener { return Settings.Opener(o) }

// OpenUpdaterURL returns a client for u. Nothing is sent.
func (o *URLOpener) OpenUpdaterURL(ctx context.Context, u *url.URL) (*carrierkit.Client, error) {
	return o.Opener().OpenUpdaterURL(ctx, u)
}

// Format prints o with its secret redacted, for every verb.
func (o URLOpener) Format(f fmt.State, verb rune) {
	type plain URLOpener
	Settings.FormatRedacted(f, verb, plain(o), "URLOpener")
}
