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
// The request log keeps the newest Server.SetMaxRequests requests (by default
// DefaultMaxRequests), so a long-running emulator's memory stays bounded.
//
// Path segments are unescaped one by one, so labels holding "/", "?", "#",
// "%" or ".." match; mount the handler directly, not under a mux that cleans
// paths.
package vendorfake

import (
	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/conformance/record"
)

// The engine's records and its fault model are the public ones, so that
// the vendor fakes' public face (package conformance/fake) hands them out
// as they are.
type (
	// Participant is the fake's stored state (vendor-neutral field names;
	// the dialect renders vendor JSON).
	Participant = record.Participant
	// Request is one recorded request. Every request that reaches the
	// handler is recorded, before auth and faults, in arrival order.
	Request = record.Request
	// Fault is injected into the next Times requests (0 means 1; -1 means
	// until ClearFaults). Faults are queued FIFO; the head fault serves
	// requests until its Times run out. Provider is the emulator's: the
	// engine ignores it. Refuse is the emulator's and the conformance
	// proxy's: Server.Fail panics on it.
	Fault = fault.Fault
	// Load makes a fake behave like a carrier under load (SetLoad).
	Load = fault.Load
)
