// Package record holds the records a conformance backend keeps: the
// participants it stores and the requests it received. The vendor fakes
// (providers/*/*test), the emulator and the conformance suites (conformance,
// conformance/live) share them. The package imports only the standard
// library.
package record

import (
	"net/http"
	"net/url"
	"time"
)

// Participant is a participant as a backend stores it, under
// vendor-neutral field names (a fake renders its vendor's JSON).
type Participant struct {
	Account, Conference, CallID, Label                                             string
	Muted, Hold, Coaching, EndConferenceOnExit, BeepOnExit, StartConferenceOnEnter bool
	HoldURL, HoldMethod, AnnounceURL, AnnounceMethod, WaitURL, WaitMethod          string
	CallToCoach                                                                    string
	// Status is the vendor status string: Twilio "connected"/"complete"/...;
	// Telnyx "connecting"/"connected"/"completed".
	Status           string
	Created, Updated time.Time
}

// Request is one request a backend received. A fake records every request
// that reaches it, before auth and faults, in arrival order.
type Request struct {
	Method   string
	Path     string // r.URL.EscapedPath() as received
	RawQuery string
	Header   http.Header // cloned
	Body     []byte      // at most the fake's largest body (1 MiB)
	Form     url.Values  // parsed from Body when Content-Type is form-urlencoded and the body is whole (nil otherwise)
	// Truncated reports a body over the fake's largest: Body holds its
	// first bytes, and an update with it changed nothing (413, unless a
	// fault or an earlier check answered first).
	Truncated bool
	// Endpoint is the endpoint (1-based) the request arrived on, for a fake
	// served on several listeners; 0 otherwise.
	Endpoint int
	// Status is the status of the answer, once it was written; 0 while in
	// flight, or when the request got no answer (a fault's Hang, Drop or
	// Reset, or the client gave up).
	Status int
}

// Clone returns a deep copy of r: its header, body and form are its own.
func (r Request) Clone() Request {
	r.Header = r.Header.Clone()
	r.Body = append([]byte(nil), r.Body...)
	if r.Form != nil {
		f := make(url.Values, len(r.Form))
		for k, v := range r.Form {
			f[k] = append([]string(nil), v...)
		}
		r.Form = f
	}
	return r
}
