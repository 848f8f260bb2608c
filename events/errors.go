package events

import "errors"

// ErrUnverified is matched (errors.Is) by every verification failure: the
// request reached no parser and no app code. Its message never holds the
// secret, the expected signature or the one received.
var ErrUnverified = errors.New("webhook not verified")

// Verification failures; each also matches ErrUnverified.
var (
	// ErrNoSecret: the Receiver has no auth token, signing key, public key
	// or credentials configured. It fails closed.
	ErrNoSecret = unverified("no secret configured (auth token, signing key, public key or Basic credentials); refusing every request")
	// ErrMissingSignature: the request carries no signature header (or no
	// Authorization header, for Bandwidth).
	ErrMissingSignature = unverified("missing signature or credentials")
	// ErrBadSignature: the signature or credentials do not match.
	ErrBadSignature = unverified("signature or credentials do not match")
	// ErrBodyHash: a JSON body does not match the URL's bodySHA256.
	ErrBodyHash = unverified("body does not match bodySHA256")
	// ErrStale: the timestamp is outside the tolerance window.
	ErrStale = unverified("timestamp outside the tolerance window")
	// ErrReplay: the same signature was already accepted inside the window.
	ErrReplay = unverified("replayed: this signature was already accepted")
	// ErrNoPublicURL: neither PublicURL nor TrustForwardedHeaders is set,
	// so the URL the carrier signed is unknown (the request's Host is
	// never trusted by default).
	ErrNoPublicURL = unverified("the public URL is unknown: set PublicURL or TrustForwardedHeaders (the request's Host is not trusted)")
)

// ErrUnknownEvent is returned by a parser for a verified payload whose
// event type the carrier is not documented to send. No Event is made up
// for it.
var ErrUnknownEvent = errors.New("unknown event type")

// ErrBadPayload is matched by every parse error of a verified payload; the
// message names the field and the rule.
var ErrBadPayload = errors.New("bad payload")

type reasonErr struct{ msg string }

func (e *reasonErr) Error() string { return e.msg }

func (e *reasonErr) Is(target error) bool { return target == ErrUnverified }

func unverified(msg string) error { return &reasonErr{msg: msg} }

// VerifyError is the error of a failed verification: which carrier, and
// why (one of the Err variables above, for errors.Is).
type VerifyError struct {
	Carrier string
	Reason  error
	// Detail adds what was wrong without any secret (a header name, "not
	// base64", the timestamp's age).
	Detail string
}

func (e *VerifyError) Error() string {
	s := "events: " + e.Carrier + ": " + e.Reason.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func (e *VerifyError) Unwrap() error { return e.Reason }

func verifyErr(carrier string, reason error, detail string) error {
	return &VerifyError{Carrier: carrier, Reason: reason, Detail: detail}
}

// PayloadError is a parse error of a verified payload.
type PayloadError struct {
	Carrier string
	Field   string
	Rule    string
	unknown bool
}

func (e *PayloadError) Error() string {
	if e.Field == "" {
		return "events: " + e.Carrier + ": " + e.Rule
	}
	return "events: " + e.Carrier + ": " + e.Field + ": " + e.Rule
}

func (e *PayloadError) Is(target error) bool {
	return target == ErrBadPayload || (e.unknown && target == ErrUnknownEvent)
}
