package adapter

import (
	"encoding/base64"
	"strings"

	"github.com/carrierkit/carrierkit/internal/scrub"
)

// Redacted replaces a credential wherever one is scrubbed.
const Redacted = scrub.Redacted

// Scrub returns b with every secret replaced by Redacted, in each form a
// server, proxy or log line may echo it (scrub.Forms: as is, base64,
// URL-escaped, JSON-escaped, Go-quoted). Longer forms go first, so a secret
// that contains another is not left half redacted. Empty secrets are
// ignored. An adapter builds its scrub.Scrubber once; this is for callers
// with a list of secrets at hand, such as a recorder.
func Scrub(b []byte, secrets []string) []byte { return scrubberOf(secrets).Bytes(b) }

// ScrubString is Scrub for a string.
func ScrubString(s string, secrets []string) string { return scrubberOf(secrets).String(s) }

func scrubberOf(secrets []string) *scrub.Scrubber {
	ss := make([]scrub.Secret, len(secrets))
	for i, s := range secrets {
		ss[i] = scrub.Secret{Value: s}
	}
	return scrub.New(ss...)
}

// AuthorizationSecrets returns the secrets an Authorization header value
// carries: the value itself and its credential, and for Basic the decoded
// "user:password" and the password (the user is an account or key id, not
// a secret). A recorder scrubs with them what it saw on the wire.
func AuthorizationSecrets(value string) []string {
	if value == "" {
		return nil
	}
	out := []string{value}
	scheme, cred, ok := strings.Cut(value, " ")
	if !ok {
		return out
	}
	out = append(out, cred)
	if strings.EqualFold(scheme, "Basic") {
		if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
			out = append(out, string(dec))
			if _, pass, ok := strings.Cut(string(dec), ":"); ok {
				out = append(out, pass)
			}
		}
	}
	return out
}
