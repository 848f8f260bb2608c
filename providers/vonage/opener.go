package vonage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
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

// The environment variables URLOpener reads by default: the application
// id, and the private key as PEM text or, when that is unset, a PEM file.
const (
	EnvApplicationID  = "VONAGE_APPLICATION_ID"
	EnvPrivateKey     = "VONAGE_PRIVATE_KEY"
	EnvPrivateKeyPath = "VONAGE_PRIVATE_KEY_PATH"
)

func init() { providers.DefaultURLMux().RegisterUpdater(Scheme, new(URLOpener)) }

// URLOpener opens vonage:// URLs, e.g. "vonage://?account=…&region=eu".
// Its query parameters are
//
//	account            the application id (default: the field, else $VONAGE_APPLICATION_ID)
//	region             "", us, eu or ap (the host), as in Config
//	base_url           the host, overriding region
//	private_key_file   a PEM file holding the private key
//	private_key_env    the variable holding the PEM instead of $VONAGE_PRIVATE_KEY
//	max_retries, wait_min, wait_max, max_retry_after, attempt_timeout, timeout
//
// The key itself never goes in the URL: it is the URLOpener's PrivateKey,
// else the file named, else $VONAGE_PRIVATE_KEY, else the file
// $VONAGE_PRIVATE_KEY_PATH names. Printing a URLOpener never shows it.
type URLOpener struct {
	ApplicationID string
	PrivateKey    []byte `json:"-"`
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
	if len(o.PrivateKey) > 0 {
		o.PrivateKey = []byte(httpdriver.Redact("key"))
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(o))
}

type settings struct {
	cfg          Config
	file, keyEnv string
}

func (o *URLOpener) parse(u *url.URL) (settings, error) {
	p := urlparams.New(Name, u)
	s := settings{cfg: Config{ApplicationID: p.String("account"), Region: p.String("region"),
		BaseURL: p.String("base_url"), Options: p.HTTPOptions(o.Options)},
		file: p.String("private_key_file"), keyEnv: p.EnvName("private_key_env")}
	if s.cfg.ApplicationID != "" && !httpdriver.IsUUID(s.cfg.ApplicationID) {
		p.Fail("account", ruleUUID)
	}
	if Hosts[s.cfg.Region] == "" {
		p.Fail("region", `must be "", "us", "eu" or "ap"`)
	}
	if s.file != "" && s.keyEnv != "" || (s.file != "" || s.keyEnv != "") && len(o.PrivateKey) > 0 {
		p.Fail("private_key_file", "give the key one way: the URLOpener's PrivateKey, private_key_file or private_key_env")
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
	cfg, env := s.cfg, urlparams.Env{Provider: Name}
	if cfg.ApplicationID = cmp.Or(cfg.ApplicationID, o.ApplicationID); cfg.ApplicationID == "" {
		cfg.ApplicationID = env.Get("account", EnvApplicationID, "or set the application_id parameter")
	}
	cfg.PrivateKey = o.PrivateKey
	file := s.file
	switch {
	case len(cfg.PrivateKey) > 0, file != "":
	case s.keyEnv != "":
		cfg.PrivateKey = []byte(env.Get("private_key_env", s.keyEnv, ""))
	case os.Getenv(EnvPrivateKey) != "":
		cfg.PrivateKey = []byte(os.Getenv(EnvPrivateKey))
	default:
		file = env.Get("private_key_file", EnvPrivateKeyPath, "or set "+EnvPrivateKey+" to the PEM, or the private_key_file parameter")
	}
	if file != "" {
		if strings.Contains(file, "-----BEGIN") {
			return nil, driver.ConfigError(Name, "private_key_file", "must name a PEM file, not hold the key") // never echoed
		}
		if cfg.PrivateKey, err = os.ReadFile(file); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is the caller's own: not repeated
			}
			return nil, driver.ConfigError(Name, "private_key_file", "cannot be read: "+err.Error())
		}
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	c, err := New(cfg)
	if err != nil {
		return nil, urlparams.RenameField(err, map[string]string{"ApplicationID": "account", "Region": "region",
			"BaseURL": "base_url", "PrivateKey": "private_key_file"})
	}
	return c, nil
}
