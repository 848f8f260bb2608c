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
// A carrier holds its provider's settings, the parameters of the
// provider's table (see package settings and providers.Open): "provider"
// names it; "credentials" holds the *_env parameters, which name
// environment variables (secrets never go in the file); "retry" holds the
// retry parameters (max_retries a number, the others Go durations);
// "timeouts" holds the time bounds (attempt_timeout, timeout: Go durations);
// every other key is a string parameter of the provider, such as account,
// base_url, region or edge.
//
// The file's structure is checked against a JSON Schema generated from the
// providers' tables (Schema; the built-ins' is published as
// carrierkit.schema.json, which a file may name in "$schema" so that
// editors complete it), then each carrier is read straight into its typed
// settings and checked by its provider, without reading credentials. Every
// problem is reported with its JSON path in one *Error. Open reads the
// credentials and opens every carrier.
package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/settings"
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
	// Settings are the provider's settings as the file gives them, typed,
	// each value at its JSON path: account, base_url, the credentials'
	// variable names, the retry policy, the time bounds.
	Settings *settings.Values
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
	// Param and Value are the parameter it sets: base_url=root or
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

// Account returns the carrier's account parameter, "" when the file
// leaves it to the environment.
func (c *Carrier) Account() string {
	a, _ := c.Settings.Given("account")
	return a
}

// Retry returns the carrier's retry policy, nil when the file sets none.
func (c *Carrier) Retry() *driver.RetryPolicy { return c.Settings.Retry.Over(nil) }

// Set sets parameter name to value over the file's, as a URL would give it
// (carrierctl's flags: base_url, max_retries, timeout, …).
func (c *Carrier) Set(name, value string) error {
	return c.Settings.Set(c.Provider, name, value, c.path(name))
}

// String returns the carrier as its provider's URL text; it never holds a
// secret.
func (c *Carrier) String() string { return c.Provider + "://?" + c.Settings.String() }

// path returns the JSON path of the key that sets parameter param.
func (c *Carrier) path(param string) string {
	base := "carriers." + c.Name
	switch {
	case strings.HasSuffix(param, "_env"):
		return base + ".credentials." + param
	case slices.Contains(driver.RetryParams(), param):
		return base + ".retry." + param
	case slices.Contains(driver.TimeoutParams(), param):
		return base + ".timeouts." + param
	}
	return base + "." + param
}

// endpoint returns the settings of endpoint i: the carrier's, with the
// endpoint's parameter.
func (c *Carrier) endpoint(i int) *settings.Values {
	v := *c.Settings
	v.Params = make(map[string]settings.Value, len(c.Settings.Params)+1)
	maps.Copy(v.Params, c.Settings.Params)
	e := c.Endpoints[i]
	v.Params[e.Param] = settings.Value{V: e.Value, Path: e.Path}
	return &v
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

// add records a provider's error (possibly joined): its problems already
// name their JSON paths. Another error is recorded at path.
func (ps *problems) add(path string, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			ps.add(path, e)
		}
		return
	}
	if pe, ok := errors.AsType[*participant.Error](err); ok {
		ps.list = append(ps.list, pe)
	} else if err != nil {
		ps.fail(path, err.Error())
	}
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
		if pe, ok := errors.AsType[*os.PathError](err); ok {
			err = pe.Err
		}
		var ps problems
		ps.fail("", "cannot read: "+err.Error())
		return nil, ps.err(path)
	}
	return parse(data, path, mux)
}

// Load reads a config file from r and checks it against mux's providers
// (nil: providers.DefaultURLMux(); import the adapters, or
// providers/builtin, to register them). Nothing is opened and no
// credential is read. On failure the error is an *Error listing every
// problem.
func Load(r io.Reader, mux *providers.URLMux) (*Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return parse(data, "", mux)
}

func parse(data []byte, path string, mux *providers.URLMux) (*Config, error) {
	if mux == nil {
		mux = providers.DefaultURLMux()
	}
	var ps problems
	valid := validate(data, mux, &ps)
	var f struct {
		Carriers     map[string]json.RawMessage `json:"carriers"`
		Coordination map[string]json.RawMessage `json:"coordination"`
	}
	top := slices.ContainsFunc(ps.list, func(p *participant.Error) bool { return p.Field == "" || p.Field == "carriers" })
	if err := json.Unmarshal(wholeNumbers(data), &f); err != nil || top {
		if valid { // the schema let through what Go cannot read
			ps.fail("", "invalid JSON: "+err.Error())
		}
		return nil, ps.err(path)
	}
	// What the schema found fault with is not read further; the rest is,
	// so that one load reports every problem.
	bad := make([]string, len(ps.list))
	for i, p := range ps.list {
		bad[i] = p.Field
	}
	cfg := &Config{Carriers: map[string]*Carrier{}, file: path, mux: mux}
	if f.Coordination != nil {
		cfg.Coordination = &Coordination{}
		var r redisSection
		if raw, ok := prune(f.Coordination, "coordination", bad)["redis"]; ok && json.Unmarshal(raw, &r) == nil {
			cfg.Coordination.Redis = r.read(&ps)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(f.Carriers)) {
		var sec map[string]json.RawMessage
		if json.Unmarshal(f.Carriers[name], &sec) != nil {
			continue
		}
		if c := ps.carrier(name, prune(sec, "carriers."+name, bad), mux); c != nil && len(bad) == 0 {
			cfg.Carriers[name] = c
		}
	}
	if err := ps.err(path); err != nil {
		return nil, err
	}
	return cfg, nil
}

// wholeNumbers returns data with every number that has no fraction
// written as an integer (1.0 and 1e1 as 1 and 10): the schema takes them
// for integers, as JSON Schema does, and encoding/json decodes them into
// no int. data is returned as is when it does not decode.
func wholeNumbers(data []byte) []byte {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return data
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case json.Number:
			if _, err := x.Int64(); err != nil {
				if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
					return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
				}
			}
		}
		return v
	}
	b, err := json.Marshal(walk(v))
	if err != nil {
		return data
	}
	return b
}

// prune returns obj, at path, without the keys at or in which bad names a
// problem, keeping what is sound in a section with a problem deeper in.
func prune(obj map[string]json.RawMessage, path string, bad []string) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(obj))
	for k, v := range obj {
		p := path + "." + k
		below := slices.ContainsFunc(bad, func(b string) bool { return strings.HasPrefix(b, p+".") || strings.HasPrefix(b, p+"[") })
		var inner map[string]json.RawMessage
		var items []json.RawMessage
		switch {
		case slices.Contains(bad, p):
		case !below:
			out[k] = v
		case json.Unmarshal(v, &inner) == nil:
			out[k], _ = json.Marshal(prune(inner, p, bad))
		case json.Unmarshal(v, &items) == nil:
			for i := range items { // blank the bad items: the others keep their index
				if slices.Contains(bad, p+"["+strconv.Itoa(i)+"]") {
					items[i] = json.RawMessage(`""`)
				}
			}
			out[k], _ = json.Marshal(items)
		}
	}
	return out
}

// carrier reads one entry into its typed settings, then has its provider
// check them.
func (ps *problems) carrier(name string, raw map[string]json.RawMessage, mux *providers.URLMux) *Carrier {
	c := &Carrier{Name: name, Settings: &settings.Values{Params: map[string]settings.Value{}}}
	c.Settings.PathOf = c.path
	base := "carriers." + name
	before := len(ps.list)
	var sec struct {
		Provider    string                     `json:"provider"`
		Credentials map[string]string          `json:"credentials"`
		Retry       map[string]json.RawMessage `json:"retry"`
		Timeouts    map[string]json.RawMessage `json:"timeouts"`
		Endpoints   []string                   `json:"endpoints"`
		Edges       []string                   `json:"edges"`
		Breaker     *struct {
			Failures int     `json:"failures"`
			Probes   int     `json:"probes"`
			CoolDown *string `json:"cool_down"`
		} `json:"breaker"`
		Failover *struct {
			AttemptTimeout *string `json:"attempt_timeout"`
		} `json:"failover"`
	}
	if _, ok := raw["provider"]; !ok {
		return nil // the schema has said why
	}
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &sec); err != nil {
		ps.fail(base, err.Error())
		return nil
	}
	c.Provider = sec.Provider
	v := c.Settings
	for key, val := range raw {
		var s string
		if json.Unmarshal(val, &s) == nil && key != "provider" {
			v.Params[key] = settings.Value{V: s, Path: base + "." + key}
		}
	}
	for k, s := range sec.Credentials {
		v.Params[k] = settings.Value{V: s, Path: c.path(k)}
	}
	// The retry and time parameters are read as a URL's are; the schema
	// has let through only their names, max_retries a whole number and
	// the others strings.
	for _, section := range [...]map[string]json.RawMessage{sec.Retry, sec.Timeouts} {
		for k, val := range section {
			text := string(val)
			_ = json.Unmarshal(val, &text) // a duration's text; a number stays as written
			ps.add(c.path(k), v.Set(c.Provider, k, text, c.path(k)))
		}
	}
	ps.add(base, v.Retry.Check(c.Provider))
	for _, l := range [...]struct {
		key, param string
		list       []string
	}{{"endpoints", "base_url", sec.Endpoints}, {"edges", "edge", sec.Edges}} {
		for i, e := range l.list {
			c.Endpoints = append(c.Endpoints, Endpoint{Path: base + "." + l.key + "[" + strconv.Itoa(i) + "]", Param: l.param, Value: e})
		}
	}
	if br := sec.Breaker; br != nil {
		c.Breaker = Breaker{Failures: br.Failures, Probes: br.Probes, CoolDown: ps.positive(base+".breaker.cool_down", br.CoolDown)}
	}
	if fo := sec.Failover; fo != nil {
		c.AttemptTimeout = ps.positive(base+".failover.attempt_timeout", fo.AttemptTimeout)
	}
	o, err := mux.Settings(c.Provider, base+".provider")
	if err != nil {
		ps.add(base, err)
		return nil
	}
	ps.endpointConflicts(c, raw)
	ps.add(base, o.CheckSettings(v))
	ps.endpoints(c, o)
	if len(ps.list) > before {
		return nil
	}
	return c
}

// positive reads a router duration: positive, e.g. "30s".
func (ps *problems) positive(path string, s *string) time.Duration {
	if s == nil {
		return 0
	}
	d, err := time.ParseDuration(*s)
	if err != nil || d <= 0 {
		ps.fail(path, "must be a positive Go duration, e.g. 500ms or 30s")
		return 0
	}
	return d
}

// endpointConflicts reports keys that would be ignored next to
// "endpoints" or "edges".
func (ps *problems) endpointConflicts(c *Carrier, obj map[string]json.RawMessage) {
	base := "carriers." + c.Name
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
}

// endpoints checks each endpoint's root, and that all of a carrier's
// endpoints reach one region.
func (ps *problems) endpoints(c *Carrier, o settings.Opener) {
	firstRegion, firstPath := "", ""
	for i, e := range c.Endpoints {
		// LocateSettings checks v first. Problems of the other parameters
		// were reported once, above.
		_, region, _, err := o.LocateSettings(c.endpoint(i))
		var found problems
		found.add(e.Path, err)
		for _, pe := range found.list {
			if pe.Field == e.Path {
				ps.list = append(ps.list, pe)
			}
		}
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

// syntaxError describes a JSON syntax error with its line and column.
func syntaxError(data []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(json.Unmarshal(data, new(any)), &se) {
		return "invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	before := data[:min(int(se.Offset), len(data))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col-1, strings.TrimPrefix(se.Error(), "json: "))
}

// Names returns the carriers' names, sorted.
func (c *Config) Names() []string { return slices.Sorted(maps.Keys(c.Carriers)) }

// open opens carrier cr with settings v.
func (c *Config) open(ctx context.Context, cr *Carrier, v *settings.Values) (*carrierkit.Client, error) {
	o, err := c.mux.Settings(cr.Provider, "carriers."+cr.Name+".provider")
	if err != nil {
		return nil, err
	}
	return o.OpenSettings(ctx, v)
}

// Open reads every carrier's credentials and opens it. It returns every
// problem (an unset environment variable, a malformed credential) in one
// *Error, each at the JSON path that would fix it.
func (c *Config) Open(ctx context.Context) (map[string]*carrierkit.Client, error) {
	out := make(map[string]*carrierkit.Client, len(c.Carriers))
	var ps problems
	for _, name := range c.Names() {
		u, err := c.OpenCarrier(ctx, name)
		if ce, ok := errors.AsType[*Error](err); ok {
			ps.list = append(ps.list, ce.Problems...)
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
// carrier with a single root). With once set, each adapter sends every
// request once, whatever the file's retry section says: a router does the
// retrying (Carrier.Retry).
func (c *Config) OpenEndpoints(ctx context.Context, name string, once bool) ([]OpenedEndpoint, error) {
	cr, err := c.carrier(name)
	if err != nil {
		return nil, err
	}
	all := []*settings.Values{cr.Settings}
	if len(cr.Endpoints) > 0 {
		all = all[:0]
		for i := range cr.Endpoints {
			all = append(all, cr.endpoint(i))
		}
	}
	o, err := c.mux.Settings(cr.Provider, "carriers."+cr.Name+".provider")
	var ps problems
	out := make([]OpenedEndpoint, 0, len(all))
	for i, v := range all {
		if once {
			sent := *v
			sent.Retry = settings.Retry{MaxRetries: &settings.Int{}}
			v = &sent
		}
		var up *carrierkit.Client
		if err == nil {
			up, err = o.OpenSettings(ctx, v)
		}
		if err != nil {
			ps.add("carriers."+name, err)
			return nil, ps.err(c.file)
		}
		ep := OpenedEndpoint{Name: cr.Provider + "-" + strconv.Itoa(i+1), Updater: up}
		root, _ := v.Given("base_url") // the root, where the provider cannot locate it
		if r, _, ok, err := o.LocateSettings(v); ok && err == nil {
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

func (c *Config) carrier(name string) (*Carrier, error) {
	cr, ok := c.Carriers[name]
	if !ok {
		var ps problems
		ps.fail("carriers", fmt.Sprintf("has no carrier %q (the file names %s)", name, strings.Join(c.Names(), ", ")))
		return nil, ps.err(c.file)
	}
	return cr, nil
}

// OpenCarrier opens the carrier name only.
func (c *Config) OpenCarrier(ctx context.Context, name string) (*carrierkit.Client, error) {
	cr, err := c.carrier(name)
	if err != nil {
		return nil, err
	}
	v := cr.Settings
	if len(cr.Endpoints) > 0 {
		v = cr.endpoint(0)
	}
	u, err := c.open(ctx, cr, v)
	if err != nil {
		var ps problems
		ps.add("carriers."+name, err)
		return nil, ps.err(c.file)
	}
	return u, nil
}
