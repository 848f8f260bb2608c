package adapter

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Redacted replaces a credential wherever one is scrubbed.
const Redacted = "[redacted]"

// Scrub returns b with every secret replaced by Redacted, in each form a
// server, proxy or log line may echo it: as is, base64 (standard and URL
// alphabets, padded or not), URL-escaped (query and path) and JSON-escaped.
// Longer secrets go first, so one that contains another is not left half
// redacted. Empty secrets are ignored.
func Scrub(b []byte, secrets []string) []byte {
	for _, form := range scrubForms(secrets) {
		if bytes.Contains(b, []byte(form)) {
			b = bytes.ReplaceAll(b, []byte(form), []byte(Redacted))
		}
	}
	return b
}

// ScrubString is Scrub for a string.
func ScrubString(s string, secrets []string) string {
	for _, form := range scrubForms(secrets) {
		s = strings.ReplaceAll(s, form, Redacted)
	}
	return s
}

// scrubForms lists every encoded form of secrets, longest first.
func scrubForms(secrets []string) []string {
	var forms []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		j, _ := json.Marshal(s) // HTML-safe: & < > as \u0026 …
		var plain bytes.Buffer
		enc := json.NewEncoder(&plain)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		p := bytes.TrimSpace(plain.Bytes())
		forms = append(forms, s, string(p[1:len(p)-1]),
			base64.StdEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s)),
			base64.URLEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s)),
			url.QueryEscape(s), url.PathEscape(s), string(j[1:len(j)-1]))
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return slices.Compact(forms)
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
