package events

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Signature headers of the Twilio family.
const (
	HeaderTwilioSignature     = "X-Twilio-Signature"
	HeaderSignalWireSignature = "X-SignalWire-Signature"
)

// Twilio receives Twilio's conference status callbacks. It verifies
// X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth token, of the
// full URL followed by the POST parameters sorted by name (each name then
// its value, repeated names with their values sorted), accepted with the
// URL's default port added or any port removed, as Twilio's SDKs accept
// them. A URL holding bodySHA256 (a JSON body) is signed alone, and the
// body must hash to it.
type Twilio struct {
	// AuthToken is the account's auth token (the primary one; to accept
	// a secondary during rotation, use two receivers). Empty fails closed.
	AuthToken string
	URLSource
}

// SignalWire receives SignalWire's LaML/cXML conference callbacks, signed
// like Twilio's with the project's signing key in X-SignalWire-Signature
// (X-Twilio-Signature is read when it is absent, as SignalWire's own SDK
// does). A 40-digit hex signature is SignalWire's RELAY scheme: hex
// HMAC-SHA1 of the URL followed by the raw body.
type SignalWire struct {
	// SigningKey is the project's signing key (API Credentials). Empty
	// fails closed.
	SigningKey string
	URLSource
}

// Verify checks the request's signature; body is the request body as
// received. It reads nothing else from the body before the signature
// holds.
func (t *Twilio) Verify(r *http.Request, body []byte) error {
	sig := r.Header.Get(HeaderTwilioSignature)
	return verifyHMAC(CarrierTwilio, t.AuthToken, t.URLSource, sig, HeaderTwilioSignature, false, r, body, nil)
}

// Verify checks the request's signature; body is the request body as
// received.
func (s *SignalWire) Verify(r *http.Request, body []byte) error {
	sig, header := s.signature(r)
	return verifyHMAC(CarrierSignalWire, s.SigningKey, s.URLSource, sig, header, true, r, body, nil)
}

// signature returns X-SignalWire-Signature, else X-Twilio-Signature, and
// which it was.
func (*SignalWire) signature(r *http.Request) (sig, header string) {
	if sig = r.Header.Get(HeaderSignalWireSignature); sig != "" {
		return sig, HeaderSignalWireSignature
	}
	return r.Header.Get(HeaderTwilioSignature), HeaderTwilioSignature
}

// scratch is a pooled HMAC and the buffers of one verification.
type scratch struct {
	key   string
	mac   hash.Hash
	sum   []byte
	want  []byte
	msg   []byte // the URL being signed
	buf   []byte // unescaped form keys and values
	pairs []pair
}

// pair is one form parameter: its name and value as offsets in buf, and
// the value's offset in the body when it is verbatim there (no escape),
// else -1.
type pair struct{ k0, k1, v0, v1, raw int32 }

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

func getScratch(key string) *scratch {
	s := scratchPool.Get().(*scratch)
	if s.mac == nil || s.key != key {
		s.key, s.mac = key, hmac.New(sha1.New, []byte(key))
	}
	return s
}

func putScratch(s *scratch) {
	if cap(s.buf) > 64<<10 || cap(s.pairs) > 4096 || cap(s.msg) > 64<<10 {
		return // let an outsized one go
	}
	scratchPool.Put(s)
}

// What a Twilio-family signature covers, after the URL.
type signedPart int

const (
	urlOnly signedPart = iota // GET (parameters in the URL), or a JSON body with bodySHA256
	urlForm                   // POST form: the sorted parameters
	urlBody                   // SignalWire RELAY: the raw body
)

// verifyHMAC verifies; when the request verified and its form was parsed
// (a POST form), it calls parsed with the scratch still held, so the
// Handler parses the form once.
func verifyHMAC(carrier, key string, src URLSource, sig, header string, relay bool, r *http.Request, body []byte,
	parsed func(*scratch)) error {
	if key == "" {
		return verifyErr(carrier, ErrNoSecret, "")
	}
	if sig == "" {
		return verifyErr(carrier, ErrMissingSignature, "no "+header+" header")
	}
	u, err := src.URL(r)
	if err != nil {
		return verifyErr(carrier, err, "")
	}
	s := getScratch(key)
	defer putScratch(s)
	part := urlOnly
	bodyHash, hasHash := "", false
	if relay && len(sig) == hex.EncodedLen(sha1.Size) {
		s.want = slices.Grow(s.want[:0], sha1.Size)[:sha1.Size]
		if _, err := hex.Decode(s.want, []byte(sig)); err != nil {
			return verifyErr(carrier, ErrBadSignature, header+" is not hex")
		}
		part = urlBody
	} else {
		if len(sig) != base64.StdEncoding.EncodedLen(sha1.Size) {
			return verifyErr(carrier, ErrBadSignature, header+" is not a base64 HMAC-SHA1")
		}
		s.want = slices.Grow(s.want[:0], sha1.Size+1)[:sha1.Size+1]
		n, err := strictBase64.Decode(s.want, []byte(sig))
		if err != nil || n != sha1.Size {
			return verifyErr(carrier, ErrBadSignature, header+" is not a base64 HMAC-SHA1")
		}
		s.want = s.want[:n]
		bodyHash, hasHash = queryValue(u, "bodySHA256")
		if !hasHash && r.Method == http.MethodPost {
			if !s.parseForm(body) {
				return verifyErr(carrier, ErrBadSignature, "body is not form-encoded")
			}
			part = urlForm
		}
	}
	su := splitURL(u)
	first, second, two := su.variants()
	if !s.signs(su, first, part, body) && !(two && s.signs(su, second, part, body)) {
		return verifyErr(carrier, ErrBadSignature, "")
	}
	if hasHash {
		// A JSON body: the URL alone was signed, and the body must hash
		// to its bodySHA256.
		sum := sha256.Sum256(body)
		var hexSum [2 * sha256.Size]byte
		hex.Encode(hexSum[:], sum[:])
		if !hmac.Equal(hexSum[:], []byte(bodyHash)) {
			return verifyErr(carrier, ErrBodyHash, "")
		}
	}
	if parsed != nil && part == urlForm {
		parsed(s)
	}
	return nil
}

// signs reports whether the URL with port, and what part says follows it,
// has the signature received.
func (s *scratch) signs(su signedURL, port string, part signedPart, body []byte) bool {
	s.mac.Reset()
	s.msg = append(append(append(s.msg[:0], su.head...), port...), su.tail...)
	s.mac.Write(s.msg)
	switch part {
	case urlForm:
		for _, p := range s.pairs {
			s.mac.Write(s.buf[p.k0:p.k1])
			s.mac.Write(s.buf[p.v0:p.v1])
		}
	case urlBody:
		s.mac.Write(body)
	}
	return s.matches()
}

// matches compares the HMAC with the signature received, in constant time.
func (s *scratch) matches() bool {
	s.sum = s.mac.Sum(s.sum[:0])
	return hmac.Equal(s.sum, s.want)
}

// parseForm unescapes an application/x-www-form-urlencoded body into
// s.buf and s.pairs, sorted by name then value (twilio-python's order for
// repeated names). It reports false for a malformed escape.
func (s *scratch) parseForm(body []byte) bool {
	// buf and pairs are locals until the end: a store to s's fields is a
	// write barrier each while the GC runs.
	buf, pairs := s.buf[:0], s.pairs[:0]
	off := 0 // of field in the body
	for rest := body; len(rest) > 0; {
		var field []byte
		start := off
		field, rest, _ = bytes.Cut(rest, []byte("&"))
		off += len(field) + 1
		if len(field) == 0 {
			continue
		}
		k, v, _ := bytes.Cut(field, []byte("="))
		var p pair
		var ok, verbatim bool
		p.k0 = int32(len(buf))
		if buf, ok, _ = unescape(buf, k); !ok {
			return false
		}
		p.k1 = int32(len(buf))
		p.v0 = p.k1
		if buf, ok, verbatim = unescape(buf, v); !ok {
			return false
		}
		p.v1 = int32(len(buf))
		p.raw = -1
		if verbatim {
			p.raw = int32(start + len(k) + 1)
		}
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := bytes.Compare(buf[a.k0:a.k1], buf[b.k0:b.k1]); c != 0 {
			return c
		}
		return bytes.Compare(buf[a.v0:a.v1], buf[b.v0:b.v1])
	})
	s.buf, s.pairs = buf, pairs
	return true
}

// unescape appends the query-unescaped b ('+' is a space) to dst.
// verbatim reports that b held no escape: it is what it unescapes to.
func unescape(dst, b []byte) (out []byte, ok, verbatim bool) {
	verbatim = true
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '+':
			dst = append(dst, ' ')
			verbatim = false
		case '%':
			if i+2 >= len(b) || !ishex(b[i+1]) || !ishex(b[i+2]) {
				return dst, false, false
			}
			dst = append(dst, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			verbatim = false
		default:
			dst = append(dst, c)
		}
	}
	return dst, true, verbatim
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// queryValue returns the raw value of key in u's query (not unescaped:
// bodySHA256 is hex).
func queryValue(u, key string) (string, bool) {
	_, q, ok := strings.Cut(u, "?")
	if !ok {
		return "", false
	}
	q, _, _ = strings.Cut(q, "#")
	for q != "" {
		var field string
		field, q, _ = strings.Cut(q, "&")
		if v, ok := strings.CutPrefix(field, key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// strictBase64 refuses non-zero padding bits, so one signature has one
// spelling, as the SDKs' string comparisons have it.
var strictBase64 = base64.StdEncoding.Strict()

func init() {
	registerReceiver(ReceiverInfo{
		Provider:    ProviderTwilio,
		Description: "Twilio conference status callbacks, X-Twilio-Signature (HMAC-SHA1 with the auth token)",
		Secrets:     []Secret{{Name: "auth_token", Env: "TWILIO_AUTH_TOKEN"}},
		New: func(s []string, src URLSource) (Receiver, error) {
			return &Twilio{AuthToken: s[0], URLSource: src}, nil
		},
	}, twilioTypes)
	registerReceiver(ReceiverInfo{
		Provider:    ProviderSignalWire,
		Description: "SignalWire cXML conference callbacks, X-SignalWire-Signature (HMAC-SHA1 with the signing key)",
		Secrets:     []Secret{{Name: "signing_key", Env: "SIGNALWIRE_SIGNING_KEY"}},
		New: func(s []string, src URLSource) (Receiver, error) {
			return &SignalWire{SigningKey: s[0], URLSource: src}, nil
		},
	}, signalwireTypes)
}
