// Package router sends each participant update to the carrier that owns the
// call and fails over between that carrier's API endpoints.
//
// A Router is a participant.Updater (and Fetcher, Lister, Remover) over
// several named carriers. For each call it picks the owning carrier (a
// router of one carrier sends every call to it, and its adapter judges
// the ids):
//
//  1. Ref.Carrier, when the caller names one;
//  2. else the one carrier whose configured account equals Ref.Account;
//  3. else the one carrier whose adapter accepts the shapes of the ids
//     (participant.RefChecker: Twilio AC/CF/CA SIDs, Telnyx UUIDs and v3:
//     ids, …).
//
// When none or several fit, the call fails with ErrInvalidArgument naming
// the candidates, and nothing is sent.
//
// An update is validated twice, on purpose: by the router against the
// owning carrier's capabilities before any breaker is asked, so a bad
// request fails with nothing sent and costs no half-open probe, and then
// by the endpoint's adapter, like any adapter call. Fetch, List and Remove
// likewise check the carrier's capabilities first.
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
// adapter puts on its error (participant.Error.Delivery), never from
// transport error types:
//   - breaker open (or half-open and busy): skipped, nothing sent;
//   - not sent (connection refused, DNS or TLS failure, an untrusted
//     certificate) or answered 429 ("never processed": Twilio 20429,
//     Telnyx 10011): next endpoint at once;
//   - maybe (5xx, or a timeout or reset after sending): next endpoint
//     only when the request is idempotent. An update that plays an
//     announcement is returned as an error and never replayed anywhere;
//   - any other answer (2xx, other 4xx), a request the adapter refused
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
// Attempts and retries. Each attempt is one call to an endpoint's adapter,
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
// the endpoint's adapter sends its request once whatever its own retry
// policy: a call sends at most 1+MaxRetries requests, adapters built with
// defaults and passed to New included, and lasts at most
// (1+MaxRetries)×AttemptTimeout plus the waits. The error returned counts
// in Attempts the requests of every attempt. A carrier whose policy allows
// one attempt (Retry.MaxRetries 0) leaves the retrying to its adapter,
// within the caller's budget: the call then sends what the adapter's policy
// allows, on the first endpoint whose breaker lets it through.
package router

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// Name is the Router's provider name in its Capabilities and errors.
const Name = "router"

// Endpoint is one API root of a carrier, as an adapter configured for it.
type Endpoint struct {
	// Name identifies the endpoint in Health, events and logs, e.g. the
	// host "api.dublin.ie1.twilio.com". Empty: "endpoint-N".
	Name string
	// Updater is the adapter instance whose base URL is this endpoint.
	Updater participant.Updater
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

// Router routes calls to the owning carrier and fails over between its
// endpoints. It is safe for concurrent use.
type Router struct {
	carriers []*carrier // sorted by name
	caps     participant.Capabilities
	obs      Observer
	log      *zap.Logger
	shared   Shared
}

var (
	_ participant.Updater = (*Router)(nil)
	_ participant.Fetcher = (*Router)(nil)
	_ participant.Lister  = (*Router)(nil)
	_ participant.Remover = (*Router)(nil)
)

// New returns a Router over carriers. It fails with ErrInvalidArgument,
// naming the field, when a carrier has no name, a duplicate name, no
// endpoint, a nil updater or an invalid policy.
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

// Capabilities is the union of the carriers' capabilities: a field or
// operation is listed when at least one carrier offers it. Provider is the
// carriers' adapter when they all use one, else "router". Each call is checked against its owning carrier's own
// capabilities (CarrierCapabilities) before anything is sent, so a field
// that carrier cannot carry fails with ErrUnsupported naming it.
func (r *Router) Capabilities() participant.Capabilities { return r.caps }

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
// endpoints as the package documentation says.
func (r *Router) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	c, err := r.route(ref, false)
	if err != nil {
		err.(*participant.Error).Op = "update"
		return nil, err
	}
	// Checked once, before any breaker is asked, so a bad request costs no
	// half-open probe.
	if err := participant.Validate(&req, c.caps); err != nil {
		return nil, err
	}
	return c.do(ctx, r, &request{op: "update", ref: ref, req: req})
}

// Fetch reads ref from the carrier that owns it, failing over like an
// idempotent update.
func (r *Router) Fetch(ctx context.Context, ref participant.Ref) (*participant.Participant, error) {
	c, err := r.route(ref, false)
	if err != nil {
		err.(*participant.Error).Op = "fetch"
		return nil, err
	}
	if !c.caps.Can(participant.OpFetch) {
		return nil, unsupported(c, participant.OpFetch)
	}
	return c.do(ctx, r, &request{op: "fetch", ref: ref})
}

// Remove takes ref out of its conference on the owning carrier. It is not
// idempotent (a second remove finds no one), so it moves on only when the
// request surely did not act.
func (r *Router) Remove(ctx context.Context, ref participant.Ref) error {
	c, err := r.route(ref, false)
	if err != nil {
		err.(*participant.Error).Op = "remove"
		return err
	}
	if !c.caps.Can(participant.OpRemove) {
		return unsupported(c, participant.OpRemove)
	}
	_, err = c.do(ctx, r, &request{op: "remove", ref: ref})
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
	fail := func(err error) iter.Seq2[*participant.Participant, error] {
		return func(yield func(*participant.Participant, error) bool) { yield(nil, err) }
	}
	if err != nil {
		err.(*participant.Error).Op = "list"
		return fail(err)
	}
	if !c.caps.Can(participant.OpList) {
		return fail(unsupported(c, participant.OpList))
	}
	return c.list(ctx, r, conf, opts)
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
// call operation needs a call whose shape fits too.
func (r *Router) route(ref participant.Ref, conference bool) (*carrier, error) {
	if ref.Carrier == "" && len(r.carriers) == 1 {
		return r.carriers[0], nil // nothing to choose: its adapter judges the ids
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
		var byAccount []*carrier
		for _, c := range r.carriers {
			if c.account == ref.Account {
				byAccount = append(byAccount, c)
			}
		}
		switch len(byAccount) {
		case 1:
			return byAccount[0], nil
		case 0: // not a configured account: the shapes decide
		default:
			return nil, invalid("Ref.Account", "account is configured on carriers "+names(byAccount)+": set Ref.Carrier to choose")
		}
	}
	var fits []*carrier
	for _, c := range r.carriers {
		if c.checkRef != nil && (ref.Call != "" || conference) && c.checkRef.CheckRef(ref) == nil {
			fits = append(fits, c)
		}
	}
	switch len(fits) {
	case 1:
		return fits[0], nil
	case 0:
		return nil, invalid("Ref", "the ids fit no carrier's id shapes (carriers: "+strings.Join(r.Carriers(), ", ")+"): set Ref.Carrier or Ref.Account")
	}
	return nil, invalid("Ref", "the ids fit carriers "+names(fits)+": set Ref.Carrier or Ref.Account to choose")
}

func names(cs []*carrier) string {
	n := make([]string, len(cs))
	for i, c := range cs {
		n[i] = c.name
	}
	return strings.Join(n, ", ")
}

func invalid(field, msg string) *participant.Error {
	return &participant.Error{Code: participant.CodeInvalidArgument, Provider: Name, Field: field, Message: msg,
		Delivery: participant.DeliveryNotSent}
}

func unsupported(c *carrier, o participant.Op) *participant.Error {
	return &participant.Error{Code: participant.CodeUnsupported, Provider: Name, Op: o,
		Delivery: participant.DeliveryNotSent,
		Message:  "carrier " + c.name + " (" + c.caps.Provider + ") cannot " + o.String() + " participants"}
}

// retryPolicy is p as applied (driver.RetryPolicy.WithDefaults), or
// driver.DefaultRetryPolicy for nil.
func retryPolicy(p *driver.RetryPolicy) driver.RetryPolicy {
	if p == nil {
		return driver.DefaultRetryPolicy()
	}
	return p.WithDefaults()
}
