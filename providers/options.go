// Package providers holds what every carrierkit adapter shares in its
// configuration: HTTP options, the retry policy, and the registry that opens
// an adapter from a URL string.
package providers

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit/internal/httpx"
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
}
