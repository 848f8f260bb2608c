package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/carrierkit/carrierkit/internal/scrub"
)

// Error is a transport failure as the client returns it: the text of the
// original error, scrubbed of credentials, what callers test for in it
// (errors.Is with the sentinels below, net.Error's Timeout, NotSent), and
// the original's transport causes for errors.As (*net.OpError, *net.DNSError,
// *tls.CertificateVerificationError, the x509 and TLS record errors). It
// keeps no reference to the rest of the original: a *url.Error from a
// malformed answer can quote a header a proxy echoed back, so nothing below
// this error, in any unwrap chain or %#v form, may hold it. A cause is kept
// only when no form of it (scrub.Texts) holds a credential.
type Error struct {
	msg     string
	is      []error // the sentinels the original matched
	causes  []error // the transport causes kept for errors.As
	timeout bool
	notSent bool
}

// sentinels are the errors a transport failure is tested for with errors.Is.
var sentinels = []error{
	context.Canceled, context.DeadlineExceeded, os.ErrDeadlineExceeded, ErrBodyTooLarge,
	io.EOF, io.ErrUnexpectedEOF, net.ErrClosed,
	syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE, syscall.ETIMEDOUT,
	syscall.EHOSTUNREACH, syscall.ENETUNREACH,
}

func (c *Client) transportError(err error) *Error {
	e := &Error{msg: c.scrub.String(err.Error()), timeout: isTimeout(err), notSent: NotSent(err)}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			e.is = append(e.is, s)
		}
	}
	e.causes = transportCauses(err, c.scrub, e.causes, 0)
	return e
}

// transportCauses appends to out the outermost errors of err's tree that are
// transport causes worth errors.As (each with its own chain), skipping the
// wrappers around them (*url.Error, fmt's) and any cause a form of which
// would show a credential.
func transportCauses(err error, sc *scrub.Scrubber, out []error, depth int) []error {
	if err == nil || depth > 16 {
		return out
	}
	if isCause(err) {
		if clean(err, sc) {
			out = append(out, err)
		}
		return out
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return transportCauses(u.Unwrap(), sc, out, depth+1)
	case interface{ Unwrap() []error }:
		for _, w := range u.Unwrap() {
			out = transportCauses(w, sc, out, depth+1)
		}
	}
	return out
}

// isCause reports the transport error types kept in the chain.
func isCause(err error) bool {
	switch err.(type) {
	case *net.OpError, *net.DNSError, *net.AddrError, *tls.CertificateVerificationError, tls.RecordHeaderError,
		tls.AlertError, x509.UnknownAuthorityError, x509.HostnameError, x509.CertificateInvalidError,
		x509.SystemRootsError:
		return true
	}
	return false
}

// clean reports whether no form of err (text, fmt verbs, JSON, its unwrap
// chain) changes when scrubbed.
func clean(err error, sc *scrub.Scrubber) bool {
	for _, t := range scrub.Texts(err) {
		if sc.String(t) != t {
			return false
		}
	}
	return true
}

func (e *Error) Error() string { return e.msg }

// Is reports whether the original error matched target, one of the
// sentinels (context errors, ErrBodyTooLarge, io.EOF, connection errnos…).
func (e *Error) Is(target error) bool {
	for _, s := range e.is {
		if s == target {
			return true
		}
	}
	return false
}

// Unwrap returns the transport causes kept from the original error, for
// errors.As (*net.OpError, *tls.CertificateVerificationError, x509 errors…).
func (e *Error) Unwrap() []error { return e.causes }

// Timeout reports whether the original was a timeout (net.Error).
func (e *Error) Timeout() bool { return e.timeout }

// Temporary is net.Error's deprecated method; it reports Timeout.
func (e *Error) Temporary() bool { return e.timeout }

var _ net.Error = (*Error)(nil)

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// NotSent reports whether err means the request never reached the server:
// the connection was refused or could not be dialled (DNS too), or the TLS
// handshake failed (the certificate was not trusted, the server spoke no
// TLS or refused the handshake). Everything else after a request started
// may have reached it.
func NotSent(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.notSent
	}
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || inChain[*net.DNSError](err) || certificateError(err) ||
		inChain[tls.RecordHeaderError](err) || inChain[tls.AlertError](err)
}

// certificateError reports a failed certificate verification: sending
// again to the same host fails the same way.
func certificateError(err error) bool {
	return inChain[*tls.CertificateVerificationError](err) || inChain[x509.UnknownAuthorityError](err) ||
		inChain[x509.HostnameError](err) || inChain[x509.CertificateInvalidError](err)
}

// inChain reports whether err's tree holds an E (errors.AsType: no target
// to allocate, no reflection).
func inChain[E error](err error) bool {
	_, ok := errors.AsType[E](err)
	return ok
}
