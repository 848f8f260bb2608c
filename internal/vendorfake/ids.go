package vendorfake

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"
)

// HexID returns prefix followed by 32 random lowercase hex digits (a Twilio SID).
func HexID(prefix string) string {
	return prefix + hex.EncodeToString(random(16))
}

// UUID returns a random version 4 UUID.
func UUID() string {
	b := random(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Token returns prefix followed by n random bytes in unpadded URL-safe base64.
func Token(prefix string, n int) string {
	return prefix + base64.RawURLEncoding.EncodeToString(random(n))
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// FormatDate renders t in RFC 2822 form in UTC, as both vendors do:
// "Fri, 18 Feb 2011 21:07:19 +0000".
func FormatDate(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// ResourceURI is the participant's API path: prefix, escaped ids, suffix.
func ResourceURI(prefix string, p Participant, suffix string) string {
	return prefix + "/Accounts/" + url.PathEscape(p.Account) + "/Conferences/" + url.PathEscape(p.Conference) +
		"/Participants/" + url.PathEscape(p.CallID) + suffix
}
