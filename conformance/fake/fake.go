// Package fake is the public face of carrierkit's in-memory vendor fakes:
// every fake package (providers/twilio/twiliotest, texmltest,
// bandwidthtest, plivotest, signalwiretest, vonagetest) returns a *Server
// from its New. A Server is an http.Handler that stores participants,
// records the requests it receives and injects faults; it is a
// conformance.Backend. Only the vendors' wire details (paths, error
// shapes, JSON) stay inside carrierkit.
package fake

import (
	"net/http"

	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/conformance/record"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

func init() {
	vendorfake.SetPublic(
		func(e *vendorfake.Server) any { return &Server{e: e} },
		func(pub any) *vendorfake.Server { return pub.(*Server).e })
}

// Server is an in-memory vendor fake; it is an http.Handler. Safe for
// concurrent use. Mount it directly (httptest.NewServer(srv)), not under a
// mux that cleans paths: labels may hold "/", "?", "#", "%" or "..".
//
// A fake reads request bodies up to 1 MiB: a larger update is answered 413
// in the vendor's error shape and changes nothing, and its first MiB is
// recorded with Request.Truncated set. It keeps the newest 10,000 requests
// unless SetMaxRequests says otherwise.
//
// Each request is recorded, then the Load applies (429 past an account's
// limit, then the latency), then a queued fault, then authentication,
// routing and the vendor's checks. An error changes nothing.
type Server struct {
	e *vendorfake.Server
}

// ServeHTTP serves the vendor's participant resource.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Seed adds p, or replaces the participant with the same Account,
// Conference and CallID. An empty CallID gets a new vendor id; Created and
// Updated default to now (UTC, second precision), Status to "connected".
func (s *Server) Seed(p record.Participant) { s.e.Seed(p) }

// AddConference makes a conference known, so listing it answers an empty
// page instead of 404. Seed does it for its participant's conference.
func (s *Server) AddConference(account, conference string) { s.e.AddConference(account, conference) }

// Participant finds a participant by CallID, else by Label.
func (s *Server) Participant(account, conference, callOrLabel string) (record.Participant, bool) {
	return s.e.Participant(account, conference, callOrLabel)
}

// ByCall finds a participant of account by its call id, in any conference.
func (s *Server) ByCall(account, call string) (record.Participant, bool) {
	return s.e.ByCall(account, call)
}

// Members returns the participants of a conference, oldest first, and
// whether the conference is known.
func (s *Server) Members(account, conference string) ([]record.Participant, bool) {
	return s.e.Members(account, conference)
}

// Remove deletes a participant; false if there was none.
func (s *Server) Remove(account, conference, call string) bool {
	return s.e.Remove(account, conference, call)
}

// Hangup ends a participant's call, as when the caller hangs up, and
// reports whether the participant was there.
func (s *Server) Hangup(account, conference, callOrLabel string) bool {
	return s.e.Hangup(account, conference, callOrLabel)
}

// NewCallID returns a new call id in the vendor's form.
func (s *Server) NewCallID() string { return s.e.NewCallID() }

// Requests returns a copy of the recorded requests, oldest first: the
// newest SetMaxRequests (by default 10,000) since the last ResetRequests.
func (s *Server) Requests() []record.Request { return s.e.Requests() }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.e.ResetRequests() }

// SetMaxRequests caps the request log at the newest n requests (0: the
// default, 10,000; negative: no cap).
func (s *Server) SetMaxRequests(n int) { s.e.SetMaxRequests(n) }

// Fail queues f (FIFO) for the next requests. It panics on a fault that
// f.Validate refuses, and on f.Refuse: refuse connections at a proxy or an
// emulator endpoint.
func (s *Server) Fail(f fault.Fault) { s.e.Fail(f) }

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() { s.e.ClearFaults() }

// SetLoad sets the load behaviour for the requests that start after it.
func (s *Server) SetLoad(l fault.Load) { s.e.SetLoad(l) }

// Throttled returns how many requests the Load limit answered 429.
func (s *Server) Throttled() int64 { return s.e.Throttled() }

// PeakInFlight returns the most requests of one account the Load limit
// saw in flight at once.
func (s *Server) PeakInFlight() int { return s.e.PeakInFlight() }

// ResetLoadStats zeroes Throttled and PeakInFlight.
func (s *Server) ResetLoadStats() { s.e.ResetLoadStats() }
