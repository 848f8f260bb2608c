package events

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Telnyx signature headers (TeXML uses them too; it is not HMAC-signed).
const (
	HeaderTelnyxSignature = "Telnyx-Signature-Ed25519"
	HeaderTelnyxTimestamp = "Telnyx-Timestamp"
)

// DefaultTolerance is how far a Telnyx timestamp may be from now, either way.
const DefaultTolerance = 5 * time.Minute

// DefaultReplayCapacity bounds the signatures a TeXML receiver remembers.
const DefaultReplayCapacity = 100_000

// TeXML receives Telnyx TeXML conference callbacks. It verifies
// telnyx-signature-ed25519: an Ed25519 signature, with the account's
// public key, of telnyx-timestamp, "|", and the raw body as received; the
// timestamp must be within Tolerance of now, and a signature already
// accepted inside that window is rejected as a replay. Only POST is
// accepted: a GET callback's query is not covered by the signature.
//
// A TeXML is safe for concurrent use; it must not be copied after first use.
type TeXML struct {
	// PublicKey is the account's Ed25519 public key (Mission Control,
	// Public Keys). A key that is not 32 bytes fails closed.
	PublicKey ed25519.PublicKey
	// Tolerance is the largest |now - timestamp| accepted (0:
	// DefaultTolerance).
	Tolerance time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// ReplayCapacity bounds the signatures remembered (0:
	// DefaultReplayCapacity). Past it the oldest are forgotten first, so
	// only a flood of genuine callbacks can make room for a replay.
	ReplayCapacity int

	mu   sync.Mutex
	seen map[[ed25519.SignatureSize]byte]time.Time // signature -> when it stops mattering
	fifo [][ed25519.SignatureSize]byte
}

// ParsePublicKey decodes a base64 Ed25519 public key as Telnyx shows it.
func ParsePublicKey(b64 string) (ed25519.PublicKey, error) {
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, &PayloadError{Carrier: CarrierTelnyx, Field: "public key", Rule: "want 32 bytes of base64"}
	}
	return ed25519.PublicKey(k), nil
}

func (t *TeXML) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *TeXML) tolerance() time.Duration {
	if t.Tolerance > 0 {
		return t.Tolerance
	}
	return DefaultTolerance
}

// Verify checks the request's signature, timestamp and freshness; body is
// the request body as received.
func (t *TeXML) Verify(r *http.Request, body []byte) error {
	if len(t.PublicKey) != ed25519.PublicKeySize {
		return verifyErr(CarrierTelnyx, ErrNoSecret, "")
	}
	sigB64 := r.Header.Get(HeaderTelnyxSignature)
	ts := r.Header.Get(HeaderTelnyxTimestamp)
	if sigB64 == "" || ts == "" {
		return verifyErr(CarrierTelnyx, ErrMissingSignature, "want both "+HeaderTelnyxSignature+" and "+HeaderTelnyxTimestamp)
	}
	var sig [ed25519.SignatureSize]byte
	var dec [ed25519.SignatureSize + 2]byte
	if len(sigB64) != base64.StdEncoding.EncodedLen(ed25519.SignatureSize) {
		return verifyErr(CarrierTelnyx, ErrBadSignature, HeaderTelnyxSignature+" is not a base64 Ed25519 signature")
	}
	if n, err := strictBase64.Decode(dec[:], []byte(sigB64)); err != nil || n != ed25519.SignatureSize {
		return verifyErr(CarrierTelnyx, ErrBadSignature, HeaderTelnyxSignature+" is not a base64 Ed25519 signature")
	}
	copy(sig[:], dec[:])
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return verifyErr(CarrierTelnyx, ErrStale, HeaderTelnyxTimestamp+" is not Unix seconds")
	}
	now, tol := t.now(), t.tolerance()
	// Compare in seconds: a far-off timestamp would overflow a Duration.
	nowSecs := now.Unix()
	if age := nowSecs - secs; age > int64(tol/time.Second) || -age > int64(tol/time.Second) {
		return verifyErr(CarrierTelnyx, ErrStale, "off by more than "+tol.String())
	}
	s := scratchPool.Get().(*scratch)
	s.buf = append(append(append(s.buf[:0], ts...), '|'), body...)
	ok := ed25519.Verify(t.PublicKey, s.buf, sig[:])
	if cap(s.buf) <= 64<<10 {
		scratchPool.Put(s)
	}
	if !ok {
		return verifyErr(CarrierTelnyx, ErrBadSignature, "")
	}
	if !t.remember(sig, time.Unix(secs, 0).Add(tol), now) {
		return verifyErr(CarrierTelnyx, ErrReplay, "")
	}
	return nil
}

// remember records an accepted signature until expires; it reports false
// when the signature is already remembered.
func (t *TeXML) remember(sig [ed25519.SignatureSize]byte, expires, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen == nil {
		t.seen = make(map[[ed25519.SignatureSize]byte]time.Time)
	}
	if exp, ok := t.seen[sig]; ok && now.Before(exp) {
		return false
	}
	// Forget from the oldest while expired (arrival order is close to
	// timestamp order) or over capacity.
	capacity := t.ReplayCapacity
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	for len(t.fifo) > 0 {
		head := t.fifo[0]
		if exp, ok := t.seen[head]; ok && now.Before(exp) && len(t.fifo) < capacity {
			break
		}
		delete(t.seen, head)
		t.fifo = t.fifo[1:]
	}
	t.seen[sig] = expires
	t.fifo = append(t.fifo, sig)
	return true
}

func init() {
	registerReceiver(ReceiverInfo{
		Provider:    ProviderTeXML,
		Description: "Telnyx TeXML conference callbacks, telnyx-signature-ed25519 (with the account's public key)",
		Secrets:     []Secret{{Name: "ed25519_public_key", Env: "TELNYX_PUBLIC_KEY", Format: "base64 Ed25519"}},
		New: func(s []string, _ URLSource) (Receiver, error) {
			pub, err := ParsePublicKey(s[0])
			if err != nil {
				return nil, errors.New("want a base64 Ed25519 public key (32 bytes)")
			}
			return &TeXML{PublicKey: pub}, nil
		},
	}, texmlTypes)
}
