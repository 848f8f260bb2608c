package driver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit/participant"
)

// Version is carrierkit's version, sent as "User-Agent: carrierkit/<Version>".
const Version = "0.1.0"

// RetryPolicy says when and how long to wait before trying a request again.
// A nil *RetryPolicy in Options means DefaultRetryPolicy; &RetryPolicy{}
// means no retries. Zero durations take the defaults. A zero MaxRetries
// means no retries, so a policy that sets anything else (a wait, a cap, a
// function) with MaxRetries 0 is refused when the adapter is created
// (Check): it would silently never retry.
//
// CheckRetry and Backoff replace parts of the built-in decisions, in the
// style of go-retryablehttp, within bounds they cannot lift: MaxRetries is
// always the limit, a request whose context has ended is never retried, a
// 429 or 503 Retry-After (capped by MaxRetryAfter) wins over Backoff, and no
// wait runs past the context's deadline.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt, within
	// the retry budget of the call's context when it carries one
	// (participant.WithRetryBudget: a router gives each endpoint attempt a
	// budget of 0, a batch what its RateLimitRetries leave).
	MaxRetries int
	// WaitMin and WaitMax bound the exponential backoff (defaults 100ms, 2s).
	WaitMin, WaitMax time.Duration
	// MaxRetryAfter caps the wait a 429 or 503 Retry-After asks for
	// (default 30s). No wait ever runs past the context's deadline: when it
	// would, the carrier's error is returned instead.
	MaxRetryAfter time.Duration
	// CheckRetry, when set, decides whether to retry in place of the
	// built-in rule (httpx.Retryable: 429 and refused connections always,
	// 5xx and dropped connections only for idempotent requests). It is not
	// asked once MaxRetries is reached or the context has ended. idempotent
	// is false for requests the carrier must not act on twice
	// (announcements): a CheckRetry that retries them anyway may play one
	// twice.
	CheckRetry func(ctx context.Context, idempotent bool, resp *http.Response, err error) bool
	// Backoff, when set, returns the wait before retry number attempt
	// (0-based), in place of exponential backoff, unless the answer carries
	// a Retry-After.
	Backoff func(min, max time.Duration, attempt int, resp *http.Response) time.Duration
}

// Check reports a policy that would silently never retry: MaxRetries 0 with
// another field set. The error names provider and Retry.MaxRetries.
func (p *RetryPolicy) Check(provider string) error {
	if p == nil || p.MaxRetries != 0 {
		return nil
	}
	var set []string
	for _, f := range [...]struct {
		name string
		on   bool
	}{{"WaitMin", p.WaitMin != 0}, {"WaitMax", p.WaitMax != 0}, {"MaxRetryAfter", p.MaxRetryAfter != 0},
		{"CheckRetry", p.CheckRetry != nil}, {"Backoff", p.Backoff != nil}} {
		if f.on {
			set = append(set, f.name)
		}
	}
	if len(set) == 0 {
		return nil
	}
	return ConfigError(provider, "Retry.MaxRetries", "is 0, which means no retries, yet "+strings.Join(set, ", ")+
		" is set: set MaxRetries to the retries wanted, or use &RetryPolicy{} for none")
}

// WithDefaults returns p as it is applied: a negative MaxRetries is 0, zero
// or negative durations take DefaultRetryPolicy's, and WaitMax is at least
// WaitMin.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	p.MaxRetries = max(p.MaxRetries, 0)
	if p.WaitMin <= 0 {
		p.WaitMin = d.WaitMin
	}
	if p.WaitMax <= 0 {
		p.WaitMax = d.WaitMax
	}
	p.WaitMax = max(p.WaitMax, p.WaitMin)
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	return p
}

// DefaultRetryPolicy retries 3 times with 100ms–2s backoff and honours
// Retry-After up to 30s, never past the context's deadline.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 3, WaitMin: 100 * time.Millisecond, WaitMax: 2 * time.Second,
		MaxRetryAfter: 30 * time.Second}
}

// Options are the HTTP settings every adapter shares. The zero value is
// ready to use.
type Options struct {
	// HTTPClient, when set, is used for every request (inject a transport,
	// a proxy, or a test server's client). By default a client with a
	// pooled keep-alive transport sized for concurrent updates. Redirects
	// are never followed, whatever its CheckRedirect says: a redirected
	// update would arrive as a GET and change nothing.
	HTTPClient *http.Client `json:"-"`
	// Logger gets one debug line per HTTP attempt (method, path, status,
	// attempt, latency) and never credentials. Nil means no logging.
	Logger *zap.Logger `json:"-"`
	// Retry is the retry policy; nil means DefaultRetryPolicy.
	Retry *RetryPolicy `json:"-"`
	// UserAgent is appended to "carrierkit/<Version>".
	UserAgent string
	// MaxConnsPerHost caps the connections the default transport opens to a
	// carrier host (0: no cap). Set it to your peak concurrency to bound
	// connections even from a cold start, when net/http may dial more than
	// it ends up keeping. Ignored when HTTPClient is set.
	MaxConnsPerHost int
	// MaxBodyBytes bounds how much of a response body is read (default
	// 1 MiB); a larger body fails the request.
	MaxBodyBytes int64
	// AttemptTimeout bounds one HTTP attempt, from dialling to the last
	// byte of the body (default DefaultAttemptTimeout; negative: no bound
	// but the context's). An attempt that times out after the request was
	// sent is ambiguous: it is retried only for idempotent updates, never
	// for an announcement. With HTTPClient set, a zero AttemptTimeout keeps
	// that client's own Timeout when it has one.
	AttemptTimeout time.Duration
	// Timeout bounds a whole call, retries and waits included (default
	// DefaultTimeout; negative: none), so a call ends even under
	// context.Background(). A context deadline that comes sooner wins; one
	// that comes later is cut to Timeout (raise Timeout for longer calls).
	Timeout time.Duration
}

// Check checks the options an adapter of provider is created with: the
// retry policy (RetryPolicy.Check). The error names provider.
func (o Options) Check(provider string) error { return o.Retry.Check(provider) }

// Default time bounds, so that no call waits forever even with
// context.Background(): Twilio's SDKs time a request out after 10–30 s;
// 15 s per attempt and 60 s per call leave room for the default policy's
// retries and backoff.
const (
	DefaultAttemptTimeout = 15 * time.Second
	DefaultTimeout        = 60 * time.Second
)

// ConfigError reports a bad setting: a *participant.Error with
// CodeInvalidArgument, Op config, NotSent, and the setting's name as Field.
// Errors never repeat the setting's value, which may be a credential.
func ConfigError(provider, field, rule string) error {
	return &participant.Error{Code: participant.CodeInvalidArgument, Provider: provider, Op: "config",
		Field: field, Message: rule, Delivery: participant.DeliveryNotSent}
}

// BaseURLRule returns the rule an API root override s breaks, or "": it
// must be an absolute http(s) URL with no credentials, query or fragment.
// The rule never repeats the URL, which may hold a key.
func BaseURLRule(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "is not a valid URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("must be an absolute http or https URL; its scheme is %q", u.Scheme)
	case u.Host == "":
		return "must be an absolute http or https URL; it has no host"
	case u.User != nil:
		return "must not hold credentials; set them in the adapter config"
	case u.RawQuery != "" || u.Fragment != "":
		return "must not have a query or fragment"
	}
	return ""
}
