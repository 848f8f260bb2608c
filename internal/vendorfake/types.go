// Package vendorfake is the shared engine behind the in-memory vendor fakes
// (providers/twilio/twiliotest, providers/texml/texmltest,
// providers/bandwidth/bandwidthtest, providers/signalwire/signalwiretest).
//
// It owns the participant store, request recording, fault injection, path
// routing, update validation and JSON writing. A vendor supplies a Dialect:
// its paths (prefix, collection names, suffix), its update method (POST or
// PUT), body (a form of known fields, or JSON through Apply), success answer
// (200 with the participant, or 204), auth check, error codes and JSON
// shapes.
//
// Order of handling for every request: record it, apply the Load (429 past
// the account's limit, then the latency), apply a queued fault,
// authenticate, route (404), check the account in the path (403), check the
// method (405: GET, DELETE or the update method; the list takes GET only),
// serve the list (see Server.list), check the size of an update body (413:
// over MaxBody), check its content type (415), find the participant (404),
// then GET renders it, an update validates the body and applies it, and
// DELETE removes it (204). An error changes nothing.
//
// The request log keeps the newest Server.MaxRequests requests (by default
// DefaultMaxRequests), so a long-running emulator's memory stays bounded.
//
// Path segments are unescaped one by one, so labels holding "/", "?", "#",
// "%" or ".." match; mount the handler directly, not under a mux that cleans
// paths.
package vendorfake

import (
	"net/http"
	"net/url"
	"time"
)

// Participant is the fake's stored state (vendor-neutral field names; the
// dialect renders vendor JSON).
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

// Request is one recorded request. Every request that reaches the handler is
// recorded, before auth and faults, in arrival order.
type Request struct {
	Method   string
	Path     string // r.URL.EscapedPath() as received
	RawQuery string
	Header   http.Header // cloned
	Body     []byte      // at most MaxBody bytes
	Form     url.Values  // parsed from Body when Content-Type is form-urlencoded and the body is whole (nil otherwise)
	// Truncated reports a body over MaxBody: Body holds its first MaxBody
	// bytes, and a POST with it changed nothing (413, unless a fault or an
	// earlier check answered first).
	Truncated bool
	// Endpoint is the endpoint (1-based) the request arrived on, for a fake
	// served on several listeners (ForEndpoint); 0 otherwise.
	Endpoint int
	// Status is the status of the answer, once it was written; 0 while in
	// flight, or when the request got no answer (Hang, Drop, or the client
	// gave up).
	Status int
}

// Fault is injected into the next Times requests (0 means 1; -1 means until
// ClearFaults). Faults are queued FIFO; the head fault serves requests until
// its Times run out.
type Fault struct {
	Status     int           // answer with this status and the vendor error body built from Code/Message
	Code       string        // vendor error code, e.g. "20429" (Twilio, rendered as a JSON int) or "90019" (Telnyx, a string)
	Message    string        // vendor message (Twilio) or title (Telnyx); a per-status default if empty
	Body       string        // if set, sent as is (overrides Code/Message rendering)
	RetryAfter string        // Retry-After header value, if set
	Delay      time.Duration // wait before answering; stop without answering if the request context ends
	Drop       bool          // hijack the connection and close it without any response
	Malformed  bool          // answer 200 with a truncated, invalid JSON body
	// Hang accepts the request and never answers, until the client gives up
	// or the server closes.
	Hang bool
	// Endpoint, when not 0, makes the fault apply only to requests that
	// arrive on that endpoint (see ForEndpoint); other requests pass it by.
	Endpoint int
	Times    int
}

func (r Request) clone() Request {
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
