package bandwidth

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
	EnvAccountID = "BANDWIDTH_ACCOUNT_ID"
	EnvUsername  = "BANDWIDTH_USERNAME"
	EnvPassword  = "BANDWIDTH_PASSWORD"
)

func init() { providers.DefaultURLMux().RegisterUpdater(Scheme, new(URLOpener)) }

// URLOpener opens bandwidth:// URLs, e.g. "bandwidth://?account=9900000".
// Its query parameters are
//
//	account          account id (default: the AccountID field, else $BANDWIDTH_ACCOUNT_ID)
//	base_url         API root before /accounts, as in Config
//	max_retries, wait_min, wait_max, max_retry_after   retry policy
//	attempt_timeout, timeout   time bounds (Options.AttemptTimeout, Options.Timeout)
//	username_env, password_env
//	                 the environment variables to read instead of
//	                 $BANDWIDTH_USERNAME and $BANDWIDTH_PASSWORD
//
// Credentials never go in the URL: unless set on the URLOpener, they are
// read from the environment when opening. username_env or password_env with
// credentials set on the URLOpener is an error, not ignored. Printing a
// URLOpener with any fmt verb never shows the password.
type URLOpener struct {
	// AccountID, Username and Password, when set, are used instead of the
	// environment; the account parameter still wins over AccountID.
	AccountID string
	Username  string
	Password  string `json:"-"`
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
	o.Password = httpdriver.Redact(o.Password)
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(o))
}

// paramOf names the URL parameter behind each Config field, for errors.
var paramOf = map[string]string{"AccountID": "account", "Username": "username_env", "Password": "password_env",
	"BaseURL": "base_url"}

type urlSettings struct {
	cfg              Config
	userEnv, passEnv string
}

func (o *URLOpener) parse(u *url.URL) (urlSettings, error) {
	p := urlparams.New(Name, u)
	s := urlSettings{
		cfg:     Config{AccountID: p.String("account"), BaseURL: p.String("base_url"), Options: p.HTTPOptions(o.Options)},
		userEnv: p.EnvName("username_env"),
		passEnv: p.EnvName("password_env"),
	}
	if s.cfg.AccountID != "" && !IsAccountID(s.cfg.AccountID) {
		p.Fail("account", ruleAccount)
	}
	if o.Username != "" || o.Password != "" {
		for _, c := range [...]struct{ name, env string }{{"username_env", s.userEnv}, {"password_env", s.passEnv}} {
			if c.env != "" {
				p.Fail(c.name, "conflicts with the credentials set on the URLOpener: drop one")
			}
		}
	}
	if s.cfg.BaseURL != "" {
		p.Add(httpdriver.CheckBaseURL(Name, "base_url", s.cfg.BaseURL))
	}
	return s, p.Err()
}

// CheckUpdaterURL checks u's parameters without reading credentials.
func (o *URLOpener) CheckUpdaterURL(u *url.URL) error {
	_, err := o.parse(u)
	return err
}

// OpenUpdaterURL returns a *Client for u. Nothing is sent.
func (o *URLOpener) OpenUpdaterURL(_ context.Context, u *url.URL) (participant.Updater, error) {
	s, err := o.parse(u)
	if err != nil {
		return nil, err
	}
	cfg := s.cfg
	env := urlparams.Env{Provider: Name}
	getenv := env.Get
	cfg.AccountID = cmp.Or(cfg.AccountID, o.AccountID)
	if cfg.AccountID == "" {
		cfg.AccountID = getenv("account", EnvAccountID, "or set the account parameter")
	}
	if o.Username != "" || o.Password != "" {
		cfg.Username, cfg.Password = o.Username, o.Password
	} else {
		cfg.Username = getenv("username_env", cmp.Or(s.userEnv, EnvUsername), "")
		cfg.Password = getenv("password_env", cmp.Or(s.passEnv, EnvPassword), "")
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
