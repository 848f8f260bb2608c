package signalwire

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

// The environment variables URLOpener reads by default.
const (
	EnvSpace     = "SIGNALWIRE_SPACE"
	EnvProjectID = "SIGNALWIRE_PROJECT_ID"
	EnvAPIToken  = "SIGNALWIRE_API_TOKEN"
)

func init() { providers.DefaultURLMux().RegisterUpdater(Scheme, new(URLOpener)) }

// URLOpener opens signalwire:// URLs, e.g. "signalwire://?space=example".
// Its query parameters are
//
//	space            the SignalWire space (default $SIGNALWIRE_SPACE, unless base_url is set)
//	account          project id (default: the ProjectID field, else $SIGNALWIRE_PROJECT_ID);
//	                 "account" as for every adapter, so carrierctl --account fits
//	base_url         API root before /2010-04-01, as in Config
//	max_retries, wait_min, wait_max, max_retry_after   retry policy
//	attempt_timeout, timeout   time bounds (Options.AttemptTimeout, Options.Timeout)
//	api_token_env    the environment variable to read instead of $SIGNALWIRE_API_TOKEN
//
// The API token never goes in the URL: unless set on the URLOpener, it is
// read from the environment when opening; api_token_env with the APIToken
// field set is an error, not ignored. Printing a URLOpener with any fmt verb
// never shows it.
type URLOpener struct {
	// ProjectID and APIToken, when set, are used instead of the environment;
	// the account parameter still wins over ProjectID.
	ProjectID string
	APIToken  string `json:"-"`
	// Options are the HTTP settings. The URL's retry and time parameters
	// are applied over them.
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
	o.APIToken = httpdriver.Redact(o.APIToken)
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(o))
}

// paramOf names the URL parameter behind each Config field, for errors.
var paramOf = map[string]string{"Space": "space", "ProjectID": "account", "APIToken": "api_token_env", "BaseURL": "base_url"}

func (o *URLOpener) parse(u *url.URL) (cfg Config, tokenEnv string, err error) {
	p := urlparams.New(Name, u)
	cfg = Config{Space: p.String("space"), ProjectID: p.String("account"), BaseURL: p.String("base_url"), Options: p.HTTPOptions(o.Options)}
	tokenEnv = p.EnvName("api_token_env")
	if cfg.ProjectID != "" && !IsUUID(cfg.ProjectID) {
		p.Fail("account", ruleUUID)
	}
	if tokenEnv != "" && o.APIToken != "" {
		p.Fail("api_token_env", "conflicts with the API token set on the URLOpener: drop one")
	}
	if cfg.Space != "" && cfg.BaseURL != "" {
		p.Fail("space", "conflicts with base_url: set one or the other")
	}
	for _, c := range [...]Config{{BaseURL: cfg.BaseURL}, {Space: cfg.Space}} {
		if c != (Config{}) {
			if _, err := baseURL(c); err != nil {
				p.Add(urlparams.RenameField(err, paramOf))
			}
		}
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
	getenv := env.Get
	if cfg.Space == "" && cfg.BaseURL == "" {
		cfg.Space = getenv("space", EnvSpace, "or set the space parameter")
	}
	if cfg.ProjectID = cmp.Or(cfg.ProjectID, o.ProjectID); cfg.ProjectID == "" {
		cfg.ProjectID = getenv("account", EnvProjectID, "or set the account parameter")
	}
	if cfg.APIToken = o.APIToken; cfg.APIToken == "" {
		cfg.APIToken = getenv("api_token_env", cmp.Or(tokenEnv, EnvAPIToken), "")
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	c, err := New(cfg)
	if err != nil {
		return nil, urlparams.RenameField(err, paramOf)
	}
	return c, nil
}
