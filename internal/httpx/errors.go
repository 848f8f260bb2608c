package httpx

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// Error is a transport failure as the client returns it: the text of the
// original error, scrubbed of credentials, and what callers test for in it
// (errors.Is with the sentinels below, net.Error's Timeout, NotSent). It
// keeps no reference to the original: a *url.Error from a malformed answer
// can quote a header a proxy echoed back, so nothing below this error, in
// any unwrap chain or %#v form, may hold it.
type Error struct {
	msg     string
	is      []error // the sentinels the original matched
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
	return e
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
