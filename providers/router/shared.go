package router

import (
	"time"

	"github.com/carrierkit/carrierkit/participant"
)

// Shared shares endpoint health among the instances of an app, so that
// when one instance's breaker opens on an endpoint the others skip it too,
// without sending, until the verdict expires (package coordination/redis
// keeps it on Redis). Each instance keeps its own breaker: only the
// "open until" verdict is shared, never a lock around the carrier call.
type Shared interface {
	// Opened tells the other instances that this instance's breaker on
	// the endpoint opened, until when. It is called on the request path:
	// it must not block (send in the background, bounded).
	Opened(carrier, endpoint string, until time.Time)
	// OpenUntil returns until when another instance holds the endpoint
	// open (zero or past: it does not). It is called before every attempt:
	// it must answer from memory.
	OpenUntil(carrier, endpoint string) time.Time
}

// Sources of an EndpointHealth's state.
const (
	SourceInstance = "instance" // this instance's breaker
	SourceFleet    = "fleet"    // another instance's breaker, through Options.Shared
)

// fleetOpen reports whether another instance holds ep open: then the
// attempt is skipped, nothing sent, as for an open breaker.
func (r *Router) fleetOpen(c *carrier, ep *endpoint, op participant.Op) bool {
	if r.shared == nil || !time.Now().Before(r.shared.OpenUntil(c.name, ep.name)) {
		return false
	}
	ep.skipped()
	r.attempt(AttemptEvent{Carrier: c.name, Endpoint: ep.name, Op: op, Outcome: OutcomeSkipped, Code: participant.CodeUnavailable})
	return true
}

// shareOpened tells the fleet that ep's breaker opened for coolDown.
func (r *Router) shareOpened(c *carrier, ep *endpoint) {
	if r.shared != nil {
		r.shared.Opened(c.name, ep.name, time.Now().Add(c.policy.Breaker.CoolDown))
	}
}

// fleetHealth sets h's Source, and marks h open by the fleet when this
// instance's breaker is closed but another instance holds it open.
func (r *Router) fleetHealth(c *carrier, h *EndpointHealth) {
	if r.shared == nil {
		return // one instance: no source to tell apart
	}
	h.Source = SourceInstance
	if h.State != StateClosed {
		return
	}
	if until := r.shared.OpenUntil(c.name, h.Name); time.Now().Before(until) {
		h.State, h.Source = StateOpen, SourceFleet
	}
}
