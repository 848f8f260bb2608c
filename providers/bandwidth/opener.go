package bandwidth

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

// The environment variables URLOpener reads by default.
const (
	EnvAccountID = "BANDWIDTH_ACCOUNT_ID"
	EnvUsername  = "BANDWIDTH_USERNAME"
	EnvPassword  = "BANDWIDTH_PASSWORD"
)

func init() {
	providers.DefaultURLMux().Register(providers.Adapter{Name: Scheme, Opener: new(URLOpener), Spec: providers.Spec{File: SpecFile, Root: SpecRoot}})
}

// Settings is the table of bandwidth:// parameters
// (bandwidth://?account=9900000) and config file keys.
var Settings = settings.New(New, spec)

var spec = settings.Spec[Config]{Name: Name, Params: []settings.Param{
	{Name: "account", Field: "AccountID", Env: EnvAccountID, Check: settings.Must(IsAccountID, ruleAccount), Help: "account id"},
	{Name: "base_url", Field: "BaseURL", Check: settings.CheckBaseURL, Help: "API root before /accounts, for tests"},
	{Name: "username_env", Field: "Username", Env: EnvUsername, Group: "credentials", Help: "variable holding the API username"},
	{Name: "password_env", Field: "Password", Env: EnvPassword, Group: "credentials", Secret: true, Help: "variable holding the API password"},
}}

// URLOpener opens bandwidth:// URLs with the parameters of Settings.
// Fields set here are used instead of the environment (the account
// parameter still wins over AccountID); username_env or password_env with
// credentials set here is an error. Printing a URLOpener with any fmt verb
// never shows the password.
type URLOpener struct {
	AccountID string
	Username  string
	Password  string `json:"-"`
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

// Format prints o with its secret redacted, for every verb.
func (o URLOpener) Format(f fmt.State, verb rune) {
	type plain URLOpener
	Settings.FormatRedacted(f, verb, plain(o), "URLOpener")
}
