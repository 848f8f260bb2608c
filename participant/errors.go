package participant

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Code is a neutral error class. Codes are errors themselves, so
// errors.Is(err, ErrNotFound) tests the class of any adapter's error.
//
// Which to use: callers test an error with the Err* sentinels and
// errors.Is (errors.Is(err, participant.ErrNotFound)), which also works
// through wrapping; they switch on CodeOf(err) when several classes lead
// to different handling (an exit code, a metric label). The Code*
// constants are for that switch and for adapters building an *Error. The
// sentinels are the Codes themselves, so both idioms always agree.
type Code uint8

// Error classes.
const (
	CodeUnknown Code = iota
	// CodeInvalidArgument: the request broke a rule; nothing was sent, or the
	// carrier refused it as invalid.
	CodeInvalidArgument
	// CodeUnsupported: the adapter cannot carry a field or an operation;
	// nothing was sent.
	CodeUnsupported
	CodeUnauthenticated
	CodePermissionDenied
	CodeNotFound
	// CodeFailedPrecondition: the participant or conference is in a state
	// that forbids the update (conference ended, participant on hold, conflict).
	CodeFailedPrecondition
	CodeRateLimited
	CodeUnavailable
	CodeCanceled
	CodeDeadlineExceeded
	numCodes
)

var codeNames = [numCodes]string{
	"unknown", "invalid argument", "unsupported", "unauthenticated", "permission denied",
	"not found", "failed precondition", "rate limited", "unavailable", "canceled", "deadline exceeded",
}

// String returns the code's name, e.g. "not found".
func (c Code) String() string {
	if c < numCodes {
		return codeNames[c]
	}
	return "code(" + strconv.Itoa(int(c)) + ")"
}

// Error makes a Code usable as an errors.Is target.
func (c Code) Error() string { return "participant: " + c.String() }

// Sentinels for errors.Is; each matches any *Error of its code.
var (
	ErrUnknown            error = CodeUnknown
	ErrInvalidArgument    error = CodeInvalidArgument
	ErrUnsupported        error = CodeUnsupported
	ErrUnauthenticated    error = CodeUnauthenticated
	ErrPermissionDenied   error = CodePermissionDenied
	ErrNotFound           error = CodeNotFound
	ErrFailedPrecondition error = CodeFailedPrecondition
	ErrRateLimited        error = CodeRateLimited
	ErrUnavailable        error = CodeUnavailable
	ErrCanceled           error = CodeCanceled
	ErrDeadlineExceeded   error = CodeDeadlineExceeded
)

// Error is the error every adapter returns. The vendor's own error value
// (twilio.APIError, texml.APIError) or the transport error is in Err, so
// errors.As reaches it and errors.Is(err, context.Canceled) still works.
type Error struct {
	Code     Code
	Provider string // adapter name, e.g. "twilio"
	// Carrier is the configured carrier a router sent the call to (as
	// Ref.Carrier names it); empty for a client over one adapter.
	Carrier string
	// Op is the operation that failed: OpUpdate, OpFetch, OpList or
	// OpRemove; OpCheck for CheckRef; OpConfig for a bad setting when an
	// adapter is created or opened from a URL or a config file.
	Op Op
	// Field is the request field a validation or capability rule refused.
	Field string
	// Message says what went wrong when there is no vendor message.
	Message string

	HTTPStatus    int    // 0 when no response arrived
	VendorCode    string // the carrier's code, e.g. "20404" or "90019"
	VendorMessage string
	// RetryAfter is the wait the carrier asked for (429, 503), if any.
	RetryAfter time.Duration
	// Attempts is how many HTTP requests were made (0: nothing was sent).
	Attempts int
	// Delivery says how far the failed request got: not sent, maybe,
	// answered, or applied. It is set by the layer that knows it; callers
	// (a router, a batch) decide from it whether anything may be sent
	// again. For an update it describes the fields not in Applied.
	Delivery Delivery
	// Applied lists the update's fields the carrier certainly applied
	// before the failure: all of them when Delivery is DeliveryApplied (an
	// update answered 204 whose read-back failed; Code is the read-back's,
	// so a 429 there is ErrRateLimited), some of them when a later step of
	// a several-call update failed. They must not be sent again.
	Applied FieldSet
	// Step names the call of a several-call update that failed (for
	// example "deaf" on Plivo); empty for one-call updates.
	Step string

	Err error

	// origin is the error this one was cloned from (Clone): errors.Is
	// still finds it, and the errors that one was cloned from.
	origin *Error
}

// Clone returns a copy of e for a layer to add what it knows (a provider,
// an op, applied fields) without writing to e, which its maker may return
// to many calls at once. errors.Is(clone, e) holds, and the clone keeps
// e's Err, so its chain and its text are e's.
func (e *Error) Clone() *Error {
	c := *e
	c.origin = e
	return &c
}

// CloneOver is Clone for a layer that found e in err's chain: when err is
// a wrapper around e rather than e itself, the clone wraps err in place of
// e's Err, so the wrapper stays in the chain for errors.As. errors.Is(clone,
// e) holds either way.
func (e *Error) CloneOver(err error) *Error {
	c := e.Clone()
	if err != error(e) {
		c.Err = err
	}
	return c
}

// Delivery says how far a request got before it failed. The HTTP layer
// knows whether anything reached the carrier; the adapter knows whether
// the carrier answered or applied the change. Nothing above them guesses.
type Delivery uint8

// Delivery states.
const (
	// DeliveryUnknown: no layer recorded how far the request got (an error
	// made outside carrierkit). Treat it as DeliveryMaybe.
	DeliveryUnknown Delivery = iota
	// DeliveryNotSent: nothing reached the carrier (a local refusal, a
	// refused connection, DNS, TLS, an open breaker). Sending it again, to
	// the same endpoint or another of the same account, is always safe.
	DeliveryNotSent
	// DeliveryMaybe: sent, with no answer that settles it (a 5xx, a reset
	// after sending, a timeout after sending). The carrier may have acted:
	// only an idempotent update may be sent again.
	DeliveryMaybe
	// DeliveryAnswered: the carrier answered and did not act (a 4xx, a
	// 429). Whether to send again depends on the code: a 429 may be sent
	// again after its Retry-After, a 400 never.
	DeliveryAnswered
	// DeliveryApplied: the change went through, but something after it
	// failed (reading the participant back). Never send it again.
	DeliveryApplied
	numDeliveries
)

var deliveryNames = [numDeliveries]string{"unknown", "not sent", "maybe", "answered", "applied"}

// String returns the state's name, e.g. "not sent".
func (d Delivery) String() string {
	if d < numDeliveries {
		return deliveryNames[d]
	}
	return "delivery(" + strconv.Itoa(int(d)) + ")"
}

// MarshalText encodes the state as its name, for JSON output.
func (d Delivery) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// DeliveryOf returns the Delivery of the first *Error in err's chain, or
// DeliveryUnknown.
func DeliveryOf(err error) Delivery {
	if pe, ok := errors.AsType[*Error](err); ok {
		return pe.Delivery
	}
	return DeliveryUnknown
}

// Error returns one line: provider, op, code, then field or vendor details.
// It never holds credentials.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("carrierkit")
	if e.Provider != "" {
		b.WriteString(" ")
		b.WriteString(e.Provider)
	}
	if e.Op != "" {
		b.WriteString(" ")
		b.WriteString(string(e.Op))
	}
	b.WriteString(": ")
	b.WriteString(e.Code.String())
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.HTTPStatus != 0 {
		b.WriteString(" (HTTP ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
		if e.VendorCode != "" {
			b.WriteString(", code ")
			b.WriteString(e.VendorCode)
		}
		b.WriteString(")")
	}
	if e.VendorMessage != "" {
		b.WriteString(": ")
		b.WriteString(e.VendorMessage)
	}
	if e.Err != nil && e.HTTPStatus == 0 && e.Message == "" {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the vendor or transport error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the Code sentinels (ErrNotFound, …), and for a clone the
// error it was cloned from, and so on back to the first.
func (e *Error) Is(target error) bool {
	if c, ok := target.(Code); ok {
		return c == e.Code
	}
	for o := e.origin; o != nil; o = o.origin {
		if target == error(o) {
			return true
		}
	}
	return false
}

// CodeOf returns the code of the first *Error in err's chain;
// CodeCanceled or CodeDeadlineExceeded for bare context errors; else
// CodeUnknown.
func CodeOf(err error) Code {
	var pe *Error
	switch {
	case errors.As(err, &pe):
		return pe.Code
	case errors.Is(err, context.Canceled):
		return CodeCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return CodeDeadlineExceeded
	}
	return CodeUnknown
}
