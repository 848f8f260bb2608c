// Package webhooksign signs webhooks the way each carrier signs them, for
// the emulator and for tests. It is written apart from the events
// package's verifiers (from the vendors' descriptions, with net/url and
// sort), so that each checks the other.
package webhooksign

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Twilio returns X-Twilio-Signature (and SignalWire's
// X-SignalWire-Signature) for a POST of form to fullURL: base64
// HMAC-SHA1, keyed with key, of the URL followed by each parameter name
// and value, names sorted, a repeated name's values sorted. For a GET, or
// a JSON body, form is nil.
func Twilio(key, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(key))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// WithBodySHA256 returns fullURL with the bodySHA256 parameter Twilio adds
// for a JSON body.
func WithBodySHA256(fullURL string, body []byte) string {
	sum := sha256.Sum256(body)
	sep := "?"
	if strings.Contains(fullURL, "?") {
		sep = "&"
	}
	return fullURL + sep + "bodySHA256=" + hex.EncodeToString(sum[:])
}

// Telnyx returns the telnyx-signature-ed25519 and telnyx-timestamp headers
// for body sent at t: Ed25519 of "timestamp|body".
func Telnyx(key ed25519.PrivateKey, t time.Time, body []byte) (signature, timestamp string) {
	timestamp = strconv.FormatInt(t.Unix(), 10)
	msg := append([]byte(timestamp+"|"), body...)
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg)), timestamp
}
