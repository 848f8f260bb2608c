// Package config loads a JSON file that names several carriers and opens
// them all at once, so that switching carriers is an edit to the file:
//
//	{
//	  "carriers": {
//	    "us": {
//	      "provider": "twilio",
//	      "account": "AC0123456789abcdef0123456789abcdef",
//	      "credentials": {"auth_token_env": "US_TWILIO_AUTH_TOKEN"},
//	      "retry": {"max_retries": 3, "wait_min": "100ms", "wait_max": "2s", "max_retry_after": "30s"},
//	      "timeouts": {"attempt_timeout": "15s", "timeout": "60s"}
//	    },
//	    "eu": {"provider": "twilio", "region": "ie1", "edge": "dublin", "account": "AC…",
//	           "credentials": {"api_key_env": "EU_TWILIO_KEY", "api_secret_env": "EU_TWILIO_SECRET"}},
//	    "telnyx": {"provider": "texml", "account": "…", "base_url": "https://api.telnyx.com/v2",
//	               "credentials": {"api_key_env": "TELNYX_API_KEY"}}
//	  }
//	}
//
// A carrier is its provider's URL (see providers.Open) written as JSON: the
// provider is the scheme; "credentials" holds the *_env parameters, which
// name environment variables (secrets never go in the file); "retry" holds
// the retry parameters (max_retries a number, the others Go durations);
// "timeouts" holds the time bounds (attempt_timeout, timeout: Go durations);
// every other key is a string parameter of the provider, such as account,
// base_url, region or edge.
//
// Load checks everything it can without reading credentials, through each
// provider's opener, and reports every problem with its JSON path in one
// *Error. Open reads the credentials and opens every carrier.
package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// Config is a loaded, checked config file.
type Config struct {
	// Carriers are the file's carriers by name.
	Carriers map[string]*Carrier
	// Coordination is the "coordination" section; nil when absent (each
	// instance keeps its limits to itself).
	Coordination *Coordination

	file string
	mux  *providers.URLMux
}

// Carrier is one entry of the file.
type Carrier struct {
	Name     string
	Provider string
	// Params are the provider's URL query parameters, flattened out of
	// "credentials" and "retry": account, base_url, auth_token_env,
	// wait_min, …
	Params map[string]string
	// Endpoints are the API roots a router fails over between, in order,
	// from "endpoints" (roots) or "edges" (Twilio edges of "region"). Empty
	// when the carrier has one root (base_url, region and edge, or the
	// provider's default).
	Endpoints []Endpoint
	// Breaker and AttemptTimeout are the router's settings, from
	// "breaker" and "failover"; zero values mean the router's defaults.
	Breaker        Breaker
	AttemptTimeout time.Duration
}

// Endpoint is one entry of a carrier's "endpoints" or "edges".
type Endpoint struct {
	// Path is its JSON path, e.g. carriers.us.endpoints[1].
	Path string
	// Param and Value are the URL parameter it sets: base_url=root or
	// edge=name.
	Param, Value string
}

// Breaker is a carrier's "breaker" section: {"failures": 5, "cool_down":
// "30s", "probes": 1}.
type Breaker struct {
	// Failures is how many consecutive unhealthy-endpoint failures open an
	// endpoint's breaker.
	Failures int
	// CoolDown is how long an open breaker waits before probing.
	CoolDown time.Duration
	// Probes is how many requests a half-open breaker lets through.
	Probes int
}

// URL returns the carrier as its provider's URL, e.g.
// twilio://?account=AC…&auth_token_env=US_TWILIO_AUTH_TOKEN; for a carrier
// with several endpoints, the first one's.
func (c *Carrier) URL() *url.URL {
	if len(c.Endpoints) > 0 {
		return c.endpointURL(0, nil)
	}
	return c.urlWith(nil)
}

// endpointURL returns the URL of endpoint i, with override set over the
// file's parameters.
func (c *Carrier) endpointURL(i int, override map[string]string) *url.URL {
	u := c.urlWith(override)
	q := u.Query()
	q.Set(c.Endpoints[i].Param, c.Endpoints[i].Value)
	u.RawQuery = q.Encode()
	return u
}

func (c *Carrier) urlWith(override map[string]string) *url.URL {
	q := make(url.Values, len(c.Params)+len(override))
	for k, v := range c.Params {
		q.Set(k, v)
	}
	for k, v := range override {
		q.Set(k, v)
	}
	return &url.URL{Scheme: c.Provider, RawQuery: q.Encode()}
}

// String returns the URL as text; it never holds a secret.
func (c *Carrier) String() string { return c.Provider + "://?" + c.URL().RawQuery }

// path returns the JSON path of the key that sets URL parameter param.
func (c *Carrier) path(param string) string {
	base := "carriers." + c.Name
	switch {
	case param == "scheme":
		return base + ".provider"
	case param == "url" || param == "":
		return base
	case strings.HasSuffix(param, "_env"):
		return base + ".credentials." + param
	case slices.Contains(driver.RetryParams(), param):
		return base + ".retry." + param
	case slices.Contains(driver.TimeoutParams(), param):
		return base + ".timeouts." + param
	}
	return base + "." + param
}

// Error reports every problem found in a config file. Each problem is a
// *participant.Error with CodeInvalidArgument and Op "config" whose Field
// is the JSON path, e.g. carriers.eu.retry.wait_min, so errors.Is(err,
// participant.ErrInvalidArgument) holds. Error never shows a secret.
type Error struct {
	File     string
	Problems []*participant.Error
}

// Error returns one line: the file, then each problem as "path: message",
// separated by "; ".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("config")
	if e.File != "" {
		b.WriteString(" " + e.File)
	}
	b.WriteString(": ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Field != "" {
			b.WriteString(p.Field + ": ")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// problems collects what is wrong, in the order found.
type problems struct{ list []*participant.Error }

func (ps *problems) fail(path, msg string) {
	ps.list = append(ps.list, &participant.Error{Code: participant.CodeInvalidArgument, Op: "config",
		Field: path, Message: msg})
}

// add records an opener's error (possibly joined), each problem moved to
// the JSON path of the parameter it names.
func (ps *problems) add(c *Carrier, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			ps.add(c, e)
		}
		return
	}
	var pe *participant.Error
	if !errors.As(err, &pe) {
		ps.fail(c.path(""), err.Error())
		return
	}
	moved := *pe
	moved.Code, moved.Op, moved.Field = participant.CodeInvalidArgument, "config", c.path(pe.Field)
	ps.list = append(ps.list, &moved)
}

func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	slices.SortStableFunc(ps.list, func(a, b *participant.Error) int { return strings.Compare(a.Field, b.Field) })
	return &Error{File: file, Problems: ps.list}
}

// LoadFile reads and checks the config file at path; see Load.
func LoadFile(path string, mux *providers.URLMux) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		var ps problems
		ps.fail("", "cannot read: "+err.Error())
		return nil, ps.err(path)
	}
	return parse(data, path, mux)
}

// Load reads a config file from r and checks it against mux's providers
// (nil: providers.DefaultURLMux(); import the adapters to register them).
// Nothing is opened and no credential is read. On failure the error is an
// *Error listing every problem.
func Load(r io.Reader, mux *providers.URLMux) (*Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return parse(data, "", mux)
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

func parse(data []byte, file string, mux *providers.URLMux) (*Config, error) {
	if mux == nil {
		mux = providers.DefaultURLMux()
	}
	cfg := &Config{Carriers: map[string]*Carrier{}, file: file, mux: mux}
	var ps problems
	top, ok := ps.object("", data)
	if !ok {
		if err := json.Unmarshal(data, new(any)); err != nil {
			ps.list = ps.list[:0]
			ps.fail("", syntaxError(data, err))
		}
		return nil, ps.err(file)
	}
	for _, key := range sortedKeys(top) {
		switch key {
		case "carriers":
		case "coordination":
			cfg.Coordination = ps.coordination(top[key])
		default:
			ps.fail(key, "unknown key (accepted: carriers, coordination)")
		}
	}
	carriers, ok := top["carriers"]
	if !ok {
		ps.fail("carriers", "is required: an object of carriers by name")
		return nil, ps.err(file)
	}
	entries, ok := ps.object("carriers", carriers)
	if ok && len(entries) == 0 {
		ps.fail("carriers", "names no carrier")
	}
	for _, name := range sortedKeys(entries) {
		if !namePattern.MatchString(name) {
			ps.fail("carriers."+name, "carrier names are letters, digits, _ and -")
			continue
		}
		if c := ps.carrier(name, entries[name], mux); c != nil {
			cfg.Carriers[name] = c
		}
	}
	if err := ps.err(file); err != nil {
		return nil, err
	}
	return cfg, nil
}

// carrier reads one entry, then has its provider's opener check it.
func (ps *problems) carrier(name string, raw json.RawMessage, mux *providers.URLMux) *Carrier {
	c := &Carrier{Name: name, Params: map[string]string{}}
	obj, ok := ps.object(c.path(""), raw)
	if !ok {
		return nil
	}
	before := len(ps.list)
	for _, key := range sortedKeys(obj) {
		v, path := obj[key], c.path("")+"."+key
		switch {
		case key == "provider":
			if c.Provider, ok = ps.str(path, v); ok && c.Provider == "" {
				ps.fail(path, "must not be empty")
			}
		case key == "credentials":
			ps.section(path, v, func(k, p string, v json.RawMessage) {
				if !strings.HasSuffix(k, "_env") {
					ps.fail(p, "credentials name environment variables: keys end in _env, e.g. auth_token_env")
				} else if s, ok := ps.str(p, v); ok {
					c.Params[k] = s
				}
			})
		case key == "retry":
			ps.section(path, v, func(k, p string, v json.RawMessage) {
				switch {
				case !slices.Contains(driver.RetryParams(), k):
					ps.fail(p, "unknown key (accepted: "+strings.Join(driver.RetryParams(), ", ")+")")
				case k == driver.ParamMaxRetries:
					if jsonKind(v) != '0' {
						ps.fail(p, "must be a number")
					} else {
						c.Params[k] = string(bytes.TrimSpace(v))
					}
				default:
					if s, ok := ps.str(p, v); ok {
						c.Params[k] = s
					}
				}
			})
		case key == "timeouts":
			ps.section(path, v, func(k, p string, v json.RawMessage) {
				if !slices.Contains(driver.TimeoutParams(), k) {
					ps.fail(p, "unknown key (accepted: "+strings.Join(driver.TimeoutParams(), ", ")+")")
				} else if s, ok := ps.str(p, v); ok {
					c.Params[k] = s
				}
			})
		case key == "endpoints" || key == "edges":
			param := map[string]string{"endpoints": "base_url", "edges": "edge"}[key]
			for i, v := range ps.strings(path, v) {
				c.Endpoints = append(c.Endpoints, Endpoint{Path: path + "[" + strconv.Itoa(i) + "]", Param: param, Value: v})
			}
		case key == "breaker":
			ps.section(path, v, func(k, p string, v json.RawMessage) {
				switch k {
				case "failures":
					c.Breaker.Failures = ps.positive(p, v)
				case "probes":
					c.Breaker.Probes = ps.positive(p, v)
				case "cool_down":
					c.Breaker.CoolDown = ps.duration(p, v)
				default:
					ps.fail(p, "unknown key (accepted: cool_down, failures, probes)")
				}
			})
		case key == "failover":
			ps.section(path, v, func(k, p string, v json.RawMessage) {
				if k != "attempt_timeout" {
					ps.fail(p, "unknown key (accepted: attempt_timeout)")
					return
				}
				c.AttemptTimeout = ps.duration(p, v)
			})
		case strings.HasSuffix(key, "_env"):
			ps.fail(path, "belongs in credentials")
		case slices.Contains(driver.RetryParams(), key):
			ps.fail(path, "belongs in retry")
		case slices.Contains(driver.TimeoutParams(), key):
			ps.fail(path, "belongs in timeouts")
		default:
			if s, ok := ps.str(path, v); ok {
				c.Params[key] = s
			}
		}
	}
	registered := "(registered: " + strings.Join(mux.Schemes(), ", ") + ")"
	_, given := obj["provider"]
	switch {
	case !given:
		ps.fail(c.path("scheme"), "is required "+registered)
	case c.Provider == "":
	case !mux.ValidUpdaterScheme(c.Provider):
		ps.fail(c.path("scheme"), fmt.Sprintf("unknown provider %q %s", c.Provider, registered))
	default:
		ps.endpointConflicts(c, obj)
		if err := mux.CheckUpdaterURL(c.urlWith(nil)); err != nil {
			ps.add(c, err)
		}
		ps.endpoints(c, mux)
	}
	if len(ps.list) > before {
		return nil
	}
	return c
}

// endpointConflicts reports keys that would be ignored next to
// "endpoints" or "edges".
func (ps *problems) endpointConflicts(c *Carrier, obj map[string]json.RawMessage) {
	base := c.path("")
	_, roots := obj["endpoints"]
	_, edges := obj["edges"]
	switch {
	case roots && edges:
		ps.fail(base+".edges", "set endpoints (API roots) or edges (within region), not both")
	case roots:
		for _, k := range []string{"base_url", "edge", "region"} {
			if _, ok := obj[k]; ok {
				ps.fail(base+"."+k, "conflicts with endpoints: list every API root in endpoints")
			}
		}
	case edges:
		for _, k := range []string{"base_url", "edge"} {
			if _, ok := obj[k]; ok {
				ps.fail(base+"."+k, "conflicts with edges: list every edge in edges")
			}
		}
	}
	if (roots || edges) && len(c.Endpoints) == 0 {
		key := "endpoints"
		if edges {
			key = "edges"
		}
		ps.fail(base+"."+key, "must list at least one")
	}
}

// endpoints checks each endpoint's root, and that all of a carrier's
// endpoints reach one region.
func (ps *problems) endpoints(c *Carrier, mux *providers.URLMux) {
	firstRegion, firstPath := "", ""
	for i, e := range c.Endpoints {
		u := c.endpointURL(i, nil)
		if err := mux.CheckUpdaterURL(u); err != nil {
			// Problems of the other parameters were reported once, above.
			for _, pe := range flatten(err) {
				if pe.Field == e.Param || pe.Field == "region" {
					moved := *pe
					moved.Code, moved.Op, moved.Field = participant.CodeInvalidArgument, "config", e.Path
					ps.list = append(ps.list, &moved)
				}
			}
			continue
		}
		_, region, _, err := mux.LocateUpdaterURL(u)
		switch {
		case err != nil || region == "":
		case firstRegion == "":
			firstRegion, firstPath = region, e.Path
		case region != firstRegion:
			ps.fail(e.Path, fmt.Sprintf("reaches region %s but %s reaches %s: a call lives in one region and "+
				"cannot be reached through another, so a carrier's endpoints must share one (make one carrier per region)",
				region, firstPath, firstRegion))
		}
	}
}

// flatten returns the *participant.Error values in err (joined or not).
func flatten(err error) []*participant.Error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*participant.Error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	var pe *participant.Error
	if errors.As(err, &pe) {
		return []*participant.Error{pe}
	}
	return nil
}

// strings reads an array of non-empty strings.
func (ps *problems) strings(path string, raw json.RawMessage) []string {
	var items []json.RawMessage
	if jsonKind(raw) != '[' || json.Unmarshal(raw, &items) != nil {
		ps.fail(path, "must be an array of strings")
		return nil
	}
	var out []string
	for i, item := range items {
		p := path + "[" + strconv.Itoa(i) + "]"
		if s, ok := ps.str(p, item); ok && s == "" {
			ps.fail(p, "must not be empty")
		} else if ok {
			out = append(out, s)
		}
	}
	return out
}

// maxCount is the largest count the router's breaker takes: gobreaker
// counts in uint32, and the setting is an int (32 bits on some platforms).
const maxCount = min(math.MaxUint32, math.MaxInt)

// positive reads a positive integer the router's breaker can count
// (a larger one would wrap around).
func (ps *problems) positive(path string, raw json.RawMessage) int {
	n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if jsonKind(raw) != '0' || err != nil || n < 1 || n > maxCount {
		ps.fail(path, "must be a positive whole number up to "+strconv.FormatInt(maxCount, 10))
		return 0
	}
	return int(n)
}

// duration reads a positive Go duration string, e.g. "30s".
func (ps *problems) duration(path string, raw json.RawMessage) time.Duration {
	s, ok := ps.str(path, raw)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		ps.fail(path, "must be a positive Go duration, e.g. 500ms or 30s")
		return 0
	}
	return d
}

// section reads an object of settings, calling f for each key in order.
func (ps *problems) section(path string, raw json.RawMessage, f func(key, path string, v json.RawMessage)) {
	obj, _ := ps.object(path, raw)
	for _, k := range sortedKeys(obj) {
		f(k, path+"."+k, obj[k])
	}
}

func (ps *problems) object(path string, raw json.RawMessage) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if jsonKind(raw) != '{' || json.Unmarshal(raw, &m) != nil {
		ps.fail(path, "must be a JSON object")
		return nil, false
	}
	return m, true
}

func (ps *problems) str(path string, raw json.RawMessage) (string, bool) {
	var s string
	if jsonKind(raw) != '"' || json.Unmarshal(raw, &s) != nil {
		ps.fail(path, "must be a string")
		return "", false
	}
	return s, true
}

// jsonKind returns the first byte of a JSON value ('{', '[', '"', 't',
// 'f', 'n' for null), or '0' for any number.
func jsonKind(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return 0
	case raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9':
		return '0'
	}
	return raw[0]
}

// syntaxError describes a JSON syntax error with its line and column.
func syntaxError(data []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return "invalid JSON: " + err.Error()
	}
	before := data[:min(int(se.Offset), len(data))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col-1, strings.TrimPrefix(se.Error(), "json: "))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Names returns the carriers' names, sorted.
func (c *Config) Names() []string { return sortedKeys(c.Carriers) }

// Open reads every carrier's credentials and opens it. It returns every
// problem (an unset environment variable, a malformed credential) in one
// *Error, each at the JSON path that would fix it.
func (c *Config) Open(ctx context.Context) (map[string]*carrierkit.Client, error) {
	out := make(map[string]*carrierkit.Client, len(c.Carriers))
	var ps problems
	for _, name := range c.Names() {
		cr := c.Carriers[name]
		u, err := c.mux.OpenUpdaterURL(ctx, cr.URL())
		if err != nil {
			ps.add(cr, err)
			continue
		}
		out[name] = u
	}
	if err := ps.err(c.file); err != nil {
		return nil, err
	}
	return out, nil
}

// OpenedEndpoint is one endpoint of a carrier, opened.
type OpenedEndpoint struct {
	// Name is the host of the API root the endpoint reaches, e.g.
	// api.dublin.ie1.twilio.com, for one endpoint as for several;
	// PROVIDER-N (the Nth endpoint) only where neither the provider nor
	// the file's base_url tells the root.
	Name    string
	Updater *carrierkit.Client
}

// OpenEndpoints opens one adapter per endpoint of carrier name (one for a
// carrier with a single root), with the URL parameters in override set over
// the file's: a router passes max_retries=0, as it does the retrying.
func (c *Config) OpenEndpoints(ctx context.Context, name string, override map[string]string) ([]OpenedEndpoint, error) {
	cr, ok := c.Carriers[name]
	var ps problems
	if !ok {
		ps.fail("carriers", fmt.Sprintf("has no carrier %q (the file names %s)", name, strings.Join(c.Names(), ", ")))
		return nil, ps.err(c.file)
	}
	urls := []*url.URL{cr.urlWith(override)}
	if len(cr.Endpoints) > 0 {
		urls = urls[:0]
		for i := range cr.Endpoints {
			urls = append(urls, cr.endpointURL(i, override))
		}
	}
	out := make([]OpenedEndpoint, 0, len(urls))
	for i, u := range urls {
		up, err := c.mux.OpenUpdaterURL(ctx, u)
		if err != nil {
			ps.add(cr, err)
			return nil, ps.err(c.file)
		}
		ep := OpenedEndpoint{Name: cr.Provider + "-" + strconv.Itoa(i+1), Updater: up}
		root := u.Query().Get("base_url") // the root, where the provider cannot locate it
		if r, _, ok, err := c.mux.LocateUpdaterURL(u); ok && err == nil {
			root = r
		}
		if root != "" {
			ep.Name = root
			if pu, err := url.Parse(root); err == nil && pu.Host != "" {
				ep.Name = pu.Host
			}
		}
		out = append(out, ep)
	}
	return out, nil
}

// OpenCarrier opens the carrier name only.
func (c *Config) OpenCarrier(ctx context.Context, name string) (*carrierkit.Client, error) {
	cr, ok := c.Carriers[name]
	var ps problems
	if !ok {
		ps.fail("carriers", fmt.Sprintf("has no carrier %q (the file names %s)", name, strings.Join(c.Names(), ", ")))
		return nil, ps.err(c.file)
	}
	u, err := c.mux.OpenUpdaterURL(ctx, cr.URL())
	if err != nil {
		ps.add(cr, err)
		return nil, ps.err(c.file)
	}
	return u, nil
}
