package texml

import (
	"cmp"
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

// EnvAPIKey is the environment variable URLOpener reads the API key from
// by default.
const EnvAPIKey = "TELNYX_API_KEY"

// EnvAccount is the environment variable URLOpener reads the default
// account (the TeXML account SID) from when neither the URL nor the
// URLOpener gives one. Unlike the API key it is optional.
const EnvAccount = "TELNYX_ACCOUNT_SID"

func init() {
	providers.DefaultURLMux().Register(providers.Adapter{Name: Scheme, Opener: new(URLOpener), Spec: providers.Spec{File: SpecFile, Root: SpecRoot}})
}

// Settings is the table of texml:// parameters
// (texml://?account=…&base_url=http://127.0.0.1:8080/v2) and config file
// keys. Telnyx has no regions that isolate calls (api.telnyx.com, .eu and
// .com.au take the same keys and ids): the region is always "".
var Settings = settings.New(New, spec)

var spec = settings.Spec[Config]{Name: Name, Params: []settings.Param{
	{Name: "account", Field: "Account", Env: EnvAccount, Optional: true, Help: "default account id"},
	{Name: "base_url", Field: "BaseURL", Check: settings.CheckBaseURL, Help: "API root before /texml"},
	{Name: "api_key_env", Field: "APIKey", Env: EnvAPIKey, Secret: true, Help: "variable holding the API key"},
}, Root: func(c Config) (string, error) { return cmp.Or(c.BaseURL, DefaultBaseURL), nil }}

// URLOpener opens texml:// URLs with the parameters of Settings. Fields
// set here are used instead of the environment (the account parameter
// still wins over Account); api_key_env with APIKey set is an error.
// Printing a URLOpener with any fmt verb never shows the key.
type URLOpener struct {
	APIKey string `json:"-"`
	// Account is the default account when the URL has no account parameter.
	Account string
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
