// Package urlparams reads the query of an adapter's opener URL
// (twilio://?region=ie1) for the adapter packages: it collects every
// problem, learns the accepted parameters from the ones read, and reads
// credentials from the environment variables the URL names.
package urlparams

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// Params reads the query of an opener URL for adapter packages. It collects
// every problem, so one error reports them all, and it learns the accepted
// parameters from the ones the adapter reads: Err reports any other as
// unknown, listing what is accepted.
type Params struct {
	provider string
	query    url.Values
	accepted []string
	errs     []error
}

// New starts reading u for provider. u must have no userinfo, host,
// path or fragment: settings go in the query, credentials nowhere in the URL.
func New(provider string, u *url.URL) *Params {
	p := &Params{provider: provider, query: url.Values{}}
	example := provider + "://?name=value"
	switch {
	case u.User != nil:
		p.Fail("url", "must not hold credentials; the adapter reads them from the environment")
	case u.Opaque != "" || u.Host != "" || (u.Path != "" && u.Path != "/"):
		p.Fail("url", "must have no host or path, only query parameters: "+example)
	case u.Fragment != "":
		p.Fail("url", "must not have a fragment: "+example)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		p.Fail("url", "has an invalid query: "+example)
	}
	for k, v := range q {
		p.query[k] = v
	}
	return p
}

// String returns the value of parameter name, or "" when it is absent or
// empty. Reading a parameter marks it accepted.
func (p *Params) String(name string) string {
	p.accepted = append(p.accepted, name)
	vs := p.query[name]
	if len(vs) > 1 {
		p.Fail(name, "is given more than once")
	}
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
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

// EnvName returns the environment variable that credential parameter name
// chooses (e.g. auth_token_env=EU_TWILIO_TOKEN), or "" when it is absent.
// A value that is no variable name is refused without being repeated.
func (p *Params) EnvName(name string) string {
	v := p.String(name)
	if v != "" && !envNamePattern.MatchString(v) {
		p.Fail(name, "must be an environment variable name (letters, digits and _, not starting with a digit); "+
			"the value is not repeated here, as it may be a credential")
	}
	return v
}

// Retry reads the retry parameters over base (nil: DefaultRetryPolicy). It
// returns base itself when none is given.
func (p *Params) Retry(base *driver.RetryPolicy) *driver.RetryPolicy {
	r := driver.DefaultRetryPolicy()
	if base != nil {
		r = *base
	}
	set := false
	if s := p.String(driver.ParamMaxRetries); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100 {
			p.Fail(driver.ParamMaxRetries, fmt.Sprintf("must be a whole number from 0 to 100, got %q", s))
		}
		r.MaxRetries, set = n, true
	}
	var minOK, maxOK bool // wait_min, wait_max given in the URL and valid
	for _, d := range [...]struct {
		name string
		v    *time.Duration
		ok   *bool
	}{{driver.ParamWaitMin, &r.WaitMin, &minOK}, {driver.ParamWaitMax, &r.WaitMax, &maxOK},
		{driver.ParamMaxRetryAfter, &r.MaxRetryAfter, new(bool)}} {
		v, given, ok := p.duration(d.name, false)
		if !given {
			continue
		}
		*d.ok = ok
		*d.v, set = v, true
	}
	if !set {
		return base
	}
	// Only a URL that gives both can contradict itself. Given alone, either
	// bound meets the base policy's other one as the client's defaults do:
	// a WaitMax below WaitMin (or left zero) is raised to WaitMin.
	if minOK && maxOK && r.WaitMax < r.WaitMin {
		p.Fail(driver.ParamWaitMax, fmt.Sprintf("must not be less than %s (%s)", driver.ParamWaitMin, r.WaitMin))
	}
	if r.MaxRetries == 0 {
		// max_retries=0 says no retries: the waits have nothing to bound
		// (and would make the policy fail RetryPolicy.Check).
		return &driver.RetryPolicy{}
	}
	return &r
}

// HTTPOptions returns base with the URL's HTTP parameters applied: the
// retry policy (over base.Retry) and the time bounds. Every opener reads
// them through here, so every adapter accepts all of them.
func (p *Params) HTTPOptions(base driver.Options) driver.Options {
	base.Retry = p.Retry(base.Retry)
	p.Timeouts(&base)
	return base
}

// Timeouts reads the time bound parameters into o (AttemptTimeout,
// Timeout); an absent parameter leaves o's value.
func (p *Params) Timeouts(o *driver.Options) {
	for _, d := range [...]struct {
		name string
		v    *time.Duration
	}{{driver.ParamAttemptTimeout, &o.AttemptTimeout}, {driver.ParamTimeout, &o.Timeout}} {
		if v, _, ok := p.duration(d.name, true); ok {
			*d.v = v
		}
	}
}

// duration reads parameter name as a Go duration: given reports whether it
// is set, ok whether it is valid (positive, or also zero when zeroOK); a
// problem is recorded otherwise.
func (p *Params) duration(name string, zeroOK bool) (v time.Duration, given, ok bool) {
	s := p.String(name)
	if s == "" {
		return 0, false, false
	}
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		p.Fail(name, fmt.Sprintf("invalid duration %q", s))
	case v < 0 && zeroOK:
		p.Fail(name, fmt.Sprintf("must not be negative (0: the default), got %q", s))
	case v <= 0 && !zeroOK:
		p.Fail(name, fmt.Sprintf("must be a positive duration, got %q", s))
	default:
		return v, true, true
	}
	return v, true, false
}

// Fail records a problem with parameter name.
func (p *Params) Fail(name, rule string) {
	p.errs = append(p.errs, driver.ConfigError(p.provider, name, rule))
}

// Add records err, e.g. an adapter check's error passed through RenameField.
func (p *Params) Add(err error) {
	if err != nil {
		p.errs = append(p.errs, err)
	}
}

// Err returns every problem recorded, joined, after reporting each
// parameter that was not read as unknown. Call it after the last read.
func (p *Params) Err() error {
	slices.Sort(p.accepted)
	p.accepted = slices.Compact(p.accepted)
	var unknown []string
	for k := range p.query {
		if !slices.Contains(p.accepted, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		p.Fail(k, "unknown parameter ("+p.provider+" accepts "+strings.Join(p.accepted, ", ")+")")
	}
	return errors.Join(p.errs...)
}

// RenameField returns err with the Field of its *participant.Error renamed
// by names (an adapter Config field to the URL parameter that sets it);
// other errors are returned as they are.
func RenameField(err error, names map[string]string) error {
	var pe *participant.Error
	if !errors.As(err, &pe) {
		return err
	}
	name, ok := names[pe.Field]
	if !ok {
		return err
	}
	c := *pe
	c.Field = name
	return &c
}

// Env reads several credentials from the environment for one provider,
// collecting every missing one, so one error reports them all.
type Env struct {
	Provider string
	errs     []error
}

// Get returns the value of variable name, recording a problem with param
// (and hint) when it is not set.
func (e *Env) Get(param, name, hint string) string {
	v, err := Getenv(e.Provider, param, name, hint)
	if err != nil {
		e.errs = append(e.errs, err)
	}
	return v
}

// Err joins the problems recorded, or returns nil.
func (e *Env) Err() error { return errors.Join(e.errs...) }

// Getenv returns the value of environment variable name, the one credential
// parameter param chose (or its default). An unset or empty variable is a
// ConfigError naming param and, when it has the conventional upper-case
// form, the variable; never a value. hint, if set, follows in parentheses.
func Getenv(provider, param, name, hint string) (string, error) {
	if v := os.Getenv(name); v != "" {
		return v, nil
	}
	msg := "environment variable " + name + " is not set"
	if !conventionalEnvName.MatchString(name) {
		msg = "the environment variable it names is not set (the name is not repeated here: " +
			"it is not in the usual upper-case form, so it may be a credential pasted in its place)"
	}
	if hint != "" {
		msg += " (" + hint + ")"
	}
	return "", driver.ConfigError(provider, param, msg)
}
