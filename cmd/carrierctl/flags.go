package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/config"
	"github.com/carrierkit/carrierkit/providers/router"
)

// boolFlag is a tri-state boolean: left out, the field stays nil ("leave
// as is"). It takes a value (--muted true, --muted=false), unlike a bool
// flag, so false can be said.
type boolFlag struct{ p **bool }

func (f boolFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("must be true or false")
	}
	*f.p = &v
	return nil
}

func (f boolFlag) String() string {
	if f.p == nil || *f.p == nil {
		return ""
	}
	return strconv.FormatBool(**f.p)
}

// stringFlag is a tri-state string: given, even empty (--wait-url ""), the
// field is set.
type stringFlag struct{ p **string }

func (f stringFlag) Set(s string) error { *f.p = &s; return nil }

func (f stringFlag) String() string {
	if f.p == nil || *f.p == nil {
		return ""
	}
	return **f.p
}

// methodFlag is an HTTP method, GET or POST in any case.
type methodFlag struct{ p *participant.Method }

func (f methodFlag) Set(s string) error {
	m := participant.Method(strings.ToUpper(s))
	if m != participant.MethodGET && m != participant.MethodPOST {
		return errors.New("must be GET or POST")
	}
	*f.p = m
	return nil
}

func (f methodFlag) String() string {
	if f.p == nil {
		return ""
	}
	return string(*f.p)
}

// durationFlag is a duration whose error says what one looks like.
type durationFlag struct{ p *time.Duration }

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 30s, 1m30s or 500ms")
	}
	if d < 0 {
		return errors.New("must not be negative")
	}
	*f.p = d
	return nil
}

func (f durationFlag) String() string {
	if f.p == nil {
		return ""
	}
	return f.p.String()
}

func (f durationFlag) Get() any { return *f.p }

// target is how update and get reach a participant.
type target struct {
	fs                        *flag.FlagSet
	provider, file, carrier   string
	account, conference, call string
	baseURL                   string
	maxRetries                int
	retryWait, timeout        time.Duration
	attemptTimeout            time.Duration
	output                    outputFlag
	verbose                   bool
	// attempts records the router's attempts (with --config), for the
	// error of a call that failed over.
	attempts   attemptRecorder
	httpClient *http.Client // set by conformance, to record what is sent
	// maxRetryAfter is the smallest cap on Retry-After among the carriers
	// open found in the --config file (zero: the default policy's), which
	// conformance judges retries against.
	maxRetryAfter time.Duration
	// noCall: the command acts on the whole conference (list, update
	// --all), so --call is refused rather than required.
	noCall bool
	coord  *coordinated // the --config file's coordination, once opened
}

// addTarget registers the flags that reach one participant.
func addTarget(fs *flag.FlagSet) *target {
	t := addConferenceTarget(fs)
	t.noCall = false
	fs.StringVar(&t.call, "call", "", "participant's call `id`, or label where the carrier has labels")
	return t
}

// addConferenceTarget registers the flags that reach a conference (no
// --call: the command acts on the whole conference).
func addConferenceTarget(fs *flag.FlagSet) *target {
	t := &target{fs: fs, noCall: true}
	fs.StringVar(&t.provider, "provider", "", "carrier API `name`: "+strings.Join(providers.DefaultURLMux().Schemes(), ", ")+" (or use --config)")
	fs.StringVar(&t.file, "config", "", "JSON config `file` naming carriers, instead of --provider")
	fs.StringVar(&t.carrier, "carrier", "", "carrier `name` in the --config file (optional when the account or the ids identify it)")
	fs.StringVar(&t.account, "account", "", "account `id` (default: the carrier's environment variable, or the config file's)")
	fs.StringVar(&t.conference, "conference", "", "conference `id`, in the carrier's id shape")
	fs.StringVar(&t.baseURL, "base-url", "", "API root `URL`, as carrierctl emulate prints it (e.g. http://127.0.0.1:8080/v2 for texml)")
	fs.IntVar(&t.maxRetries, "max-retries", 3, "`count` of retries after the first attempt")
	fs.Var(durationFlag{&t.retryWait}, "retry-wait", "`duration` of the backoff between retries (default 100ms doubling to 2s)")
	t.timeout = 30 * time.Second
	fs.Var(durationFlag{&t.timeout}, "timeout", "give up after this `duration` (the whole call, retries included)")
	fs.Var(durationFlag{&t.attemptTimeout}, "attempt-timeout", "give up on one HTTP attempt after this `duration` (default 15s)")
	t.output = defaultOutput
	fs.Var(&t.output, "output", outputUsage)
	fs.BoolVar(&t.verbose, "v", false, "debug logs to stderr (never credentials)")
	return t
}

// open checks the flags, opens the carrier and returns it with the ref.
func (t *target) open(ctx context.Context, log *zap.Logger) (*carrierkit.Client, participant.Ref, error) {
	ref := participant.Ref{Account: t.account, Conference: t.conference, Call: t.call}
	switch {
	case t.provider == "" && t.file == "":
		return nil, ref, usagef("--provider or --config is required")
	case t.provider != "" && t.file != "":
		return nil, ref, usagef("set --provider or --config, not both")
	case t.carrier != "" && t.file == "":
		return nil, ref, usagef("--carrier needs --config")
	case t.conference == "":
		return nil, ref, usagef("--conference is required")
	case t.call == "" && !t.noCall:
		return nil, ref, usagef("--call is required")
	case t.call != "" && t.noCall:
		return nil, ref, usagef("--call names one participant; this command acts on the whole conference")
	}
	// Flags override the carrier's URL parameters.
	params := map[string]string{}
	t.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "base-url":
			params["base_url"] = t.baseURL
		case "max-retries":
			params[driver.ParamMaxRetries] = strconv.Itoa(t.maxRetries)
		case "attempt-timeout":
			params[driver.ParamAttemptTimeout] = t.attemptTimeout.String()
		case "timeout": // else the adapter's own bound (default 60s) would cut a longer one
			params[driver.ParamTimeout] = t.timeout.String()
		case "retry-wait":
			params[driver.ParamWaitMin] = t.retryWait.String()
			params[driver.ParamWaitMax] = t.retryWait.String()
		}
	})
	mux := newMux(driver.Options{Logger: log, UserAgent: "carrierctl", HTTPClient: t.httpClient})
	if t.file == "" {
		if !mux.ValidUpdaterScheme(t.provider) {
			return nil, ref, usagef("--provider: unknown provider %q (want %s)", t.provider, strings.Join(mux.Schemes(), " or "))
		}
		if err := checkBaseURL(t.provider, t.baseURL); err != nil {
			return nil, ref, err
		}
		if t.account != "" {
			params["account"] = t.account
		}
		q := url.Values{}
		for k, v := range params {
			q.Set(k, v)
		}
		u := &url.URL{Scheme: t.provider, RawQuery: q.Encode()}
		log.Debug("opening carrier", zap.String("url", t.provider+"://?"+u.RawQuery))
		up, err := mux.OpenUpdaterURL(ctx, u)
		return up, ref, err
	}
	cfg, err := config.LoadFile(t.file, mux)
	if err != nil {
		return nil, ref, err
	}
	// Through the router: the carrier is the one --carrier names, else the
	// one the account or the ids identify; it fails over between the
	// carrier's endpoints.
	var names []string
	if t.carrier != "" {
		if _, ok := cfg.Carriers[t.carrier]; !ok {
			return nil, ref, usagef("--carrier: %s names no carrier %q (it names %s)", t.file, t.carrier, strings.Join(cfg.Names(), ", "))
		}
		names = []string{t.carrier}
		ref.Carrier = t.carrier
	}
	targets := names
	if len(targets) == 0 {
		targets = cfg.Names()
	}
	for _, name := range targets {
		c := cfg.Carriers[name]
		if _, ok := params["base_url"]; ok && len(c.Endpoints) > 0 {
			return nil, ref, usagef("--base-url: carrier %s lists its endpoints in %s", name, t.file)
		}
		for k, v := range params {
			if err := c.Set(k, v); err != nil {
				return nil, ref, err
			}
		}
		limit := driver.DefaultRetryPolicy().MaxRetryAfter
		if pol := config.PolicyOf(c).Retry; pol != nil { // nil: the file sets no retry
			limit = pol.MaxRetryAfter
		}
		if t.maxRetryAfter == 0 || limit < t.maxRetryAfter {
			t.maxRetryAfter = limit
		}
		log.Debug("opening carrier", zap.String("carrier", name), zap.Stringer("url", c), zap.Int("endpoints", max(len(c.Endpoints), 1)))
	}
	ropts, err := t.routerOptions(cfg, names, log)
	if err != nil {
		return nil, ref, err
	}
	ropts.Observer = &t.attempts
	r, err := config.OpenRouter(ctx, cfg, ropts, names...)
	if err != nil {
		return nil, ref, err
	}
	return r.Client(), ref, nil
}

// newMux returns a mux with every registered adapter, using opts.
func newMux(opts driver.Options) *providers.URLMux {
	return providers.DefaultURLMux().WithOptions(opts)
}

// newLogger returns a debug logger to w when verbose, else a no-op.
func newLogger(verbose bool, w io.Writer) *zap.Logger {
	if !verbose {
		return zap.NewNop()
	}
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), zap.DebugLevel))
}

// attemptRecorder is a router.Observer that counts the attempts and the
// endpoints they went to.
type attemptRecorder struct {
	mu        sync.Mutex
	n         int
	endpoints []string
}

func (a *attemptRecorder) Attempt(e router.AttemptEvent) {
	if e.Attempt == 0 {
		return // skipped: the breaker was open
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	if !slices.Contains(a.endpoints, e.Endpoint) {
		a.endpoints = append(a.endpoints, e.Endpoint)
	}
}

func (a *attemptRecorder) StateChange(router.StateChangeEvent) {}

// note adds to err of one call the attempts it took, when the router
// tried more than once.
func (a *attemptRecorder) note(err error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err == nil || a.n < 2 {
		return err
	}
	return &noted{err, attemptsNote(a.n, a.endpoints)}
}

// wrap turns err from the library into what an operator acts on: an
// answer that was not the carrier's becomes a hint about the API root
// (not "not found"), and a call that failed over names its attempts.
func (t *target) wrap(err error) error {
	if err == nil {
		return nil
	}
	if isForeignAnswer(err) {
		nc := &notCarrierError{provider: t.provider, endpoint: t.baseURL, flag: "--base-url", err: err}
		if pe, ok := errors.AsType[*participant.Error](err); ok && pe.Provider != "" {
			nc.provider = pe.Provider
		}
		switch {
		case t.file != "":
			nc.endpoint = "the endpoints of " + t.file
			nc.flag = "base_url and endpoints in " + t.file
		case nc.endpoint == "":
			nc.endpoint = "the carrier's default API root"
		}
		return nc
	}
	return t.attempts.note(err)
}

// checkBaseURL refuses a --base-url that already ends with the path the
// adapter adds itself (Twilio's /2010-04-01, TeXML's /texml): every request
// would reach a path the carrier does not serve, and its 404 would read as
// a departed participant. The paths come from the emulator's registry.
func checkBaseURL(provider, base string) error {
	if base == "" {
		return nil
	}
	for _, c := range emulated.Carriers() {
		added := strings.TrimPrefix(c.Prefix, c.Root)
		if c.Name != provider || added == "" || !strings.HasPrefix(c.Prefix, c.Root) {
			continue
		}
		if u, err := url.Parse(base); err == nil && strings.HasSuffix(strings.TrimRight(u.Path, "/"), added) {
			return usagef("--base-url: %s ends with %s, which the %s adapter adds itself: give the root before it (as carrierctl emulate prints it, e.g. http://127.0.0.1:8080%s)",
				base, added, provider, c.Root)
		}
	}
	return nil
}
