package settings

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carrierkit/carrierkit/driver"
)

// Values are one carrier's settings as given, typed: a URL's query
// (twilio://?region=ie1) or a config file's section. Each value keeps the
// place it was given, so every error names it from the start: the URL
// parameter, or a JSON path such as carriers.us.account.
type Values struct {
	// Params are the string parameters by name: account, base_url,
	// auth_token_env, …
	Params map[string]Value
	// Retry is the retry section; unset fields are not given.
	Retry Retry
	// AttemptTimeout and Timeout are the time bounds (nil: not given).
	AttemptTimeout, Timeout *Duration
	// PathOf names the place parameter name is (or would be) given, for
	// errors about a parameter that is absent; nil: the name itself.
	PathOf func(name string) string
}

// Value is one string parameter and where it was given.
type Value struct{ V, Path string }

// Duration is a duration and where it was given.
type Duration struct {
	D    time.Duration
	Path string
}

// Int is a whole number and where it was given.
type Int struct {
	N    int
	Path string
}

// Retry is a retry section as given; nil fields are not given.
type Retry struct {
	MaxRetries                      *Int
	WaitMin, WaitMax, MaxRetryAfter *Duration
}

func (v *Values) path(name string) string {
	if p, ok := v.Params[name]; ok {
		return p.Path
	}
	if v.PathOf != nil {
		return v.PathOf(name)
	}
	return name
}

// Given returns parameter name's value and whether it is given (and not
// empty).
func (v *Values) Given(name string) (string, bool) {
	p, ok := v.Params[name]
	return p.V, ok && p.V != ""
}

// Over returns the policy r gives over base (nil: driver.DefaultRetryPolicy),
// or base itself when r sets nothing. max_retries 0 is no retries at all.
func (r Retry) Over(base *driver.RetryPolicy) *driver.RetryPolicy {
	if r == (Retry{}) {
		return base
	}
	p := driver.DefaultRetryPolicy()
	if base != nil {
		p = *base
	}
	if r.MaxRetries != nil {
		p.MaxRetries = r.MaxRetries.N
	}
	for _, d := range [...]struct {
		from *Duration
		to   *time.Duration
	}{{r.WaitMin, &p.WaitMin}, {r.WaitMax, &p.WaitMax}, {r.MaxRetryAfter, &p.MaxRetryAfter}} {
		if d.from != nil {
			*d.to = d.from.D
		}
	}
	if p.MaxRetries == 0 {
		// No retries: the waits have nothing to bound (and would make the
		// policy fail RetryPolicy.Check).
		return &driver.RetryPolicy{}
	}
	return &p
}

// Check reports a retry section that contradicts itself. Only a section
// that gives both waits can: given alone, either meets the base policy's
// other one as the client's defaults do.
func (r Retry) Check(provider string) error {
	if r.WaitMin != nil && r.WaitMax != nil && r.WaitMax.D < r.WaitMin.D {
		return driver.ConfigError(provider, r.WaitMax.Path, fmt.Sprintf("must not be less than %s (%s)", driver.ParamWaitMin, r.WaitMin.D))
	}
	return nil
}

// ParseURL reads u's query into Values. u must have no userinfo, host,
// path or fragment: settings go in the query, credentials nowhere in the
// URL. Every problem is reported, joined; each names its parameter.
func ParseURL(provider string, u *url.URL) (*Values, error) {
	v := &Values{Params: map[string]Value{}}
	var errs []error
	fail := func(name, rule string) { errs = append(errs, driver.ConfigError(provider, name, rule)) }
	example := provider + "://?name=value"
	switch {
	case u.User != nil:
		fail("url", "must not hold credentials; the adapter reads them from the environment")
	case u.Opaque != "" || u.Host != "" || (u.Path != "" && u.Path != "/"):
		fail("url", "must have no host or path, only query parameters: "+example)
	case u.Fragment != "":
		fail("url", "must not have a fragment: "+example)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		fail("url", "has an invalid query: "+example)
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if len(q[name]) > 1 {
			fail(name, "is given more than once")
		}
		if s := q[name][0]; s != "" {
			errs = append(errs, v.Set(provider, name, s, name))
		}
	}
	errs = append(errs, v.Retry.Check(provider))
	return v, errors.Join(errs...)
}

// Set sets parameter name from its text s, given at path: a retry or time
// parameter is parsed into its type, any other is kept as a string. The
// CLI sets its flags over a carrier's settings with it.
func (v *Values) Set(provider, name, s, path string) error {
	switch name {
	case driver.ParamMaxRetries:
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100 {
			return driver.ConfigError(provider, path, fmt.Sprintf("must be a whole number from 0 to 100, got %q", s))
		}
		v.Retry.MaxRetries = &Int{n, path}
		return nil
	case driver.ParamWaitMin, driver.ParamWaitMax, driver.ParamMaxRetryAfter:
		d, err := ParseDuration(provider, path, s, false)
		switch name {
		case driver.ParamWaitMin:
			v.Retry.WaitMin = d
		case driver.ParamWaitMax:
			v.Retry.WaitMax = d
		default:
			v.Retry.MaxRetryAfter = d
		}
		return err
	case driver.ParamAttemptTimeout, driver.ParamTimeout:
		d, err := ParseDuration(provider, path, s, true)
		if name == driver.ParamTimeout {
			v.Timeout = d
		} else {
			v.AttemptTimeout = d
		}
		return err
	}
	if v.Params == nil {
		v.Params = map[string]Value{}
	}
	v.Params[name] = Value{s, path}
	return nil
}

// ParseDuration reads s as a Go duration given at path: positive, or also
// zero when zeroOK (a time bound's "the default"). It returns nil and the
// problem when s is not one.
func ParseDuration(provider, path, s string, zeroOK bool) (*Duration, error) {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return nil, driver.ConfigError(provider, path, fmt.Sprintf("invalid duration %q", s))
	case d < 0 && zeroOK:
		return nil, driver.ConfigError(provider, path, fmt.Sprintf("must not be negative (0: the default), got %q", s))
	case d <= 0 && !zeroOK:
		return nil, driver.ConfigError(provider, path, fmt.Sprintf("must be a positive duration, got %q", s))
	}
	return &Duration{d, path}, nil
}

// apply sets the HTTP settings v gives over base: the retry policy (over
// base.Retry) and the time bounds.
func (v *Values) apply(base driver.Options) driver.Options {
	base.Retry = v.Retry.Over(base.Retry)
	if v.AttemptTimeout != nil {
		base.AttemptTimeout = v.AttemptTimeout.D
	}
	if v.Timeout != nil {
		base.Timeout = v.Timeout.D
	}
	return base
}

// String returns v as URL query text, sorted. It never holds a secret:
// credentials are given as the names of their variables.
func (v *Values) String() string {
	q := url.Values{}
	for k, p := range v.Params {
		q.Set(k, p.V)
	}
	if r := v.Retry; r.MaxRetries != nil {
		q.Set(driver.ParamMaxRetries, strconv.Itoa(r.MaxRetries.N))
	}
	for name, d := range map[string]*Duration{driver.ParamWaitMin: v.Retry.WaitMin, driver.ParamWaitMax: v.Retry.WaitMax,
		driver.ParamMaxRetryAfter: v.Retry.MaxRetryAfter, driver.ParamAttemptTimeout: v.AttemptTimeout, driver.ParamTimeout: v.Timeout} {
		if d != nil {
			q.Set(name, d.D.String())
		}
	}
	return q.Encode()
}

var (
	envNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// conventionalEnvName is the upper-case form environment variable
	// names take by convention. Errors repeat only a name of this form: a
	// value of any other form may be a credential pasted where the name of
	// its variable belongs (Twilio tokens are lower-case hex, Telnyx keys
	// mixed case), and credentials never go in an error.
	conventionalEnvName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,63}$`)
)

// isEnvParam reports whether parameter name names an environment variable.
func isEnvParam(name string) bool { return strings.HasSuffix(name, "_env") }
