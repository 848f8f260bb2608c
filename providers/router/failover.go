package router

import (
	"context"
	"errors"
	"iter"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/wait"
	"github.com/carrierkit/carrierkit/participant"
)

// Defaults of Policy and BreakerSettings.
const (
	DefaultFailures       = 5
	DefaultCoolDown       = 30 * time.Second
	DefaultProbes         = 1
	DefaultAttemptTimeout = 10 * time.Second
)

// BreakerSettings configure each endpoint's circuit breaker. Zero fields
// take the defaults.
type BreakerSettings struct {
	// Failures is how many consecutive unhealthy-endpoint failures open
	// the breaker (default 5).
	Failures int
	// CoolDown is how long an open breaker sends nothing before letting
	// probes through half-open (default 30s).
	CoolDown time.Duration
	// Probes is how many requests a half-open breaker lets through; that
	// many successes close it, one failure opens it again (default 1).
	Probes int
}

// Policy is a carrier's failover policy. Zero fields take the defaults.
type Policy struct {
	Breaker BreakerSettings
	// AttemptTimeout bounds one attempt on one endpoint (default 10s); it
	// is cut to a fair share of the caller's remaining deadline.
	AttemptTimeout time.Duration
	// Retry bounds the attempts (1+MaxRetries, across all endpoints,
	// within the caller's participant.RetryBudget) and the waits between
	// passes over the endpoints; nil means
	// driver.DefaultRetryPolicy (4 attempts, 100ms–2s, Retry-After up to
	// 30s). Its CheckRetry must be nil: what may be sent again is decided
	// by the rules of the package documentation. Backoff, when set, gives
	// the wait before pass number attempt (0-based).
	Retry *driver.RetryPolicy
}

func (p Policy) withDefaults() Policy {
	if p.Breaker.Failures <= 0 {
		p.Breaker.Failures = DefaultFailures
	}
	if p.Breaker.CoolDown <= 0 {
		p.Breaker.CoolDown = DefaultCoolDown
	}
	if p.Breaker.Probes <= 0 {
		p.Breaker.Probes = DefaultProbes
	}
	if p.AttemptTimeout <= 0 {
		p.AttemptTimeout = DefaultAttemptTimeout
	}
	rp := retryPolicy(p.Retry)
	p.Retry = &rp
	return p
}

// carrier is one carrier's endpoints and policy.
type carrier struct {
	name, account string
	caps          participant.Capabilities
	checkRef      driver.RefChecker // of the first endpoint; nil when it has none
	policy        Policy
	endpoints     []*endpoint
}

func (r *Router) newCarrier(field string, c Carrier) (*carrier, error) {
	if c.Policy.Retry != nil && c.Policy.Retry.CheckRetry != nil {
		return nil, invalid(field+".Policy.Retry.CheckRetry", "must be nil: the router decides what may be sent again")
	}
	// gobreaker counts in uint32: a larger value would wrap around.
	if int64(c.Policy.Breaker.Failures) > math.MaxUint32 {
		return nil, invalid(field+".Policy.Breaker.Failures", "must be at most "+strconv.FormatInt(math.MaxUint32, 10))
	}
	if int64(c.Policy.Breaker.Probes) > math.MaxUint32 {
		return nil, invalid(field+".Policy.Breaker.Probes", "must be at most "+strconv.FormatInt(math.MaxUint32, 10))
	}
	cr := &carrier{name: c.Name, account: c.Account, policy: c.Policy.withDefaults()}
	var first participant.Capabilities
	for i, e := range c.Endpoints {
		d := endpointDriver(e.Driver)
		if d == nil {
			return nil, invalid(field+".Endpoints["+strconv.Itoa(i)+"].Driver", "must not be nil")
		}
		caps := d.Capabilities()
		if i == 0 {
			first = caps
			cr.checkRef, _ = d.(driver.RefChecker)
		} else if caps != first {
			return nil, invalid(field+".Endpoints["+strconv.Itoa(i)+"]", "endpoints of one carrier must be the same adapter ("+
				first.Provider+"), with the same capabilities")
		}
		name := e.Name
		if name == "" {
			name = "endpoint-" + strconv.Itoa(i+1)
		}
		ep := r.newEndpoint(cr, name, d)
		// A failover may reach any endpoint with any operation the first
		// has: a later one without it would be found out mid-call.
		if i > 0 && ep.ops() != cr.endpoints[0].ops() {
			return nil, invalid(field+".Endpoints["+strconv.Itoa(i)+"]", "endpoints of one carrier must be the same adapter ("+
				first.Provider+"), implementing the same operations")
		}
		cr.endpoints = append(cr.endpoints, ep)
	}
	// The carrier offers the optional operations its drivers both declare
	// and implement (every endpoint implements the same ones).
	cr.caps = first
	cr.caps.Ops &= cr.endpoints[0].ops()
	return cr, nil
}

// endpointDriver is the driver an endpoint is called through: the one
// under a *carrierkit.Client, which the router's own client has already
// validated for, else d itself. Nil for a nil driver.
func endpointDriver(d driver.Driver) driver.Driver {
	if c, ok := d.(*carrierkit.Client); ok {
		if c == nil || !c.As(&d) {
			return nil
		}
	}
	return d
}

// verdict is what one attempt's outcome means.
type verdict uint8

const (
	vOK          verdict = iota // answered: return it
	vNotActed                   // surely did not act: move on
	vAmbiguous                  // may have acted: move on only when idempotent
	vFinal                      // return the error at once
	vCallerEnded                // the caller's context ended: return
)

// Outcome names what became of an attempt.
type Outcome string

// Attempt outcomes.
const (
	// OutcomeOK: the endpoint answered; the call returns its answer (which
	// may be an error such as not found).
	OutcomeOK Outcome = "ok"
	// OutcomeFailover: the attempt failed and the router moved on.
	OutcomeFailover Outcome = "failover"
	// OutcomeFailed: the attempt failed and its error is returned (an
	// ambiguous failure of an announcement, the last attempt, the caller's
	// deadline).
	OutcomeFailed Outcome = "failed"
	// OutcomeSkipped: the breaker was open (or half-open and busy); nothing
	// was sent.
	OutcomeSkipped Outcome = "skipped"
)

// errUnhealthy and errExcluded tell the breaker how to count an attempt.
var (
	errUnhealthy = errors.New("unhealthy endpoint")
	errExcluded  = errors.New("not counted")
)

// classify judges an attempt's error from the delivery fact the adapter
// put on it (participant.Error.Delivery) and, for an answer, its code.
// unhealthy reports whether it shows the endpoint is unhealthy (the
// breaker counts it).
func classify(callerCtx context.Context, err error) (v verdict, unhealthy bool) {
	if err == nil {
		return vOK, false
	}
	if callerCtx.Err() != nil {
		return vCallerEnded, false
	}
	pe, _ := errors.AsType[*participant.Error](err)
	switch participant.DeliveryOf(err) {
	case participant.DeliveryApplied:
		return vFinal, false // the carrier acted; only what came after failed
	case participant.DeliveryAnswered:
		if pe.Code == participant.CodeRateLimited {
			if participant.RateLimitsHandled(callerCtx) {
				return vFinal, false // the caller's shared limiter waits it out: every endpoint shares the account's limit
			}
			return vNotActed, false // 429: never processed (Twilio 20429, Telnyx 10011)
		}
		return vFinal, false // the carrier's answer: every endpoint would give it
	case participant.DeliveryNotSent:
		if pe.Code == participant.CodeInvalidArgument || pe.Code == participant.CodeUnsupported {
			return vFinal, false // refused before sending: every endpoint would refuse it
		}
		return vNotActed, pe.Attempts > 0 // refused connection, DNS, TLS; an inner breaker that was open
	}
	return vAmbiguous, true // maybe (5xx, reset, timeout after sending), or unknown
}

// request is one logical call on a carrier: what is left to send, and what
// earlier attempts certainly applied.
type request struct {
	op      participant.Op // update, fetch, remove or list
	ref     participant.Ref
	req     participant.UpdateRequest // for an update: the fields not applied yet
	applied participant.FieldSet      // fields earlier attempts applied (Error.Applied)
	maybe   bool                      // an earlier attempt may have acted (DeliveryMaybe or unknown)
}

// idempotent reports whether what is left may be sent again after an
// ambiguous failure: a fetch, an update without an announcement. A remove
// is not (a second one finds no one).
func (q *request) idempotent() bool {
	switch q.op {
	case participant.OpFetch:
		return true
	case participant.OpUpdate:
		return q.req.Idempotent()
	}
	return false
}

// send makes one attempt of q on ep. The carrier's capabilities list
// fetch and remove only when ep's driver implements them.
func (q *request) send(ctx context.Context, ep *endpoint) (*participant.Participant, error) {
	switch q.op {
	case participant.OpFetch:
		return ep.fetcher.Fetch(ctx, q.ref)
	case participant.OpRemove:
		return nil, ep.remover.Remove(ctx, q.ref)
	}
	return ep.driver.Update(ctx, q.ref, q.req)
}

// partial takes note of the fields a failed update certainly applied
// (Error.Applied, when some step of a several-call update went through):
// they are never sent again. It reports false when nothing is left to send.
func (q *request) partial(err error) bool {
	pe, ok := errors.AsType[*participant.Error](err)
	if !ok || q.op != participant.OpUpdate || pe.Applied == 0 {
		return true
	}
	q.applied |= pe.Applied
	q.req = q.req.Without(pe.Applied)
	return q.req.Fields() != 0
}

// budget returns how many attempts a call may make: 1+MaxRetries of the
// carrier's policy, within the caller's retry budget (participant.RetryBudget).
func (c *carrier) budget(ctx context.Context) int {
	n := 1 + c.policy.Retry.MaxRetries
	if b, ok := participant.RetryBudget(ctx); ok {
		n = min(n, 1+b)
	}
	return n
}

// done returns err, the last error of call q on c, saying that it went to
// c, how many requests the whole call sent, every field its attempts
// applied, and maybe when an earlier attempt may have acted though the
// last was refused or not sent: the facts only the router knows. The
// portable client stamps the operation and the provider.
func (c *carrier) done(q *request, err error, requests int) error {
	pe, ok := errors.AsType[*participant.Error](err)
	if !ok {
		return err
	}
	// A clone (errors.Is finds pe): the attempt's error was handed to the
	// Observer as it was, and the driver may return one value to many calls.
	e := pe.CloneOver(err) // an endpoint driver's wrapper stays in the chain
	e.Carrier = c.name
	e.Attempts = requests
	e.Applied |= q.applied
	if q.maybe && (e.Delivery == participant.DeliveryNotSent || e.Delivery == participant.DeliveryAnswered) {
		e.Delivery = participant.DeliveryMaybe
	}
	return e
}

// attemptsOf is how many requests an attempt's error says were sent.
func attemptsOf(err error) int {
	if pe, ok := errors.AsType[*participant.Error](err); ok {
		return pe.Attempts
	}
	return 1
}

// do runs q on the carrier's endpoints until one answers, by the rules of
// the package documentation.
func (c *carrier) do(ctx context.Context, r *Router, q *request) (*participant.Participant, error) {
	// A context that ended before the call is the client's to refuse
	// (nothing sent); one that ends during it, the attempt's (vCallerEnded).
	var p *participant.Participant
	err := c.run(ctx, r, q, func(ctx context.Context, ep *endpoint, left int) error {
		actx, cancel := c.attemptContext(ctx, left)
		defer cancel()
		var err error
		p, err = q.send(actx, ep)
		return err
	}, func(err error, v verdict) bool {
		// What is left once the fields the attempt applied are taken out
		// decides, announcement included, whether it may move on.
		return q.partial(err) && (v == vNotActed || v == vAmbiguous && q.idempotent())
	})
	if err != nil {
		return nil, err
	}
	if p != nil {
		p.Carrier = c.name // p.Ref() comes back to this carrier
	}
	return p, nil
}

// run makes the attempts of one call: on each endpoint whose breaker lets
// it through, pass after pass with a backoff between passes, for at most
// budget attempts. attempt makes one on ep (left: the endpoints left in
// the pass that the budget can still reach, this one included) under a
// context whose retry budget is 0, so the endpoint's adapter sends once:
// the router does the retrying. (A router allowed one attempt only,
// Policy.Retry.MaxRetries 0, leaves the caller's budget to the adapter: it
// retries in place, as its own policy says.) After an attempt fails,
// moveOn says whether the call may go on. run returns the error of the
// call (nil when an attempt succeeded), counting in Attempts the requests
// of every attempt.
func (c *carrier) run(ctx context.Context, r *Router, q *request, attempt func(ctx context.Context, ep *endpoint, left int) error,
	moveOn func(err error, v verdict) bool) error {
	maxAttempts := c.budget(ctx)
	once := ctx
	if maxAttempts > 1 {
		once = participant.WithRetryBudget(ctx, 0)
	}
	var last error
	sent, requests := 0, 0
	for pass := 0; ; pass++ {
		tried := false
		for i, ep := range c.endpoints {
			if sent == maxAttempts {
				return c.done(q, last, requests)
			}
			if r.fleetOpen(c, ep, q.op) {
				continue // another instance holds it open: nothing sent
			}
			// The breaker runs the attempt (Execute: no closure per call,
			// unlike TwoStepCircuitBreaker.Allow) and counts it by the
			// error settle gives it.
			var (
				err       error
				v         verdict
				local     bool
				latency   time.Duration
				attempted bool
			)
			_, _ = ep.cb.Execute(func() (struct{}, error) {
				attempted = true
				sent++
				start := time.Now()
				// The time is shared with the endpoints this pass may still
				// try: no more than the budget has attempts left for.
				err = attempt(once, ep, min(len(c.endpoints)-i, maxAttempts-sent+1))
				latency = time.Since(start)
				var counted error
				v, local, counted = settle(ctx, ep, err)
				return struct{}{}, counted
			})
			ep.flush(r)
			if !attempted { // open, or half-open and busy: nothing sent
				ep.skipped()
				r.attempt(AttemptEvent{Carrier: c.name, Endpoint: ep.name, Op: q.op, Outcome: OutcomeSkipped,
					Code: participant.CodeUnavailable})
				continue
			}
			tried = true
			if err != nil {
				requests += attemptsOf(err)
				if d := participant.DeliveryOf(err); d == participant.DeliveryMaybe || d == participant.DeliveryUnknown {
					q.maybe = true
				}
			}
			move := err != nil && moveOn(err, v)
			outcome := OutcomeOK
			switch {
			case err == nil || v == vFinal && !local:
			case move && sent < maxAttempts:
				outcome = OutcomeFailover
			default:
				outcome = OutcomeFailed
			}
			r.attempt(AttemptEvent{Carrier: c.name, Endpoint: ep.name, Op: q.op, Attempt: sent, Outcome: outcome,
				Code: codeOf(err), Latency: latency, Err: err})
			if err == nil {
				return nil
			}
			if !move {
				return c.done(q, err, requests)
			}
			last = err
		}
		if !tried {
			if last == nil {
				return &participant.Error{Code: participant.CodeUnavailable, Carrier: c.name, Delivery: participant.DeliveryNotSent,
					Message: "carrier " + c.name + ": every endpoint's circuit breaker is open; nothing sent",
					Err:     gobreaker.ErrOpenState}
			}
			return c.done(q, last, requests)
		}
		if sent == maxAttempts {
			return c.done(q, last, requests)
		}
		// No wait runs past the caller's deadline: give up at once instead.
		if d := c.backoff(pass, last); !wait.Fits(ctx, d) || wait.For(ctx, d) != nil {
			return c.done(q, last, requests)
		}
	}
}

// settle judges an attempt's error, counts it in ep's health, and returns
// the error the breaker is to count. local reports an attempt refused
// before sending: no request, no answer, no probe (it must not close a
// half-open breaker).
func settle(ctx context.Context, ep *endpoint, err error) (v verdict, local bool, counted error) {
	v, unhealthy := classify(ctx, err)
	local = v == vFinal && isLocal(err)
	if !local {
		ep.record(err, unhealthy, v == vCallerEnded) // first, so a state change sees this error
	}
	switch {
	case unhealthy:
		return v, local, errUnhealthy
	case v == vCallerEnded || local:
		return v, local, errExcluded
	}
	return v, local, nil
}

// isLocal reports an error made before anything was sent (validation).
func isLocal(err error) bool {
	pe, ok := errors.AsType[*participant.Error](err)
	return ok && pe.Attempts == 0 && pe.HTTPStatus == 0
}

func codeOf(err error) participant.Code {
	if err == nil {
		return participant.CodeUnknown
	}
	return participant.CodeOf(err)
}

// attemptContext bounds one attempt: AttemptTimeout, cut to the caller's
// remaining time divided by the endpoints left in this pass. When the
// caller's deadline is already that bound (the last endpoint, with less
// than AttemptTimeout left), the caller's context is used as it is: a
// second timer would change nothing.
func (c *carrier) attemptContext(ctx context.Context, left int) (context.Context, context.CancelFunc) {
	d := c.policy.AttemptTimeout
	if dl, ok := ctx.Deadline(); ok {
		remaining := time.Until(dl)
		if left <= 1 && remaining <= d {
			return ctx, func() {}
		}
		if left > 1 {
			d = min(d, remaining/time.Duration(left))
		}
	}
	return context.WithTimeout(ctx, d)
}

// backoff is the wait before the next pass: the carrier's Retry-After
// (capped), else the policy's backoff, as the adapters compute it between
// retries.
func (c *carrier) backoff(pass int, last error) time.Duration {
	rp := c.policy.Retry
	if pe, ok := errors.AsType[*participant.Error](last); ok && pe.RetryAfter > 0 {
		return min(pe.RetryAfter, rp.MaxRetryAfter)
	}
	return wait.Backoff(rp, pass, nil)
}

// list lists conf on the carrier's endpoints, failing over like an
// idempotent call until the listing's first participant: a listing that
// fails after yielding some ends with the error (starting over could
// yield a participant twice). The pages up to the first answer are sent
// once by the endpoint's adapter (the retries are the router's, from the
// caller's budget); the later ones, which the router cannot retry, the
// adapter sends again in place as its policy allows, within the caller's
// budget (pageContext). A listing is one attempt, judged by the breaker on its first answer (the
// first participant, the end, or an error before either): the caller's
// loop body runs outside the breaker, so a half-open breaker's probe is
// not held while the caller works, perhaps updating through this router.
func (c *carrier) list(ctx context.Context, r *Router, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		var (
			first *participant.Participant
			next  func() (*participant.Participant, error, bool)
			stop  func()
		)
		defer func() {
			if stop != nil {
				stop()
			}
		}()
		err := c.run(ctx, r, &request{op: participant.OpList}, func(actx context.Context, ep *endpoint, _ int) error {
			pc := &pageContext{Context: actx, caller: ctx}
			nx, st := iter.Pull2(ep.lister.List(pc, conf, opts))
			p, err, ok := nx()
			if !ok || err != nil {
				st()
				return err
			}
			pc.later.Store(true)
			first, next, stop = p, nx, st
			return nil
		}, func(_ error, v verdict) bool {
			return v == vNotActed || v == vAmbiguous
		})
		if err != nil {
			yield(nil, err)
			return
		}
		for p := first; p != nil; {
			p.Carrier = c.name // p.Ref() comes back to this carrier
			if !yield(p, nil) {
				return // the caller stopped
			}
			var ok bool
			if p, err, ok = next(); !ok {
				return
			}
			if err != nil {
				// Not started over elsewhere: no participant twice. The
				// error still names the carrier, as every other does.
				yield(nil, c.done(&request{op: participant.OpList}, err, attemptsOf(err)))
				return
			}
		}
	}
}

// pageContext is the context of a listing on one endpoint: until its
// first answer, the attempt's (the router retries, the adapter sends each
// page once); after it, the caller's values, so the pages the router can
// no longer retry (a participant was yielded) get the caller's retry
// budget, and the adapter retries them in place as its policy says.
type pageContext struct {
	context.Context // the attempt's: its deadline and cancellation throughout
	caller          context.Context
	later           atomic.Bool
}

func (c *pageContext) Value(key any) any {
	if c.later.Load() {
		return c.caller.Value(key)
	}
	return c.Context.Value(key)
}

// endpoint is one API root with its breaker and health counters.
type endpoint struct {
	carrier string
	name    string
	driver  driver.Driver
	fetcher driver.Fetcher // nil when the driver has no such operation
	lister  driver.Lister
	remover driver.Remover
	cb      *gobreaker.CircuitBreaker[struct{}]

	mu      sync.Mutex
	pending []StateChangeEvent // breaker changes not yet taken for delivery
	health  EndpointHealth

	// undelivered counts breaker changes noted and not yet delivered
	// (pending, or taken by a delivery still under way). At zero, flush
	// has nothing to wait for and takes no lock.
	undelivered atomic.Int64

	// delivering is held while events are delivered, so they reach the
	// Observer in the order they happened.
	delivering sync.Mutex
}

func (r *Router) newEndpoint(c *carrier, name string, d driver.Driver) *endpoint {
	ep := &endpoint{carrier: c.name, name: name, driver: d}
	ep.fetcher, _ = d.(driver.Fetcher)
	ep.lister, _ = d.(driver.Lister)
	ep.remover, _ = d.(driver.Remover)
	ep.health = EndpointHealth{Name: name, State: StateClosed, Since: time.Now()}
	b := c.policy.Breaker
	ep.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        c.name + "/" + name,
		MaxRequests: uint32(b.Probes),
		Timeout:     b.CoolDown,
		ReadyToTrip: func(counts gobreaker.Counts) bool { return counts.ConsecutiveFailures >= uint32(b.Failures) },
		IsSuccessful: func(err error) bool {
			return !errors.Is(err, errUnhealthy)
		},
		// settle gives nil, errUnhealthy or errExcluded; any other error is
		// a panic of the driver (gobreaker's), which proves nothing about
		// the endpoint: not counted, so it closes no half-open breaker.
		IsExcluded: func(err error) bool {
			return errors.Is(err, errExcluded) || err != nil && !errors.Is(err, errUnhealthy)
		},
		// Called under the breaker's lock: only note the change here; flush
		// delivers it outside the lock, so an Observer may call Health.
		OnStateChange: func(_ string, from, to gobreaker.State) {
			now := time.Now()
			ep.mu.Lock()
			ep.health.State, ep.health.Since = stateOf(to), now
			ep.health.Changes++
			ep.pending = append(ep.pending, StateChangeEvent{Carrier: c.name, Endpoint: name,
				From: stateOf(from), To: stateOf(to), At: now, LastCode: ep.health.LastCode})
			ep.undelivered.Add(1)
			ep.mu.Unlock()
			if to == gobreaker.StateOpen {
				r.shareOpened(c, ep)
			}
		},
	})
	return ep
}

// ops is the set of optional operations ep's driver implements.
func (ep *endpoint) ops() participant.OpSet {
	var s participant.OpSet
	if ep.fetcher != nil {
		s |= participant.NewOpSet(participant.OpFetch)
	}
	if ep.lister != nil {
		s |= participant.NewOpSet(participant.OpList)
	}
	if ep.remover != nil {
		s |= participant.NewOpSet(participant.OpRemove)
	}
	return s
}

// record notes an attempt's outcome in the endpoint's counters.
func (ep *endpoint) record(err error, unhealthy, callerEnded bool) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	h := &ep.health
	h.Requests++
	switch {
	case unhealthy:
		h.Failures++
		h.ConsecutiveFailures++
	case callerEnded:
		h.Canceled++
	default:
		h.Answers++
		h.ConsecutiveFailures = 0
	}
	if err != nil {
		h.LastCode = participant.CodeOf(err)
		h.LastError = time.Now()
	}
}

func (ep *endpoint) skipped() {
	ep.mu.Lock()
	ep.health.Skipped++
	ep.mu.Unlock()
}

// flush delivers the breaker changes noted since the last flush, in order.
// When it returns, every change noted before it was called has reached the
// Observer (perhaps delivered by another goroutine's flush).
func (ep *endpoint) flush(r *Router) {
	if ep.undelivered.Load() == 0 {
		return // the hot path: no breaker change since the last delivery
	}
	ep.delivering.Lock()
	defer ep.delivering.Unlock()
	ep.deliver(r)
}

// tryFlush is flush unless a delivery is under way (perhaps an Observer
// calling Health from within one): the events then wait for the next flush.
func (ep *endpoint) tryFlush(r *Router) {
	if ep.delivering.TryLock() {
		defer ep.delivering.Unlock()
		ep.deliver(r)
	}
}

func (ep *endpoint) deliver(r *Router) {
	for {
		ep.mu.Lock()
		events := ep.pending
		ep.pending = nil
		ep.mu.Unlock()
		if len(events) == 0 {
			return
		}
		for _, e := range events {
			r.stateChange(e)
			ep.undelivered.Add(-1) // after delivery: a flush seeing zero need not wait
		}
	}
}

func (r *Router) attempt(e AttemptEvent) {
	if r.obs != nil {
		r.obs.Attempt(e)
	}
	if ce := r.log.Check(zap.DebugLevel, "carrier attempt"); ce != nil {
		fields := []zap.Field{zap.String("carrier", e.Carrier), zap.String("endpoint", e.Endpoint),
			zap.String("op", string(e.Op)), zap.Int("attempt", e.Attempt), zap.String("outcome", string(e.Outcome)),
			zap.Duration("latency", e.Latency)}
		if e.Err != nil {
			fields = append(fields, zap.String("code", e.Code.String()))
		}
		ce.Write(fields...)
	}
}

func (r *Router) stateChange(e StateChangeEvent) {
	if r.obs != nil {
		r.obs.StateChange(e)
	}
	r.log.Info("carrier endpoint breaker", zap.String("carrier", e.Carrier), zap.String("endpoint", e.Endpoint),
		zap.String("from", e.From.String()), zap.String("to", e.To.String()), zap.String("last_code", e.LastCode.String()))
}
