// Package providers holds what every carrierkit adapter shares in its
// configuration: HTTP options, the retry policy, and the registry that opens
// an adapter from a URL string.
package providers

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/participant"
	"go.uber.org/zap"
)

// RetryPolicy says when and how long to wait before trying a request again.
// See the field docs; nil in Options means DefaultRetryPolicy.
type RetryPolicy = httpx.RetryPolicy

// DefaultRetryPolicy retries 3 times with 100ms–2s backoff and honours
// Retry-After up to 30s, never past the context deadline.
func DefaultRetryPolicy() RetryPolicy { return httpx.DefaultRetryPolicy() }

// Version is carrierkit's version, sent as "User-Agent: carrierkit/<Version>".
const Version = httpx.Version

// Options are the HTTP settings every adapter shares. The zero value is
// ready to use.
type Options struct {
	// HTTPClient, when set, is used for every request (inject a transport,
	// a proxy, or a test server's client). By default a client with a
	// pooled keep-alive transport sized for concurrent updates.
	HTTPClient *http.Client
	// Logger gets one debug line per HTTP attempt (method, path, status,
	// attempt, latency) and never credentials. Nil means no logging.
	Logger *zap.Logger
	// Retry is the retry policy; nil means DefaultRetryPolicy.
	Retry *RetryPolicy
	// UserAgent is appended to "carrierkit/<Version>".
	UserAgent string
	// MaxConnsPerHost caps the connections the default transport opens to a
	// carrier host (0: no cap). Set it to your peak concurrency to bound
	// connections even from a cold start, when net/http may dial more than
	// it ends up keeping. Ignored when HTTPClient is set.
	MaxConnsPerHost int
}

// HTTPOptions is for adapter packages; it returns o in the form the shared
// HTTP plumbing takes.
func HTTPOptions(o Options) httpx.Options {
	return httpx.Options{HTTPClient: o.HTTPClient, Logger: o.Logger, Retry: o.Retry, UserAgent: o.UserAgent,
		MaxConnsPerHost: o.MaxConnsPerHost}
}

// ConfigError reports a bad adapter setting: an *participant.Error with
// CodeInvalidArgument, Op "config" and the setting's name as Field.
func ConfigError(provider, field, rule string) error {
	return &participant.Error{Code: participant.CodeInvalidArgument, Provider: provider, Op: "config",
		Field: field, Message: rule}
}

// CheckBaseURL checks an API root override: an absolute http(s) URL with no
// credentials, query or fragment.
func CheckBaseURL(provider, field, s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return ConfigError(provider, field, "is not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return ConfigError(provider, field, fmt.Sprintf("must be an absolute http or https URL, got %q", u.Redacted()))
	case u.User != nil:
		return ConfigError(provider, field, "must not hold credentials; set them in the adapter config")
	case u.RawQuery != "" || u.Fragment != "":
		return ConfigError(provider, field, fmt.Sprintf("must not have a query or fragment, got %q", u.Redacted()))
	}
	return nil
}

// Redact returns "[redacted]" for a non-empty secret and "" for an empty one,
// so a printed config shows whether a credential is set but never its value.
func Redact(secret string) string {
	if secret == "" {
		return ""
	}
	return "[redacted]"
}
