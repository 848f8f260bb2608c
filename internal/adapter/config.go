package adapter

import (
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// ConfigError reports a bad adapter setting: an *participant.Error with
// CodeInvalidArgument, Op "config" and the setting's name as Field.
func ConfigError(provider, field, rule string) error {
	return &participant.Error{Code: participant.CodeInvalidArgument, Provider: provider, Op: "config",
		Field: field, Message: rule}
}

// CheckOptions checks the HTTP options an adapter is created with (see
// providers.RetryPolicy.Check), naming the provider.
func CheckOptions(provider string, opts providers.Options) error {
	if err := opts.Retry.Check(); err != nil {
		err.(*participant.Error).Provider = provider
		return err
	}
	return nil
}

// CheckBaseURL checks an API root override: an absolute http(s) URL with no
// credentials, query or fragment. Errors never repeat the URL.
func CheckBaseURL(provider, field, s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return ConfigError(provider, field, "is not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return ConfigError(provider, field, fmt.Sprintf("must be an absolute http or https URL; its scheme is %q", u.Scheme))
	case u.Host == "":
		return ConfigError(provider, field, "must be an absolute http or https URL; it has no host")
	case u.User != nil:
		return ConfigError(provider, field, "must not hold credentials; set them in the adapter config")
	case u.RawQuery != "" || u.Fragment != "":
		return ConfigError(provider, field, "must not have a query or fragment") // not echoed: it may hold a key
	}
	return nil
}

// IsHostLabel reports whether s is a lower-case DNS label (letters, digits
// and inner hyphens, at most 63 bytes), as a region, an edge or a space
// name put in a carrier's host name must be.
func IsHostLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Redact returns "[redacted]" for a non-empty secret and "" for an empty one,
// so a printed config shows whether a credential is set but never its value.
func Redact(secret string) string {
	if secret == "" {
		return ""
	}
	return "[redacted]"
}

// FormatConfig prints plain, a copy of a config converted to a type without
// methods and with its secrets already redacted, for f and verb; %#v names
// the type as name (e.g. "twilio.Config") instead of plain's own.
func FormatConfig(f fmt.State, verb rune, plain any, name string) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), plain)
	if verb == 'v' && f.Flag('#') {
		s = strings.Replace(s, reflect.TypeOf(plain).String(), name, 1)
	}
	_, _ = io.WriteString(f, s)
}
