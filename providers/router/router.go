// Package router sends each participant update to the carrier that owns the
// call and fails over between that carrier's API endpoints.
//
// A *Router is a driver (package driver) over several named carriers, each
// a list of endpoint drivers; an application calls it through the portable
// client, Router.Client (carrierkit.New(r) makes another, with options).
// For each call the router picks the owning carrier (a router of one
// carrier sends every call to it, and its driver judges the ids):
//
//  1. Ref.Carrier, when the caller names one;
//  2. else the one carrier whose configured account equals Ref.Account;
//  3. else the one carrier whose driver accepts the shapes of the ids
//     (driver.RefChecker: Twilio AC/CF/CA SIDs, Telnyx UUIDs and v3:
//     ids, …).
//
// When none or several fit, the call fails with ErrInvalidArgument naming
// the candidates, and nothing is sent.
//
// A request is validated once, by the portable client, against the neutral
// rules and the owning carrier's capabilities (CapabilitiesFor; the router
// is a driver.RefCapabilities), before the router is called: a bad request
// fails with nothing sent and costs no breaker's half-open probe. The
// carrier's id shapes are its endpoint driver's to check as it builds the
// request. The endpoints are drivers: an endpoint given as a
// *carrierkit.Client is used through the driver under it (Client.As), so
// nothing validates twice. The client stamps the operation and the
// provider on every error; the router adds what only it knows: the
// carrier (Error.Carrier), the requests of every attempt (Error.Attempts),
// the fields any attempt applied and the delivery fact across endpoints, and, on every
// participant it returns, the Carrier that reached it, so p.Ref() routes
// back to the same carrier.
//
// A carrier is an ordered list of endpoints: API roots that reach the same
// account and, on Twilio, the same region (Twilio edges of one region,
// api.telnyx.com and api.telnyx.eu, any compatible host). An update never
// moves to another carrier or region: a live call exists on one only.
// Each endpoint has a circuit breaker (github.com/sony/gobreaker/v2) shared
// by every goroutine. It counts only failures that show the endpoint is
// unhealthy: connections refused, reset or timed out, and 5xx answers
// (a proxy's HTML page too). 4xx, 429 and the caller's own cancellation
// never count. After Breaker.Failures consecutive failures it opens; after
// Breaker.CoolDown it lets Breaker.Probes requests through half-open, and
// closes again when they succeed.
//
// Moving on to the next endpoint is decided from the delivery fact each
// driver puts on its error (participant.Error.Delivery), never from
// transport error types:
//   - breaker open (or half-open and busy): skipped, nothing sent;
//   - not sent (connection refused, DNS or TLS failure, an untrusted
//     certificate) or answered 429 ("never processed": Twilio 20429,
//     Telnyx 10011): next endpoint at once;
//   - maybe (5xx, or a timeout or reset after sending): next endpoint
//     only when the request is idempotent. An update that plays an
//     announcement is returned as an error and never replayed anywhere;
//   - any other answer (2xx, other 4xx), a request the driver refused
//     before sending, and an update the carrier applied though reading it
//     back failed (participant.DeliveryApplied): returned at once.
//
// An update some of whose fields the carrier applied before a later step
// failed (participant.Error.Applied, on carriers where one update is
// several calls) moves on with only the rest (UpdateRequest.Without), by
// the same rules applied to what is left: an applied announcement is never
// sent again, one that may have played neither. The error returned lists
// every field applied by any attempt, and its Delivery is maybe when any
// attempt may have acted, whatever the later ones got.
//
// Attempts and retries. Each attempt is one call to an endpoint's driver,
// under a per-attempt timeout (Policy.AttemptTimeout, default 10s), cut to
// a fair share of the caller's remaining deadline when it has one (the
// remaining time divided by the endpoints left in the pass that the retry
// budget can still reach), so a hung
// endpoint cannot eat the whole deadline. When every endpoint was tried,
// the router starts over after a backoff (Policy.Retry: exponential
// WaitMin..WaitMax, or the carrier's Retry-After capped by MaxRetryAfter),
// for at most 1+Retry.MaxRetries attempts in all (default 4), within the
// caller's budget when its context carries one (participant.WithRetryBudget,
// as a batch's does). No wait runs past the caller's deadline. Each
// attempt runs under a retry budget of 0 (participant.WithRetryBudget), so
// the endpoint's driver sends its request once whatever its own retry
// policy: a call sends at most 1+MaxRetries requests, adapters built with
// defaults and passed to New included, and lasts at most
// (1+MaxRetries)×AttemptTimeout plus the waits. The error returned counts
// in Attempts the requests of every attempt. A carrier whose policy allows
// one attempt (Retry.MaxRetries 0) leaves the retrying to its driver,
// within the caller's budget: the call then sends what the driver's policy
// allows, on the first endpoint whose breaker lets it through.
//
// Two observers. The client's carrierkit.Observer gets one Event per call
// of the application (an update, a listing), whatever the router did
// inside it; the router's own Observer (Options.Observer) gets each
// attempt on an endpoint, each endpoint skipped, and each breaker change.
package router

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// Name is the Router's provider name in its Capabilities (when its
// carriers use different adapters) and in the errors of routing.
const Name = "router"

// Endpoint is one API root of a carrier, as a driver configured for it.
type Endpoint struct {
	// Name identifies the endpoint in Health, events and logs, e.g. the
	// host "api.dublin.ie1.twilio.com". Empty: "endpoint-N".
	Name string
	// Driver speaks to this endpoint: an adapter's *carrierkit.Client
	// (the router uses the driver under it, so a request is validated
	// once, and the router owns it from then on: closing the router's
	// client closes it) or any driver.Driver.
	Driver driver.Driver
}

// Carrier is one carrier account: a name and its endpoints, in order of
// preference.
type Carrier struct {
	// Name is what Ref.Carrier names; letters, digits, _ and -.
	Name string
	// Account is the carrier account the endpoints act for, for routing by
	// Ref.Account; empty routes this carrier by name or id shape only.
	Account string
	// Endpoints are tried in order. Every one must reach the same account
	// and region.
	Endpoints []Endpoint
	// Policy is the carrier's breaker and attempt settings; zero fields
	// take the defaults.
	Policy Policy
}

// Options configure a Router.
type Options struct {
	// Observer, when set, gets every attempt and every breaker change.
	Observer Observer
	// Logger gets the same facts as debug (attempts) and info (breaker
	// changes) lines; never credentials. Nil means no logging.
	Logger *zap.Logger
	// Shared, when set, shares endpoint health with the app's other
	// instances (see Shared). Nil: this instance's breakers only.
	Shared Shared
}

// Router is the driver that routes calls to the owning carrier and fails
// over between its endpoints. Call it through Client. It is safe for
// concurrent use.
type Router struct {
	carriers []*carrier // sorted by name
	caps     participant.Capabilities
	obs      Observer
	log      *zap.Logger
	shared   Shared
	client   *carrierkit.Client
}

var (
	_ driver.Driver          = (*Router)(nil)
	_ driver.Fetcher         = (*Router)(nil)
	_ driver.Lister          = (*Router)(nil)
	_ driver.Remover         = (*Router)(nil)
	_ driver.RefChecker      = (*Router)(nil)
	_ driver.RefCapabilities = (*Router)(nil)
	_ driver.Closer          = (*Router)(nil)
	_ driver.Aser            = (*Router)(nil)
)

// New returns a Router over carriers. It fails with ErrInvalidArgument,
// naming the field, when a carrier has no name, a duplicate name, no
// endpoint, a nil driver or an invalid policy. Nothing is sent.
func New(opts Options, carriers ...Carrier) (*Router, error) {
	r := &Router{obs: opts.Observer, log: opts.Logger, shared: opts.Shared}
	if r.log == nil {
		r.log = zap.NewNop()
	}
	if len(carriers) == 0 {
		return nil, invalid("carriers", "name at least one carrier")
	}
	seen := map[string]bool{}
	var errs []error
	for i, c := range carriers {
		field := "carriers[" + strconv.Itoa(i) + "]"
		switch {
		case !validName(c.Name):
			errs = append(errs, invalid(field+".Name", "carrier names are letters, digits, _ and -"))
			continue
		case seen[c.Name]:
			errs = append(errs, invalid(field+".Name", "carrier "+c.Name+" is named twice"))
			continue
		case len(c.Endpoints) == 0:
			errs = append(errs, invalid(field+".Endpoints", "carrier "+c.Name+" has no endpoint"))
			continue
		}
		seen[c.Name] = true
		cr, err := r.newCarrier(field, c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.carriers = append(r.carriers, cr)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(r.carriers, func(a, b *carrier) int { return strings.Compare(a.name, b.name) })
	r.caps = participant.Capabilities{Provider: r.carriers[0].caps.Provider, Readable: r.carriers[0].caps.Readable}
	for _, c := range r.carriers {
		r.caps.Fields |= c.caps.Fields
		r.caps.Readable &= c.caps.Readable // read back wherever the call lives
		r.caps.Ops |= c.caps.Ops
		r.caps.Labels = r.caps.Labels || c.caps.Labels
		r.caps.HoldMutes = r.caps.HoldMutes || c.caps.HoldMutes // hold may mute where the call lives
		if c.caps.Provider != r.caps.Provider {
			r.caps.Provider = Name
		}
	}
	r.client = carrierkit.New(r)
	return r, nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || i > 0 && (c == '_' || c == '-')
		if !ok {
			return false
		}
	}
	return true
}

// Client returns the portable client over r, the one every call of the
// application goes through: it validates each request once against the
// owning carrier's capabilities, stamps the operation and the provider on
// errors, and closes r's endpoints on Close. Every call
// returns the same client; carrierkit.New(r.Client(),
// carrierkit.WithObserver(o)) adds an Observer. The client's As gives r
// back (a **Router target).
func (r *Router) Client() *carrierkit.Client { return r.client }

// Capabilities is the union of the carriers' capabilities: a field or
// operation is listed when at least one carrier offers it. Provider is the
// carriers' adapter when they all use one, else "router". Each call is
// validated against its owning carrier's own capabilities
// (CapabilitiesFor), so a field that carrier cannot carry fails with
// ErrUnsupported naming it.
func (r *Router) Capabilities() participant.Capabilities { return r.caps }

// CapabilitiesFor returns the capabilities of the carrier that owns ref
// (routed as the package documentation says; a ref without a call as a
// conference's), or the routing error. The portable client validates
// every request against them.
func (r *Router) CapabilitiesFor(ref participant.Ref) (participant.Capabilities, error) {
	c, err := r.route(ref, ref.Call == "")
	if err != nil {
		return participant.Capabilities{}, err
	}
	return c.caps, nil
}

// CarrierCapabilities returns the capabilities of the carrier name, and
// whether there is such a carrier.
func (r *Router) CarrierCapabilities(name string) (participant.Capabilities, bool) {
	for _, c := range r.carriers {
		if c.name == name {
			return c.caps, true
		}
	}
	return participant.Capabilities{}, false
}

// Carriers returns the carriers' names, sorted.
func (r *Router) Carriers() []string {
	names := make([]string, len(r.carriers))
	for i, c := range r.carriers {
		names[i] = c.name
	}
	return names
}

// Update sends req to the carrier that owns ref, failing over between its
// endpoints as the package documentation says. req is not validated here:
// the portable client did it.
func (r *Router) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	c, err := r.route(ref, false)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, r, &request{op: participant.OpUpdate, ref: ref, req: req})
}

// Fetch reads ref from the carrier that owns it, failing over like an
// idempotent update.
func (r *Router) Fetch(ctx context.Context, ref participant.Ref) (*participant.Participant, error) {
	c, err := r.route(ref, false)
	if err != nil {
		return nil, err
	}
	if !c.caps.Can(participant.OpFetch) {
		return nil, unsupported(c, participant.OpFetch)
	}
	return c.do(ctx, r, &request{op: participant.OpFetch, ref: ref})
}

// Remove takes ref out of its conference on the owning carrier. It is not
// idempotent (a second remove finds no one), so it moves on only when the
// request surely did not act.
func (r *Router) Remove(ctx context.Context, ref participant.Ref) error {
	c, err := r.route(ref, false)
	if err != nil {
		return err
	}
	if !c.caps.Can(participant.OpRemove) {
		return unsupported(c, participant.OpRemove)
	}
	_, err = c.do(ctx, r, &request{op: participant.OpRemove, ref: ref})
	return err
}

// List lists conf's participants on the carrier that owns conf (routed
// like a ref without a call: Ref.Carrier, Ref.Account, else the shapes of
// the account and conference ids), failing over between its endpoints like
// an idempotent update as long as no participant was yielded. A listing
// that fails after yielding participants ends with the error: it is not
// started over elsewhere, so no participant is ever yielded twice. Each
// listing is one attempt for the breaker and the Observer, judged on its
// first answer (the first participant, the end, or an error before
// either): the loop body runs outside the breaker, so updating each listed
// participant through the router works while a breaker is half-open.
func (r *Router) List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	c, err := r.route(conf.Participant(""), true)
	if err == nil && !c.caps.Can(participant.OpList) {
		err = unsupported(c, participant.OpList)
	}
	if err != nil {
		return func(yield func(*participant.Participant, error) bool) { yield(nil, err) }
	}
	return c.list(ctx, r, conf, opts)
}

// CheckRef reports, sending nothing, whether ref routes to a carrier and
// has the shapes of that carrier's ids (a ref without a call: a
// conference's).
func (r *Router) CheckRef(ref participant.Ref) error {
	c, err := r.route(ref, ref.Call == "")
	if err != nil || c.checkRef == nil {
		return err
	}
	return c.checkRef.CheckRef(ref)
}

// Close closes every endpoint's driver that holds resources
// (driver.Closer). The portable client calls it once, on its Close.
func (r *Router) Close() error {
	var errs []error
	for _, c := range r.carriers {
		for _, ep := range c.endpoints {
			if cl, ok := ep.driver.(driver.Closer); ok {
				errs = append(errs, cl.Close())
			}
		}
	}
	return errors.Join(errs...)
}

// As sets *target to r when target is a **Router, so a
// *carrierkit.Client gives back the router under it (for Health and
// Route).
func (r *Router) As(target any) bool {
	if p, ok := target.(**Router); ok && p != nil {
		*p = r
		return true
	}
	return false
}

// Route returns the name of the carrier that owns ref, by the rules of the
// package documentation, or a *participant.Error with CodeInvalidArgument
// naming the candidates. A ref without a call is a conference's (as
// List routes it). Nothing is sent.
func (r *Router) Route(ref participant.Ref) (string, error) {
	c, err := r.route(ref, ref.Call == "")
	if err != nil {
		return "", err
	}
	return c.name, nil
}

// route finds ref's carrier. For a conference (a listing: ref has no
// call), the id shapes checked are the account's and the conference's; a
// call operation needs a call whose shape fits too. It allocates nothing
// of its own but its error (routing by shapes, the refusal of each carrier
// the ids do not fit is its driver's CheckRef's: ~300ns and one allocation
// for two carriers): the portable client routes each call twice
// (CapabilitiesFor, then the operation).
func (r *Router) route(ref participant.Ref, conference bool) (*carrier, error) {
	if ref.Carrier == "" && len(r.carriers) == 1 {
		return r.carriers[0], nil // nothing to choose: its driver judges the ids
	}
	if ref.Carrier != "" {
		for _, c := range r.carriers {
			if c.name == ref.Carrier {
				return c, nil
			}
		}
		return nil, invalid("Ref.Carrier", "no carrier "+strconv.Quote(ref.Carrier)+" (carriers: "+strings.Join(r.Carriers(), ", ")+")")
	}
	if ref.Account != "" {
		byAccount := func(c *carrier) bool { return c.account == ref.Account }
		switch c, n := r.only(byAccount); n {
		case 1:
			return c, nil
		case 0: // not a configured account: the shapes decide
		default:
			return nil, invalid("Ref.Account", "account is configured on carriers "+r.names(byAccount)+": set Ref.Carrier to choose")
		}
	}
	fits := func(c *carrier) bool {
		return c.checkRef != nil && (ref.Call != "" || conference) && c.checkRef.CheckRef(ref) == nil
	}
	switch c, n := r.only(fits); n {
	case 1:
		return c, nil
	case 0:
		return nil, invalid("Ref", "the ids fit no carrier's id shapes (carriers: "+strings.Join(r.Carriers(), ", ")+"): set Ref.Carrier or Ref.Account")
	}
	return nil, invalid("Ref", "the ids fit carriers "+r.names(fits)+": set Ref.Carrier or Ref.Account to choose")
}

// only returns the first carrier that match selects, and how many do
// (counting stops at 2).
func (r *Router) only(match func(*carrier) bool) (*carrier, int) {
	var first *carrier
	n := 0
	for _, c := range r.carriers {
		if match(c) {
			if n++; n == 1 {
				first = c
			} else {
				break
			}
		}
	}
	return first, n
}

// names lists the carriers match selects, for an error.
func (r *Router) names(match func(*carrier) bool) string {
	var n []string
	for _, c := range r.carriers {
		if match(c) {
			n = append(n, c.name)
		}
	}
	return strings.Join(n, ", ")
}

// invalid is a routing or construction error: the router's own, before
// any carrier is chosen, so it names the router as its provider.
func invalid(field, msg string) *participant.Error {
	return &participant.Error{Code: participant.CodeInvalidArgument, Provider: Name, Field: field, Message: msg,
		Delivery: participant.DeliveryNotSent}
}

// unsupported is the error of an operation the owning carrier lacks, for
// a Router called without the portable client (which refuses it first).
func unsupported(c *carrier, o participant.Op) *participant.Error {
	return &participant.Error{Code: participant.CodeUnsupported, Carrier: c.name, Delivery: participant.DeliveryNotSent,
		Message: "carrier " + c.name + " (" + c.caps.Provider + ") cannot " + o.String() + " participants"}
}

// retryPolicy is p as applied (driver.RetryPolicy.WithDefaults), or
// driver.DefaultRetryPolicy for nil.
func retryPolicy(p *driver.RetryPolicy) driver.RetryPolicy {
	if p == nil {
		return driver.DefaultRetryPolicy()
	}
	return p.WithDefaults()
}
