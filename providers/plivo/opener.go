package plivo

import (
	"context"
	"fmt"
	"net/url"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/settings"
	"github.com/carrierkit/carrierkit/providers"
)

// Scheme is the URL scheme the adapter registers with providers.DefaultURLMux.
const Scheme = Name

// The environment variables URLOpener reads by default (Plivo's SDKs' names).
const (
	EnvAuthID    = "PLIVO_AUTH_ID"
	EnvAuthToken = "PLIVO_AUTH_TOKEN"
)

func init() { providers.DefaultURLMux().RegisterUpdater(Scheme, new(URLOpener)) }

// Settings is the table of plivo:// parameters
// (plivo://?account=MAXXXXXXXXXXXXXXXXXX) and config file keys.
var Settings = settings.New(New, spec)

var spec = settings.Spec[Config]{Name: Name, Params: []settings.Param{
	{Name: "account", Field: "AuthID", Env: EnvAuthID, Check: settings.Must(IsAuthID, ruleAuthID), Help: "the auth id"},
	{Name: "base_url", Field: "BaseURL", Check: settings.CheckBaseURL, Help: "API root before /Account, for tests"},
	{Name: "auth_token_env", Field: "AuthToken", Env: EnvAuthToken, Secret: true, Help: "variable holding the auth token"},
}}

// URLOpener opens plivo:// URLs with the parameters of Settings. Fields
// set here are used instead of the environment. Printing a URLOpener never
// shows the token.
type URLOpener struct {
	AuthID    string
	AuthToken string `json:"-"`
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
