package adapter

import (
	"fmt"
	"net/url"

	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// HTTPOptions is for adapter packages; it returns o in the form the shared
// HTTP plumbing takes.
func HTTPOptions(o providers.Options) httpx.Options {
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
