package plivo

import (
	"cmp"
	"context"
	"fmt"
	"net/url"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/internal/urlparams"
	"github.com/carrierkit/carrierkit/participant"
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

// URLOpener opens plivo:// URLs, e.g. "plivo://?account=MAXXXXXXXXXXXXXXXXXX".
// Its query parameters are
//
//	account          the auth id (default: the AuthID field, else $PLIVO_AUTH_ID)
//	base_url         API root before /Account, as in Config
//	max_retries, wait_min, wait_max, max_retry_after   retry policy
//	attempt_timeout, timeout   time bounds
//	auth_token_env   the environment variable to read instead of $PLIVO_AUTH_TOKEN
//
// The token never goes in the URL: unless set on the URLOpener it is read
// from the environment when opening. Printing a URLOpener never shows it.
type URLOpener struct {
	AuthID    string
	AuthToken string `json:"-"`
	// Options are the HTTP settings; the URL's parameters apply over them.
	Options driver.Options
}

var (
	_ providers.UpdaterURLOpener            = (*URLOpener)(nil)
	_ providers.UpdaterURLChecker           = (*URLOpener)(nil)
	_ providers.UpdaterURLOpenerWithOptions = (*URLOpener)(nil)
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
	o.AuthToken = httpdriver.Redact(o.AuthToken)
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(o))
}

func (o *URLOpener) parse(u *url.URL) (Config, string, error) {
	p := urlparams.New(Name, u)
	cfg := Config{AuthID: p.String("account"), BaseURL: p.String("base_url"), Options: p.HTTPOptions(o.Options)}
	tokenEnv := p.EnvName("auth_token_env")
	if cfg.AuthID != "" && !IsAuthID(cfg.AuthID) {
		p.Fail("account", ruleAuthID)
	}
	if tokenEnv != "" && o.AuthToken != "" {
		p.Fail("auth_token_env", "conflicts with the token set on the URLOpener: drop one")
	}
	if cfg.BaseURL != "" {
		p.Add(httpdriver.CheckBaseURL(Name, "base_url", cfg.BaseURL))
	}
	return cfg, tokenEnv, p.Err()
}

// CheckUpdaterURL checks u's parameters without reading credentials.
func (o *URLOpener) CheckUpdaterURL(u *url.URL) error {
	_, _, err := o.parse(u)
	return err
}

// OpenUpdaterURL returns a *Client for u. Nothing is sent.
func (o *URLOpener) OpenUpdaterURL(_ context.Context, u *url.URL) (participant.Updater, error) {
	cfg, tokenEnv, err := o.parse(u)
	if err != nil {
		return nil, err
	}
	env := urlparams.Env{Provider: Name}
	if cfg.AuthID = cmp.Or(cfg.AuthID, o.AuthID); cfg.AuthID == "" {
		cfg.AuthID = env.Get("account", EnvAuthID, "or set the account parameter")
	}
	if cfg.AuthToken = o.AuthToken; cfg.AuthToken == "" {
		cfg.AuthToken = env.Get("auth_token_env", cmp.Or(tokenEnv, EnvAuthToken), "")
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	c, err := New(cfg)
	if err != nil {
		return nil, urlparams.RenameField(err, map[string]string{"AuthID": "account", "AuthToken": "auth_token_env",
			"BaseURL": "base_url"})
	}
	return c, nil
}
