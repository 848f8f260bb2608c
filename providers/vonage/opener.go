package vonage

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

// The environment variables URLOpener reads by default: the application
// id, and the private key as PEM text or, when that is unset, a PEM file.
const (
	EnvApplicationID  = "VONAGE_APPLICATION_ID"
	EnvPrivateKey     = "VONAGE_PRIVATE_KEY"
	EnvPrivateKeyPath = "VONAGE_PRIVATE_KEY_PATH"
)

func init() {
	providers.DefaultURLMux().Register(providers.Adapter{Name: Scheme, Opener: new(URLOpener), Spec: providers.Spec{File: SpecFile, Root: SpecRoot}})
}

// Settings is the table of vonage:// parameters (vonage://?account=…&region=eu)
// and config file keys. The key itself never goes in the URL: it is the
// URLOpener's PrivateKey, else the file named, else $VONAGE_PRIVATE_KEY,
// else the file $VONAGE_PRIVATE_KEY_PATH names.
var Settings = settings.New(New, spec)

var spec = settings.Spec[Config]{Name: Name, Params: []settings.Param{
	{Name: "account", Field: "ApplicationID", Env: EnvApplicationID, Check: settings.Must(httpdriver.IsUUID, ruleUUID), Help: "the application id"},
	{Name: "region", Field: "Region", Check: settings.Must(func(v string) bool { return Hosts[v] != "" }, `must be "", "us", "eu" or "ap"`),
		Help: "API host: us, eu or ap (default the global host)"},
	{Name: "base_url", Field: "BaseURL", Check: settings.CheckBaseURL, Help: "the API host, overriding region"},
	{Name: "private_key_env", Field: "PrivateKey", Env: EnvPrivateKey, Alt: "pem", Secret: true, Help: "variable holding the private key's PEM"},
	{Name: "private_key_file", Field: "PrivateKey", Env: EnvPrivateKeyPath, Alt: "file", Load: settings.ReadFile, Help: "a PEM file holding the private key",
		Check: settings.Must(func(v string) bool { return !strings.Contains(v, "-----BEGIN") }, "must name a PEM file, not hold the key")},
}}

// URLOpener opens vonage:// URLs with the parameters of Settings. Fields
// set here are used instead of the environment. Printing a URLOpener never
// shows the key.
type URLOpener struct {
	ApplicationID string
	PrivateKey    []byte `json:"-"`
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
