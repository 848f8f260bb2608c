// Package carrierkit is the portable client for live conference
// participants on any telephony carrier: mute, hold with hold music,
// announcements, wait music, beep and end-conference on exit, coaching,
// list and remove.
//
// An application holds a *Client and writes its code against it and the
// neutral types of package participant. The Client wraps a driver
// (package driver) that speaks one carrier's API; switching carriers
// changes the driver, usually only a URL or a config value:
//
//	c, err := providers.Open(ctx, "twilio://?region=ie1")
//	...
//	p, err := c.Update(ctx, ref, participant.UpdateRequest{Muted: participant.Bool(true)})
//
// The Client owns what every carrier shares: it validates a request
// against the neutral rules and the driver's Capabilities before anything
// is sent, refuses an operation the carrier lacks with
// participant.ErrUnsupported, stamps the operation and the provider on
// every error, reports every call to an Observer, and refuses calls after
// Close. The driver owns its carrier's wire details and the delivery facts
// of its errors (participant.Error.Delivery).
//
// Two words are used with care. A provider is an adapter, the code that
// speaks one vendor's API ("twilio", "texml"). A carrier is one configured
// account reached through a provider ("us", "eu-backup" in a config
// file); a router serves several carriers and routes each ref by its
// Carrier field.
package carrierkit

import (
	"cmp"
	"context"
	"errors"
	"iter"
	"sync/atomic"
	"time"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// Client is the portable client over one driver. It is safe for concurrent
// use. Its methods are those of participant.Updater, so a *Client serves
// wherever an Updater is wanted (a batch, a router's endpoint).
type Client struct {
	d       driver.Driver
	fetcher driver.Fetcher
	lister  driver.Lister
	remover driver.Remover
	checker driver.RefChecker
	refCaps driver.RefCapabilities
	obs     Observer
	state   *state
}

// state is shared by a Client and the Clients New makes over it.
type state struct{ closed atomic.Bool }

var _ participant.Updater = (*Client)(nil)

// Option configures a Client made by New.
type Option func(*Client)

// WithObserver sets the Observer that gets one Event per call.
func WithObserver(o Observer) Option { return func(c *Client) { c.obs = o } }

// New returns the portable client over d. When d is itself a *Client, the
// new Client shares its driver (and its closed state) and keeps its
// Observer unless an option sets another: use it to add an Observer to a
// client a provider opened.
func New(d driver.Driver, opts ...Option) *Client {
	if inner, ok := d.(*Client); ok {
		c := *inner
		for _, o := range opts {
			o(&c)
		}
		return &c
	}
	c := &Client{d: d, state: new(state)}
	c.fetcher, _ = d.(driver.Fetcher)
	c.lister, _ = d.(driver.Lister)
	c.remover, _ = d.(driver.Remover)
	c.checker, _ = d.(driver.RefChecker)
	c.refCaps, _ = d.(driver.RefCapabilities)
	for _, o := range opts {
		o(c)
	}
	return c
}

// Capabilities reports what the driver can carry: the fields of
// UpdateRequest, the optional operations, the fields it can read back.
// For a router they are the union over its carriers; CapabilitiesFor
// gives one ref's.
func (c *Client) Capabilities() participant.Capabilities { return c.d.Capabilities() }

// CapabilitiesFor reports what the driver can carry for ref: the
// Capabilities of the carrier that owns it, for a driver that serves
// several (a router), else Capabilities. The error says the ref fits no
// carrier.
func (c *Client) CapabilitiesFor(ref participant.Ref) (participant.Capabilities, error) {
	if c.refCaps != nil {
		return c.refCaps.CapabilitiesFor(ref)
	}
	return c.d.Capabilities(), nil
}

// Update applies req to the participant ref and returns the participant
// as the carrier reports it afterwards. A request that breaks a rule, or
// sets a field the carrier cannot carry, fails with nothing sent and the
// field named; a failure after sending says in its *participant.Error how
// far the request got (Delivery) and which fields were applied.
func (c *Client) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	var start time.Time
	if c.obs != nil {
		start = time.Now()
	}
	caps, err := c.prepare(ctx, participant.OpUpdate, ref)
	if err == nil {
		err = participant.Validate(&req, caps)
	}
	var p *participant.Participant
	if err == nil {
		p, err = c.d.Update(ctx, ref, req)
		if err != nil {
			err = stamp(err, participant.OpUpdate, caps.Provider)
		}
	}
	if c.obs != nil {
		c.obs.Observe(Event{Op: participant.OpUpdate, Provider: caps.Provider, Ref: ref, Fields: req.Fields(),
			Duration: time.Since(start), Err: err})
	}
	return p, err
}

// Fetch reads the participant ref, or fails with participant.ErrUnsupported
// when the carrier cannot.
func (c *Client) Fetch(ctx context.Context, ref participant.Ref) (*participant.Participant, error) {
	var start time.Time
	if c.obs != nil {
		start = time.Now()
	}
	caps, err := c.prepare(ctx, participant.OpFetch, ref)
	var p *participant.Participant
	if err == nil {
		p, err = c.fetcher.Fetch(ctx, ref)
		if err != nil {
			err = stamp(err, participant.OpFetch, caps.Provider)
		}
	}
	if c.obs != nil {
		c.obs.Observe(Event{Op: participant.OpFetch, Provider: caps.Provider, Ref: ref, Duration: time.Since(start), Err: err})
	}
	return p, err
}

// Remove takes ref out of its conference, or fails with
// participant.ErrUnsupported when the carrier cannot. A participant
// already gone gives participant.ErrNotFound.
func (c *Client) Remove(ctx context.Context, ref participant.Ref) error {
	var start time.Time
	if c.obs != nil {
		start = time.Now()
	}
	caps, err := c.prepare(ctx, participant.OpRemove, ref)
	if err == nil {
		if err = c.remover.Remove(ctx, ref); err != nil {
			err = stamp(err, participant.OpRemove, caps.Provider)
		}
	}
	if c.obs != nil {
		c.obs.Observe(Event{Op: participant.OpRemove, Provider: caps.Provider, Ref: ref, Duration: time.Since(start), Err: err})
	}
	return err
}

// List yields the participants of conf page by page, keeping those that
// match opts' filters. Stopping the iteration early fetches no further
// page. An error ends the sequence; a listing the carrier cannot do
// yields one participant.ErrUnsupported error, nothing sent. The Observer
// gets one Event when the iteration ends, with the number of participants
// yielded.
func (c *Client) List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		var start time.Time
		if c.obs != nil {
			start = time.Now()
		}
		ref := conf.Participant("")
		caps, err := c.prepare(ctx, participant.OpList, ref)
		if err == nil {
			err = participant.ValidateListOptions(opts, caps)
		}
		n := 0
		if err == nil {
			for p, lerr := range c.lister.List(ctx, conf, opts) {
				if lerr != nil {
					err = stamp(lerr, participant.OpList, caps.Provider)
					break
				}
				n++
				if !yield(p, nil) {
					break
				}
			}
		}
		if err != nil {
			yield(nil, err)
		}
		if c.obs != nil {
			c.obs.Observe(Event{Op: participant.OpList, Provider: caps.Provider, Ref: ref, Listed: n,
				Duration: time.Since(start), Err: err})
		}
	}
}

// CheckRef reports, sending nothing, whether ref fits the neutral id rules
// and the carrier's id shapes. A ref with an empty Call is checked as a
// conference's. Its error's Op is participant.OpCheck.
func (c *Client) CheckRef(ref participant.Ref) error {
	op := participant.OpUpdate
	if ref.Call == "" {
		op = participant.OpList
	}
	// The neutral rules first, once, as prepare does: they need no carrier.
	caps := c.d.Capabilities()
	if err := participant.CheckRef(ref, op, caps); err != nil {
		return restamp(err, participant.OpCheck)
	}
	if c.checker != nil { // a router's CheckRef routes: no CapabilitiesFor before it
		if err := c.checker.CheckRef(ref); err != nil {
			return restamp(stamp(err, participant.OpCheck, caps.Provider), participant.OpCheck)
		}
		return nil
	}
	if c.refCaps != nil {
		if _, err := c.refCaps.CapabilitiesFor(ref); err != nil { // the ref fits no carrier
			return restamp(err, participant.OpCheck)
		}
	}
	return nil
}

// Close releases the driver's resources (idle connections). Calls after
// Close fail with participant.ErrFailedPrecondition, nothing sent. Closing
// twice is not an error.
func (c *Client) Close() error {
	if c.state.closed.Swap(true) {
		return nil
	}
	if cl, ok := c.d.(driver.Closer); ok {
		return cl.Close()
	}
	return nil
}

// As exposes what is under the client, for what the portable API does not
// cover. target must be a non-nil pointer:
//
//   - *driver.Driver gets the driver itself, to compose drivers (a router
//     over endpoints) without validating twice;
//   - any other type is asked of the driver (driver.Aser); each provider
//     documents what it supports (its vendor client, its *http.Client).
//
// As reports whether target was set.
func (c *Client) As(target any) bool {
	if d, ok := target.(*driver.Driver); ok && d != nil {
		*d = c.d
		return true
	}
	if a, ok := c.d.(driver.Aser); ok {
		return a.As(target)
	}
	return false
}

// prepare checks what every operation on ref needs before anything is
// sent: an open client, an operation the carrier offers, the neutral id
// rules, and a context that has not ended. It returns the capabilities the
// request is validated against.
func (c *Client) prepare(ctx context.Context, op participant.Op, ref participant.Ref) (participant.Capabilities, error) {
	caps := c.d.Capabilities()
	if c.state.closed.Load() { // first: a closed client refuses every call alike
		return caps, &participant.Error{Code: participant.CodeFailedPrecondition, Provider: caps.Provider, Op: op,
			Message: "the client is closed", Delivery: participant.DeliveryNotSent}
	}
	// The neutral id rules need no carrier, so they run once, before any
	// routing: a ref they refuse (a call operation without a call) is not
	// routed, which would name the wrong problem (a ref without a call
	// routes as a conference's).
	if err := participant.CheckRef(ref, op, caps); err != nil {
		return caps, err
	}
	if c.refCaps != nil {
		refCaps, err := c.refCaps.CapabilitiesFor(ref)
		if err != nil {
			// The Event names who refused: the error's provider (a
			// router's routing), else the driver's.
			if pe, ok := errors.AsType[*participant.Error](err); ok && pe.Provider != "" {
				caps.Provider = pe.Provider
			}
			return caps, restamp(err, op)
		}
		caps = refCaps
	}
	if op != participant.OpUpdate && (!caps.Can(op) || !c.implements(op)) {
		return caps, &participant.Error{Code: participant.CodeUnsupported, Provider: caps.Provider, Op: op,
			Delivery: participant.DeliveryNotSent,
			Message:  "the " + caps.Provider + " adapter cannot " + op.String() + " participants"}
	}
	// The carrier's own id shapes are the driver's to check as it builds
	// the request (the engine's dialect Check also covers the request's
	// ids, such as CallToCoach): asking CheckRef here too would run them
	// twice per call.
	if err := ctx.Err(); err != nil { // ended before anything was sent
		return caps, &participant.Error{Code: participant.CodeOf(err), Provider: caps.Provider, Op: op,
			Delivery: participant.DeliveryNotSent, Err: err}
	}
	return caps, nil
}

func (c *Client) implements(op participant.Op) bool {
	switch op {
	case participant.OpFetch:
		return c.fetcher != nil
	case participant.OpList:
		return c.lister != nil
	case participant.OpRemove:
		return c.remover != nil
	}
	return false
}

// stamp makes err a *participant.Error that names op and provider: the
// driver's own when it names both, else a clone of it with them filled in
// (the driver's error is never written to: it may be one value returned to
// many calls), or a new one wrapping a plain error, with the code CodeOf
// finds and DeliveryUnknown (no layer recorded how far it got).
func stamp(err error, op participant.Op, provider string) error {
	pe, ok := errors.AsType[*participant.Error](err)
	if !ok {
		return &participant.Error{Code: participant.CodeOf(err), Provider: provider, Op: op, Err: err}
	}
	if pe.Provider != "" && pe.Op != "" {
		return err
	}
	c := pe.CloneOver(err)
	c.Provider, c.Op = cmp.Or(pe.Provider, provider), cmp.Or(pe.Op, op)
	return c
}

// restamp names op on a refusal made before anything was sent (a check
// reused for another operation), on a clone.
func restamp(err error, op participant.Op) error {
	pe, ok := errors.AsType[*participant.Error](err)
	if !ok || pe.Delivery > participant.DeliveryNotSent || pe.Op == op {
		return err
	}
	c := pe.CloneOver(err)
	c.Op = op
	return c
}
