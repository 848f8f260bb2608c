package driver

import (
	"context"
	"iter"

	"github.com/carrierkit/carrierkit/participant"
)

// Driver is what a carrier adapter implements: the one operation every
// carrier has, and what the adapter can carry. Applications do not call a
// Driver; they call the carrierkit.Client that wraps it, which:
//
//   - refuses, with nothing sent, a request that breaks the neutral rules
//     or names a field or an operation Capabilities leaves out
//     (participant.Validate), and a ref with an empty or malformed id;
//   - stamps Provider and Op on the errors the driver returns, and wraps a
//     plain error as a *participant.Error (on a clone of the driver's
//     *participant.Error, which errors.Is still finds: the driver's own
//     value is never written to, so it may return one to many calls);
//   - reports every call to its Observer, and refuses calls after Close.
//
// So a driver need not validate again. It still owns what only it knows:
// the account a ref without one uses, its carrier's id shapes (checked in
// each operation before anything is sent, and offered alone as
// RefChecker.CheckRef, which the client's CheckRef and a router's routing
// ask), and the delivery facts of its errors (participant.Error.Delivery
// and Applied, set where the request's fate is known).
//
// The optional operations are the interfaces Fetcher, Lister and Remover.
// A driver may implement one for a carrier that lacks the operation;
// Capabilities().Ops says what the carrier can do, and the client goes by
// it. Drivers are safe for concurrent use.
type Driver interface {
	// Capabilities reports what the driver can carry. It is called on
	// every operation, so it must be cheap (return a stored value).
	Capabilities() participant.Capabilities
	// Update applies req, already validated, to ref and returns the
	// participant as the carrier reports it afterwards.
	Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error)
}

// Fetcher is a driver that can read a participant (participant.OpFetch).
type Fetcher interface {
	Fetch(ctx context.Context, ref participant.Ref) (*participant.Participant, error)
}

// Lister is a driver that can list a conference's participants
// (participant.OpList). The sequence yields page by page; stopping early
// fetches no further page, and an error ends it.
type Lister interface {
	List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error]
}

// Remover is a driver that can take a participant out of its conference
// (participant.OpRemove). A participant already gone gives
// participant.ErrNotFound.
type Remover interface {
	Remove(ctx context.Context, ref participant.Ref) error
}

// RefChecker is a driver that can tell, sending nothing, whether a ref has
// the shapes of its carrier's ids. A ref with an empty Call is a
// conference's (a listing's): only its account and conference are checked.
// The error is a *participant.Error with CodeInvalidArgument naming the
// field.
type RefChecker interface {
	CheckRef(ref participant.Ref) error
}

// RefCapabilities is a driver whose capabilities depend on the ref: a
// router, whose carriers differ. The client validates a request on ref
// against CapabilitiesFor(ref) instead of Capabilities. An error (the ref
// fits no carrier) is returned to the caller, nothing sent, with its Op set
// to the caller's operation. For an operation and for CheckRef the client
// checks the neutral id rules (against Capabilities) before it asks.
type RefCapabilities interface {
	CapabilitiesFor(ref participant.Ref) (participant.Capabilities, error)
}

// Closer is a driver that holds resources (idle connections, a shared
// client) to release when the client is closed.
type Closer interface {
	Close() error
}

// Aser is a driver that can expose its vendor-specific types through
// carrierkit.Client.As: As sets *target and reports true when target is a
// pointer to a type the driver supports.
type Aser interface {
	As(target any) bool
}
