package twilio

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/url"
	"os"
	"strings"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/internal/urlparams"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// Scheme is the URL scheme the adapter registers with providers.DefaultURLMux.
const Scheme = Name

// The environment variables URLOpener reads credentials from by default.
const (
	EnvAccountSID = "TWILIO_ACCOUNT_SID"
	EnvAuthToken  = "TWILIO_AUTH_TOKEN"
	EnvAPIKey     = "TWILIO_API_KEY"
	EnvAPISecret  = "TWILIO_API_SECRET"
	// EnvRegion and EnvEdge choose the regional endpoint when the URL sets
	// neither base_url nor the parameter itself, as in Twilio's own SDKs.
	EnvRegion = "TWILIO_REGION"
	EnvEdge   = "TWILIO_EDGE"
)

func init() { providers.DefaultURLMux().RegisterUpdater(Scheme, new(URLOpener)) }

// URLOpener opens twilio:// URLs, e.g. "twilio://?region=ie1&edge=dublin".
// Its query parameters are
//
//	account          account SID (default: the AccountSID field, else $TWILIO_ACCOUNT_SID)
//	region, edge     regional endpoint, as in Config (default: $TWILIO_REGION, $TWILIO_EDGE
//	                 when base_url is not given)
//	base_url         API root before /2010-04-01, as in Config
//	max_retries, wait_min, wait_max, max_retry_after   retry policy
//	attempt_timeout, timeout   time bounds (Options.AttemptTimeout, Options.Timeout)
//	account_sid_env, auth_token_env, api_key_env, api_secret_env
//	                 the environment variables to read instead of the defaults
//
// Credentials never go in the URL. Unless set on the URLOpener, they are
// read when opening: $TWILIO_API_KEY and $TWILIO_API_SECRET when
// TWILIO_API_KEY is set (or api_key_env is given), else $TWILIO_AUTH_TOKEN.
// A parameter that would be ignored is an error instead: account_sid_env
// with account or with the AccountSID field, and auth_token_env,
// api_key_env or api_secret_env when the URLOpener holds credentials.
// Printing a URLOpener with any fmt verb never shows a secret.
type URLOpener struct {
	// AccountSID, AuthToken, APIKeySID and APISecret, when set, are used
	// instead of the environment; the account parameter still wins over
	// AccountSID.
	AccountSID string
	AuthToken  string `json:"-"`
	APIKeySID  string
	APISecret  string `json:"-"`
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

// Format prints o with its secrets redacted, for every verb.
func (o URLOpener) Format(f fmt.State, verb rune) {
	type plain URLOpener
	o.AuthToken, o.APISecret = httpdriver.Redact(o.AuthToken), httpdriver.Redact(o.APISecret)
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(o))
}

// paramOf names the URL parameter behind each Config field, for errors.
var paramOf = map[string]string{
	"AccountSID": "account", "AuthToken": "auth_token_env", "APIKeySID": "api_key_env",
	"APISecret": "api_secret_env", "Region": "region", "Edge": "edge", "BaseURL": "base_url",
}

// urlSettings is what a twilio:// URL says; credentials are read later.
type urlSettings struct {
	cfg                                     Config
	accountEnv, tokenEnv, keyEnv, secretEnv string
}

func (o *URLOpener) parse(u *url.URL) (urlSettings, error) {
	p := urlparams.New(Name, u)
	s := urlSettings{
		cfg: Config{AccountSID: p.String("account"), Region: p.String("region"), Edge: p.String("edge"),
			BaseURL: p.String("base_url"), Options: p.HTTPOptions(o.Options)},
		accountEnv: p.EnvName("account_sid_env"),
		tokenEnv:   p.EnvName("auth_token_env"),
		keyEnv:     p.EnvName("api_key_env"),
		secretEnv:  p.EnvName("api_secret_env"),
	}
	if s.cfg.AccountSID != "" && !IsSID(s.cfg.AccountSID, "AC") {
		p.Fail("account", `must match ^AC[0-9a-fA-F]{32}$`)
	}
	if s.tokenEnv != "" && (s.keyEnv != "" || s.secretEnv != "") {
		p.Fail("auth_token_env", "set auth_token_env or api_key_env and api_secret_env, not both")
	}
	// A parameter that would be ignored is reported, as unknown ones are.
	switch {
	case s.accountEnv == "":
	case s.cfg.AccountSID != "":
		p.Fail("account_sid_env", "conflicts with account: set one or the other")
	case o.AccountSID != "":
		p.Fail("account_sid_env", "conflicts with the account SID set on the URLOpener: drop one")
	}
	if o.AuthToken != "" || o.APIKeySID != "" || o.APISecret != "" {
		for _, c := range [...]struct{ name, env string }{
			{"auth_token_env", s.tokenEnv}, {"api_key_env", s.keyEnv}, {"api_secret_env", s.secretEnv}} {
			if c.env != "" {
				p.Fail(c.name, "conflicts with the credentials set on the URLOpener: drop one")
			}
		}
	}
	// Check each endpoint setting on its own, so every bad one is reported.
	// Whether a region needs an edge is known only when opening, after
	// TWILIO_EDGE is read.
	if s.cfg.BaseURL != "" {
		p.Add(urlparams.RenameField(httpdriver.CheckBaseURL(Name, "BaseURL", s.cfg.BaseURL), paramOf))
	}
	p.Add(urlparams.RenameField(labelError("Region", s.cfg.Region), paramOf))
	p.Add(urlparams.RenameField(labelError("Edge", s.cfg.Edge), paramOf))
	return s, p.Err()
}

// CheckUpdaterURL checks u's parameters without reading credentials.
func (o *URLOpener) CheckUpdaterURL(u *url.URL) error {
	_, err := o.parse(u)
	return err
}

// LocateUpdaterURL returns the API root u reaches and its Twilio region:
// the region parameter (us1 by default), or the region in a base_url on
// twilio.com (api.twilio.com is us1, api.{region}.twilio.com and
// api.{edge}.{region}.twilio.com name theirs); "" for other hosts.
func (o *URLOpener) LocateUpdaterURL(u *url.URL) (root, region string, err error) {
	s, err := o.parse(u)
	if err != nil {
		return "", "", err
	}
	root, err = baseURL(s.cfg)
	if err != nil {
		return "", "", err
	}
	return root, RegionOf(root), nil
}

// RegionOf returns the Twilio region an API root on twilio.com reaches, or
// "" for any other host.
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

// OpenUpdaterURL returns a *Client for u. Nothing is sent.
func (o *URLOpener) OpenUpdaterURL(_ context.Context, u *url.URL) (participant.Updater, error) {
	s, err := o.parse(u)
	if err != nil {
		return nil, err
	}
	cfg := s.cfg
	env := urlparams.Env{Provider: Name}
	getenv := env.Get
	names := paramOf
	cfg.AccountSID = cmp.Or(cfg.AccountSID, o.AccountSID)
	if cfg.AccountSID == "" {
		cfg.AccountSID = getenv("account_sid_env", cmp.Or(s.accountEnv, EnvAccountSID), "or set the account parameter")
		names = maps.Clone(paramOf)
		names["AccountSID"] = "account_sid_env"
	}
	if cfg.BaseURL == "" {
		for _, e := range [...]struct {
			field, env string
			v          *string
		}{{"Region", EnvRegion, &cfg.Region}, {"Edge", EnvEdge, &cfg.Edge}} {
			if *e.v == "" {
				if *e.v = os.Getenv(e.env); *e.v != "" {
					names = maps.Clone(names)
					names[e.field] = e.env
				}
			}
		}
		if names["Region"] == EnvRegion && cfg.Edge == "" {
			names["Edge"] = EnvEdge // the region came from the environment: so may the edge
		}
	}
	switch {
	case o.AuthToken != "" || o.APIKeySID != "" || o.APISecret != "":
		cfg.AuthToken, cfg.APIKeySID, cfg.APISecret = o.AuthToken, o.APIKeySID, o.APISecret
	case s.tokenEnv == "" && (s.keyEnv != "" || s.secretEnv != "" || os.Getenv(EnvAPIKey) != ""):
		cfg.APIKeySID = getenv("api_key_env", cmp.Or(s.keyEnv, EnvAPIKey), "")
		cfg.APISecret = getenv("api_secret_env", cmp.Or(s.secretEnv, EnvAPISecret), "")
	case s.tokenEnv != "":
		cfg.AuthToken = getenv("auth_token_env", s.tokenEnv, "")
	default:
		cfg.AuthToken = getenv("auth_token_env", EnvAuthToken, "or set "+EnvAPIKey+" and "+EnvAPISecret)
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	c, err := New(cfg)
	if err != nil {
		return nil, urlparams.RenameField(err, names)
	}
	return c, nil
}
