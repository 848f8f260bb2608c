package carrierkit

import (
	"time"

	"github.com/carrierkit/carrierkit/participant"
)

// Observer gets one Event per call of a Client, after the call, in the
// caller's goroutine: for metrics, traces or an audit log. It must be safe
// for concurrent use and should not block. A router's own Observer
// (router.Observer) sees each endpoint attempt inside a call.
type Observer interface {
	Observe(Event)
}

// ObserverFunc makes a function an Observer.
type ObserverFunc func(Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }

// Event is one call of a Client, as an Observer sees it.
type Event struct {
	// Op is the operation: update, fetch, list or remove.
	Op participant.Op
	// Provider is the adapter's name (the router's for a router).
	Provider string
	// Ref is the participant, or for a list the conference (Call empty).
	Ref participant.Ref
	// Fields are the fields an update set.
	Fields participant.FieldSet
	// Listed is how many participants a list yielded.
	Listed int
	// Duration is the call's time, checks included.
	Duration time.Duration
	// Err is the call's error, nil on success. participant.CodeOf(Err) and
	// participant.DeliveryOf(Err) give a metric's labels.
	Err error
}
