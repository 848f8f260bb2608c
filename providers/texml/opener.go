package texml

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/internal/urlparams"
	"github.com/carrierkit/carrierkit/participant"
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

func init() { providers.DefaultURLMux().RegisterUpdater(Scheme, new(URLOpener)) }

// URLOpener opens texml:// URLs, e.g. "texml://?account=…&base_url=http://127.0.0.1:8080/v2".
// Its query parameters are
//
//	account          default account id (default: the Account field, else $TELNYX_ACCOUNT_SID)
//	base_url         API root before /texml, as in Config
//	max_retries, wait_min, wait_max, max_retry_after   retry policy
//	attempt_timeout, timeout   time bounds (Options.AttemptTimeout, Options.Timeout)
//	api_key_env      the environment variable to read instead of $TELNYX_API_KEY
//
// The API key never goes in the URL: unless set on the URLOpener, it is
// read from the environment when opening; api_key_env with the APIKey field
// set is an error, not ignored. Printing a URLOpener with any fmt verb never
// shows it.
type URLOpener struct {
	// APIKey, when set, is used instead of the environment.
	APIKey string `json:"-"`
	// Account is the default account when the URL has no account parameter.
	Account string
	// Options are the HTTP settings. The URL's retry and time parameters
	// are applied over them.
	Options driver.Options
}

var (
	_ providers.UpdaterURLOpener            = (*URLOpener)(nil)
	_ providers.UpdaterURLChecker           = (*URLOpener)(nil)
	_ providers.UpdaterURLOpenerWithOptions = (*URLOpener)(nil)
	_ providers.UpdaterURLLocator           = (*URLOpener)(nil)
)

// WithOptions returns a copy of o using opts.
func (o *URLOpener) WithOptions(opts driver.Options) providers.UpdaterURLOpener {
	c := *o
	c.Options = opts
	return &c
}

// Format prints o with its secret redacted, for every verb.
func (o URLOpener) Format(f fmt.State, verb rune) {
	type plain URLOpener
	o.APIKey = httpdriver.Redact(o.APIKey)
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(o))
}

// paramOf names the URL parameter behind each Config field, for errors.
var paramOf = map[string]string{"APIKey": "api_key_env", "BaseURL": "base_url"}

func (o *URLOpener) parse(u *url.URL) (cfg Config, keyEnv string, err error) {
	p := urlparams.New(Name, u)
	cfg = Config{Account: cmp.Or(p.String("account"), o.Account, os.Getenv(EnvAccount)), BaseURL: p.String("base_url"), Options: p.HTTPOptions(o.Options)}
	named := p.EnvName("api_key_env")
	keyEnv = cmp.Or(named, EnvAPIKey)
	if named != "" && o.APIKey != "" {
		// It would be ignored: report it, as unknown parameters are.
		p.Fail("api_key_env", "conflicts with the API key set on the URLOpener: drop one")
	}
	if cfg.BaseURL != "" {
		p.Add(httpdriver.CheckBaseURL(Name, "base_url", cfg.BaseURL))
	}
	return cfg, keyEnv, p.Err()
}

// CheckUpdaterURL checks u's parameters without reading credentials.
func (o *URLOpener) CheckUpdaterURL(u *url.URL) error {
	_, _, err := o.parse(u)
	return err
}

// LocateUpdaterURL returns the API root u reaches. Telnyx has no regions
// that isolate calls (api.telnyx.com, .eu and .com.au take the same keys
// and ids), so the region is always "".
func (o *URLOpener) LocateUpdaterURL(u *url.URL) (root, region string, err error) {
	cfg, _, err := o.parse(u)
	if err != nil {
		return "", "", err
	}
	return cmp.Or(cfg.BaseURL, DefaultBaseURL), "", nil
}

// OpenUpdaterURL returns a *Client for u. Nothing is sent.
func (o *URLOpener) OpenUpdaterURL(_ context.Context, u *url.URL) (participant.Updater, error) {
	cfg, keyEnv, err := o.parse(u)
	if err != nil {
		return nil, err
	}
	if cfg.APIKey = o.APIKey; cfg.APIKey == "" {
		if cfg.APIKey, err = urlparams.Getenv(Name, "api_key_env", keyEnv, ""); err != nil {
			return nil, err
		}
	}
	c, err := New(cfg)
	if err != nil {
		return nil, urlparams.RenameField(err, paramOf)
	}
	return c, nil
}
