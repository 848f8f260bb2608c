// Package settings is the generic opener every provider is built on: a
// provider states its parameters in one table (Param), and the opener
// built from it (New) reads them from a URL (twilio://?region=ie1) or a
// config file's section, checks them, reads the environment, locates the
// API root, redacts secrets when printed, and describes them for --help
// and the config file's JSON Schema. The adapter's New checks a Config set
// in code by the same table (Spec.CheckConfig), and prints it redacted by
// the table's Secret column (Spec.FormatRedacted). A driver outside this
// module uses it as the built-in providers do.
//
// Every error is a *participant.Error (driver.ConfigError) whose Field is
// where the setting is given: the URL parameter, or the JSON path in a
// config file (carriers.us.account). No error repeats a value that may be
// a credential.
package settings

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// Param is one row of a provider's table: a URL parameter (and config file
// key) and the Config field it sets. A parameter whose name ends in _env
// names the environment variable that holds the field's value (a
// credential); any other holds the value itself.
type Param struct {
	// Name is the URL parameter and JSON key, e.g. account or auth_token_env.
	Name string
	// Field is the Config field it sets (a string or []byte field; the
	// opener's field of the same name, when set in code, is used instead
	// of the environment).
	Field string
	// Env is the environment default: for an _env parameter the variable
	// read when the parameter is absent; for another, the variable read
	// for the value when it is absent.
	Env string
	// Secret marks a credential: it is never printed (Format) and never
	// given in a URL or a file, only through an _env parameter.
	Secret bool
	// Check returns the rule a given value breaks, or "". It never sees a
	// value read from the environment (the adapter's New checks those).
	Check func(v string) string
	// Help describes the parameter for --help and the JSON Schema.
	Help string

	// Optional: Env may be unset, leaving the field empty; errors about
	// the field then name the variable.
	Optional bool
	// Unless names a parameter whose presence skips Env (a region's
	// variable is not read when base_url is given).
	Unless string
	// Group names a set of fields an opener gives in code together (the
	// credentials): when it sets one, the whole group is the opener's, and
	// a parameter of the group is a conflict.
	Group string
	// Alt names one alternative within Group (an auth token, or an API key
	// and its secret): the first alternative with a parameter given is
	// read; with none given, the first whose first variable is set, else
	// the last.
	Alt string
	// Load turns the value into the field's content (a key file's path
	// into the key). Its error's text is the rule; it must not repeat the
	// value.
	Load func(v string) ([]byte, error)
}

// indirect reports whether p gives its field through something it names
// (a variable, a file): such a parameter conflicts with the field set in
// code, which would win.
func (p Param) indirect() bool { return isEnvParam(p.Name) || p.Load != nil }

func (p Param) key() string { return cmp.Or(p.Group, p.Field) }

// Spec is a provider's table and hooks, for New.
type Spec[C any] struct {
	// Name is the provider's name and URL scheme.
	Name string
	// Params is the table. Retry and time parameters (Common) are
	// accepted by every provider and need no row.
	Params []Param
	// Rules, when set, checks what rows cannot say alone (two parameters
	// that exclude each other), calling fail with a parameter name.
	Rules func(v *Values, fail func(name, rule string))
	// Root, when set, returns the API root a Config reaches; it is given
	// only the values of the URL or file, never the environment's.
	Root func(C) (string, error)
	// Region, when set, returns the region root reaches ("" for none); a
	// router fails over only between endpoints of one region.
	Region func(root string) string
}

// Provider is a provider's generic opener factory; see New.
type Provider[C any] struct {
	Spec[C]
	open func(C) (driver.Driver, error)
}

// New returns the provider open builds clients for: open is the adapter's
// constructor (its New), called with the Config the table fills.
func New[C any, D driver.Driver](open func(C) (D, error), s Spec[C]) *Provider[C] {
	if reflect.TypeFor[C]().Kind() != reflect.Struct {
		panic("settings: Config must be a struct")
	}
	for _, p := range s.Params {
		if _, ok := reflect.TypeFor[C]().FieldByName(p.Field); !ok {
			panic("settings: " + s.Name + ": no Config field " + p.Field)
		}
	}
	return &Provider[C]{Spec: s, open: func(c C) (driver.Driver, error) { return open(c) }}
}

// Opener is a provider's opener with what an application set in code: the
// credentials and the HTTP options. Providers and config files use it.
type Opener interface {
	URLOpener
	URLChecker
	URLOpenerWithOptions
	// Table describes the provider's parameters.
	Table() Table
	// OpenSettings opens a client from v, reading the environment.
	OpenSettings(ctx context.Context, v *Values) (*carrierkit.Client, error)
	// CheckSettings checks v without reading the environment.
	CheckSettings(v *Values) error
	// LocateSettings returns the API root v reaches and its region; ok is
	// false when the provider cannot tell.
	LocateSettings(v *Values) (root, region string, ok bool, err error)
}

// URLOpener opens a client from a URL; the scheme picks the opener, the
// query holds its settings.
type URLOpener interface {
	OpenUpdaterURL(ctx context.Context, u *url.URL) (*carrierkit.Client, error)
}

// URLChecker checks a URL without opening it: no credential is read and
// nothing is sent.
type URLChecker interface {
	CheckUpdaterURL(u *url.URL) error
}

// URLLocator tells, without opening anything or reading credentials,
// which API root a URL reaches and in which region.
type URLLocator interface {
	LocateUpdaterURL(u *url.URL) (root, region string, err error)
}

// URLOpenerWithOptions copies itself with other HTTP options.
type URLOpenerWithOptions interface {
	WithOptions(opts driver.Options) URLOpener
}

// Table is a provider's name and parameters.
type Table struct {
	Name   string
	Params []Param
	// Config is the type of the Config the table fills.
	Config reflect.Type
}

// Opener returns p's opener with what preset sets in code: preset is the
// adapter's URLOpener (a struct or a pointer to one) whose fields carry
// Config field names (AccountSID, AuthToken, …) and whose Options field
// holds the HTTP options; nil for none.
func (p *Provider[C]) Opener(preset any) Opener {
	o := &opener[C]{p: p}
	if preset != nil {
		v := reflect.Indirect(reflect.ValueOf(preset))
		o.preset = v
		if f := v.FieldByName("Options"); f.IsValid() {
			o.opts = f.Interface().(driver.Options)
		}
	}
	return o
}

type opener[C any] struct {
	p      *Provider[C]
	preset reflect.Value // the URLOpener's fields, or invalid
	opts   driver.Options
}

func (o *opener[C]) Table() Table {
	return Table{Name: o.p.Name, Params: o.p.Params, Config: reflect.TypeFor[C]()}
}

func (o *opener[C]) WithOptions(opts driver.Options) URLOpener {
	c := *o
	c.opts = opts
	return &c
}

func (o *opener[C]) OpenUpdaterURL(ctx context.Context, u *url.URL) (*carrierkit.Client, error) {
	v, err := ParseURL(o.p.Name, u)
	if err != nil {
		return nil, Join(err, o.CheckSettings(v))
	}
	return o.OpenSettings(ctx, v)
}

func (o *opener[C]) CheckUpdaterURL(u *url.URL) error {
	v, err := ParseURL(o.p.Name, u)
	return Join(err, o.CheckSettings(v))
}

// presetGives reports whether the opener sets, in code, a field of key.
func (o *opener[C]) presetGives(key string) bool {
	if !o.preset.IsValid() {
		return false
	}
	for _, p := range o.p.Params {
		if f := o.preset.FieldByName(p.Field); p.key() == key && f.IsValid() && !f.IsZero() {
			return true
		}
	}
	return false
}

func (o *opener[C]) CheckSettings(v *Values) error {
	var errs []error
	fail := func(name, rule string) { errs = append(errs, driver.ConfigError(o.p.Name, v.path(name), rule)) }
	var names []string
	for _, p := range o.p.Params {
		names = append(names, p.Name)
	}
	for _, name := range slices.Sorted(maps.Keys(v.Params)) {
		if !slices.Contains(names, name) {
			fail(name, "unknown parameter ("+o.p.Name+" accepts "+strings.Join(slices.Sorted(slices.Values(append(names, Common()...))), ", ")+")")
		}
	}
	for i, p := range o.p.Params {
		val, given := v.Given(p.Name)
		if !given {
			continue
		}
		// One problem a parameter: a bad value, else a conflict.
		rule := ""
		switch {
		case isEnvParam(p.Name) && !envNamePattern.MatchString(val):
			rule = "must be an environment variable name (letters, digits and _, not starting with a digit); " +
				"the value is not repeated here, as it may be a credential"
		case !isEnvParam(p.Name) && p.Check != nil:
			rule = p.Check(val)
		}
		// A parameter that would be ignored is reported, as unknown ones are.
		if rule != "" {
			fail(p.Name, rule)
		} else if q := o.conflict(v, o.p.Params[:i], p); q != "" {
			fail(p.Name, "conflicts with "+q+": set one or the other")
		} else if p.indirect() && o.presetGives(p.key()) {
			fail(p.Name, "conflicts with the "+p.key()+" set on the URLOpener: drop one")
		}
	}
	if o.p.Rules != nil {
		o.p.Rules(v, fail)
	}
	return errors.Join(errs...)
}

// conflict returns the parameter before p that gives p's field, or another
// alternative of its group, when both are given.
func (o *opener[C]) conflict(v *Values, before []Param, p Param) string {
	for _, q := range before {
		if _, also := v.Given(q.Name); also && (q.Field == p.Field || q.Group != "" && q.Group == p.Group && q.Alt != p.Alt) {
			return q.Name
		}
	}
	return ""
}

// Join joins errs, flattening joined errors, so that a caller sees one
// list of problems.
func Join(errs ...error) error {
	var flat []error
	for _, err := range errs {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			flat = append(flat, j.Unwrap()...)
		} else if err != nil {
			flat = append(flat, err)
		}
	}
	return errors.Join(flat...)
}

// chosen returns the alternative read for each group that has several:
// the one with a parameter given, else the first whose first variable is
// set, else the last.
func (o *opener[C]) chosen(v *Values) map[string]string {
	firsts := map[string][]Param{} // group: the first row of each alternative
	for _, p := range o.p.Params {
		if p.Alt != "" && !slices.ContainsFunc(firsts[p.Group], func(q Param) bool { return q.Alt == p.Alt }) {
			firsts[p.Group] = append(firsts[p.Group], p)
		}
	}
	out := map[string]string{}
	for group, alts := range firsts {
		out[group] = alts[len(alts)-1].Alt
		if i := slices.IndexFunc(alts, func(p Param) bool { return p.Env != "" && os.Getenv(p.Env) != "" }); i >= 0 {
			out[group] = alts[i].Alt
		}
		if i := slices.IndexFunc(o.p.Params, func(p Param) bool {
			_, given := v.Given(p.Name)
			return given && p.Group == group && p.Alt != ""
		}); i >= 0 {
			out[group] = o.p.Params[i].Alt
		}
	}
	return out
}

// hint says, for a variable row p that is not set, what else would do.
func (o *opener[C]) hint(v *Values, p Param, alt map[string]string) string {
	var or []string
	for _, q := range o.p.Params {
		if q.Field == p.Field && q.Name != p.Name && !q.indirect() && !isEnvParam(q.Name) {
			or = append(or, "the "+q.Name+" parameter")
		}
	}
	if p.Alt != "" {
		given := slices.ContainsFunc(o.p.Params, func(q Param) bool { _, g := v.Given(q.Name); return g && q.Group == p.Group })
		var others []string
		for _, q := range o.p.Params {
			if q.Group == p.Group && q.Alt != alt[p.Group] && q.Env != "" && !given {
				others = append(others, q.Env)
			}
		}
		if len(others) > 0 {
			or = append(or, strings.Join(others, " and "))
		}
	}
	if len(or) == 0 {
		return ""
	}
	return "or set " + strings.Join(or, ", or ")
}

func (o *opener[C]) OpenSettings(_ context.Context, v *Values) (*carrierkit.Client, error) {
	if err := o.CheckSettings(v); err != nil {
		return nil, err
	}
	var cfg C
	c := reflect.ValueOf(&cfg).Elem()
	if f := c.FieldByName("Options"); f.IsValid() {
		f.Set(reflect.ValueOf(v.apply(o.opts)))
	}
	var errs []error
	source := map[string]string{} // Config field: where its value came from
	alt := o.chosen(v)
	for _, p := range o.p.Params {
		if _, done := source[p.Field]; done || p.Alt != "" && alt[p.Group] != p.Alt && !o.presetGives(p.key()) {
			continue
		}
		path, val := v.path(p.Name), ""
		given, isGiven := v.Given(p.Name)
		_, skip := v.Given(p.Unless)
		switch {
		case isGiven && isEnvParam(p.Name):
			val = getenv(&errs, o.p.Name, path, given, "")
		case isGiven:
			val = given
		case o.presetGives(p.key()):
			if f := o.preset.FieldByName(p.Field); f.IsValid() {
				c.FieldByName(p.Field).Set(f)
			}
			source[p.Field] = o.fieldPath(v, p.Field)
			continue
		case p.Env == "" || skip:
			continue
		case p.Optional:
			val, path = os.Getenv(p.Env), p.Env
		default:
			val = getenv(&errs, o.p.Name, path, p.Env, o.hint(v, p, alt))
		}
		source[p.Field] = path
		if val != "" && p.Load != nil {
			b, err := p.Load(val)
			if err != nil {
				errs = append(errs, driver.ConfigError(o.p.Name, path, err.Error()))
				continue
			}
			val = string(b)
		}
		setString(c.FieldByName(p.Field), val)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	d, err := o.p.open(cfg)
	if err != nil {
		return nil, o.rename(v, err, source)
	}
	if c, ok := d.(*carrierkit.Client); ok {
		return c, nil
	}
	return carrierkit.New(d), nil
}

// fieldPath is where Config field is given: its first direct parameter,
// else its first.
func (o *opener[C]) fieldPath(v *Values, field string) string {
	first := ""
	for _, p := range o.p.Params {
		if p.Field != field {
			continue
		}
		if !p.indirect() {
			return v.path(p.Name)
		}
		first = cmp.Or(first, v.path(p.Name))
	}
	return first
}

// rename names, in an error of the adapter's New about a Config field,
// where that field was given.
func (o *opener[C]) rename(v *Values, err error, source map[string]string) error {
	pe, ok := errors.AsType[*participant.Error](err)
	if !ok {
		return err
	}
	path, ok := source[pe.Field]
	if !ok {
		path = o.fieldPath(v, pe.Field)
	}
	if path == "" {
		return err
	}
	c := *pe
	c.Field = path
	return &c
}

func setString(f reflect.Value, s string) {
	if f.Kind() == reflect.Slice {
		f.SetBytes([]byte(s))
	} else {
		f.SetString(s)
	}
}

func (o *opener[C]) LocateSettings(v *Values) (root, region string, ok bool, err error) {
	if err := o.CheckSettings(v); err != nil {
		return "", "", false, err
	}
	if o.p.Root == nil {
		return "", "", false, nil
	}
	var cfg C
	c := reflect.ValueOf(&cfg).Elem()
	source := map[string]string{}
	for _, p := range o.p.Params {
		if val, given := v.Given(p.Name); given && !p.indirect() {
			setString(c.FieldByName(p.Field), val)
			source[p.Field] = v.path(p.Name)
		}
	}
	if root, err = o.p.Root(cfg); err != nil {
		return "", "", false, o.rename(v, err, source)
	}
	if o.p.Region != nil {
		region = o.p.Region(root)
	}
	return root, region, true, nil
}

// getenv returns variable name's value, recording a problem at path when it
// is unset: it names the variable only in the conventional upper-case form
// (any other may be a credential pasted in its place), never a value.
func getenv(errs *[]error, provider, path, name, hint string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	msg := "environment variable " + name + " is not set"
	if !conventionalEnvName.MatchString(name) {
		msg = "the environment variable it names is not set (the name is not repeated here: " +
			"it is not in the usual upper-case form, so it may be a credential pasted in its place)"
	}
	if hint != "" {
		msg += " (" + hint + ")"
	}
	*errs = append(*errs, driver.ConfigError(provider, path, msg))
	return ""
}

// Common lists the parameters every provider accepts: the retry policy and
// the time bounds.
func Common() []string { return append(driver.RetryParams(), driver.TimeoutParams()...) }

// FormatRedacted prints plain, a copy of a Config or URLOpener converted to a type
// without methods, with the secret fields of the table redacted, for f and verb; %#v
// names the type name in plain's package (e.g. "twilio.Config").
func (s Spec[C]) FormatRedacted(f fmt.State, verb rune, plain any, name string) {
	v := reflect.ValueOf(plain)
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	for _, r := range s.Params {
		if fv := c.FieldByName(r.Field); r.Secret && fv.IsValid() && !fv.IsZero() {
			setString(fv, "[redacted]")
		}
	}
	out := fmt.Sprintf(fmt.FormatString(f, verb), c.Interface())
	if verb == 'v' && f.Flag('#') {
		pkg, _, _ := strings.Cut(v.Type().String(), ".")
		out = strings.Replace(out, v.Type().String(), pkg+"."+name, 1)
	}
	_, _ = f.Write([]byte(out))
}

// Must returns a Check that reports rule when ok(v) is false.
func Must(ok func(v string) bool, rule string) func(string) string {
	return func(v string) string {
		if ok(v) {
			return ""
		}
		return rule
	}
}

// MustShowing is Must with the value given quoted after the rule
// ("…, got \"IE1\""), for a parameter whose value is never a credential
// (a region, a space name).
func MustShowing(ok func(v string) bool, rule string) func(string) string {
	return func(v string) string {
		if ok(v) {
			return ""
		}
		return rule + ", got " + strconv.Quote(v)
	}
}

// ReadFile is the Load of a parameter that names a file holding the
// field's content (a private key): its error never repeats the path, which
// is the caller's own.
func ReadFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	if err != nil {
		return nil, errors.New("cannot be read: " + err.Error())
	}
	return b, nil
}

// Excludes returns a Rules hook that refuses a and b given together,
// naming a.
func Excludes(a, b string) func(v *Values, fail func(name, rule string)) {
	return func(v *Values, fail func(name, rule string)) {
		_, ga := v.Given(a)
		if _, gb := v.Given(b); ga && gb {
			fail(a, "conflicts with "+b+": set one or the other")
		}
	}
}

// CheckBaseURL is the Check of an API root override
// (driver.BaseURLRule): an absolute http(s) URL with no credentials, query
// or fragment. It never repeats the URL.
func CheckBaseURL(s string) string { return driver.BaseURLRule(s) }

// Help describes the table's parameters for --help, one line each, e.g.
//
//	account          account SID (default $TWILIO_ACCOUNT_SID)
//	auth_token_env   variable holding the auth token (default TWILIO_AUTH_TOKEN; secret)
//
// followed by the parameters every provider accepts (Common).
func (t Table) Help() string {
	var b strings.Builder
	line := func(name, help string) { fmt.Fprintf(&b, "  %-18s %s\n", name, help) }
	for _, p := range t.Params {
		var notes []string
		switch {
		case p.Env != "" && isEnvParam(p.Name):
			notes = append(notes, "default "+p.Env)
		case p.Env != "" && p.Unless != "":
			notes = append(notes, "default $"+p.Env+" unless "+p.Unless+" is given")
		case p.Env != "":
			notes = append(notes, "default $"+p.Env)
		}
		if p.Secret {
			notes = append(notes, "secret: named, never given")
		}
		help := p.Help
		if len(notes) > 0 {
			help += " (" + strings.Join(notes, "; ") + ")"
		}
		line(p.Name, help)
	}
	fmt.Fprintf(&b, "  %s: the retry policy\n", strings.Join(driver.RetryParams(), ", "))
	fmt.Fprintf(&b, "  %s: time bounds (Go durations)\n", strings.Join(driver.TimeoutParams(), ", "))
	return b.String()
}
