package router

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"iter"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
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
	// Retry bounds the attempts (1+MaxRetries, across all endpoints) and
	// the waits between passes over the endpoints; nil means
	// providers.DefaultRetryPolicy (4 attempts, 100ms–2s, Retry-After up to
	// 30s). Its CheckRetry must be nil: what may be sent again is decided
	// by the rules of the package documentation. Backoff, when set, gives
	// the wait before pass number attempt (0-based).
	Retry *providers.RetryPolicy
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
	checkRef      participant.RefChecker // of the first endpoint; nil when it has none
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
	for i, e := range c.Endpoints {
		if e.Updater == nil {
			return nil, invalid(field+".Endpoints["+strconv.Itoa(i)+"].Updater", "must not be nil")
		}
		caps := e.Updater.Capabilities()
		if i == 0 {
			cr.caps = caps
			cr.checkRef, _ = e.Updater.(participant.RefChecker)
		} else if caps != cr.caps {
			return nil, invalid(field+".Endpoints["+strconv.Itoa(i)+"]", "endpoints of one carrier must be the same adapter ("+
				cr.caps.Provider+"), with the same capabilities")
		}
		name := e.Name
		if name == "" {
			name = "endpoint-" + strconv.Itoa(i+1)
		}
		cr.endpoints = append(cr.endpoints, r.newEndpoint(cr, name, e.Updater))
	}
	return cr, nil
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

// classify judges an attempt's error. unhealthy reports whether it shows
// the endpoint is unhealthy (the breaker counts it).
func classify(callerCtx context.Context, err error) (v verdict, unhealthy bool) {
	if err == nil {
		return vOK, false
	}
	if callerCtx.Err() != nil {
		return vCallerEnded, false
	}
	pe, isPE := errors.AsType[*participant.Error](err)
	if isPE && pe.Delivery == participant.DeliveryApplied {
		return vFinal, false // the carrier acted; only reading it back failed
	}
	if isPE && pe.HTTPStatus != 0 {
		switch s := pe.HTTPStatus; {
		case s == http.StatusTooManyRequests:
			return vNotActed, false // both carriers: never processed
		case s >= 500 || s < 300: // 5xx, or a 2xx that is no participant (a proxy's page)
			return vAmbiguous, true
		default:
			return vFinal, false
		}
	}
	if isPE && pe.Attempts == 0 && (pe.Code == participant.CodeInvalidArgument || pe.Code == participant.CodeUnsupported) {
		return vFinal, false // refused before sending
	}
	if notSent(err) {
		return vNotActed, true
	}
	return vAmbiguous, true // reset, EOF, the attempt's own timeout
}

// notSent reports whether err shows the request never reached the
// carrier: refused or failed dial (DNS too), or a failed TLS handshake.
func notSent(err error) bool {
	if httpx.NotSent(err) {
		return true
	}
	return inChain[tls.RecordHeaderError](err) || inChain[tls.AlertError](err) || inChain[*tls.CertificateVerificationError](err) ||
		inChain[x509.UnknownAuthorityError](err) || inChain[x509.HostnameError](err) || inChain[x509.CertificateInvalidError](err)
}

// inChain reports whether err's tree holds an E (errors.AsType: no target to
// allocate, no reflection).
func inChain[E error](err error) bool {
	_, ok := errors.AsType[E](err)
	return ok
}

// call is one attempt on one endpoint's adapter.
type call func(ctx context.Context, u participant.Updater) (*participant.Participant, error)

// do runs fn on the carrier's endpoints until one answers, by the rules of
// the package documentation.
func (c *carrier) do(ctx context.Context, r *Router, op string, idempotent bool, fn call) (*participant.Participant, error) {
	if err := ctx.Err(); err != nil {
		return nil, &participant.Error{Code: participant.CodeOf(err), Provider: Name, Op: op, Message: "not sent: " + err.Error(), Err: err}
	}
	rp := c.policy.Retry
	maxAttempts := 1 + rp.MaxRetries
	var last error
	sent := 0
	for pass := 0; ; pass++ {
		tried := false
		for i, ep := range c.endpoints {
			if sent == maxAttempts {
				return nil, last
			}
			if r.fleetOpen(c, ep, op) {
				continue
			}
			done, err := ep.cb.Allow()
			ep.flush(r)
			if err != nil {
				ep.skipped()
				r.attempt(AttemptEvent{Carrier: c.name, Endpoint: ep.name, Op: op, Outcome: OutcomeSkipped,
					Code: participant.CodeUnavailable})
				continue
			}
			tried = true
			sent++
			actx, cancel := c.attemptContext(ctx, len(c.endpoints)-i)
			start := time.Now()
			p, err := fn(actx, ep.updater)
			latency := time.Since(start)
			cancel()
			v, unhealthy := classify(ctx, err)
			local := v == vFinal && isLocal(err) // refused before sending: no request, no answer
			if !local {
				ep.record(err, unhealthy, v == vCallerEnded) // first, so a state change sees this error
			}
			switch {
			case unhealthy:
				done(errUnhealthy)
			case v == vCallerEnded || local:
				done(errExcluded)
			default:
				done(nil)
			}
			ep.flush(r)
			outcome := OutcomeOK
			moveOn := err != nil && (v == vNotActed || v == vAmbiguous && idempotent)
			switch {
			case err == nil || v == vFinal && !isLocal(err):
			case moveOn && sent < maxAttempts:
				outcome = OutcomeFailover
			default:
				outcome = OutcomeFailed
			}
			r.attempt(AttemptEvent{Carrier: c.name, Endpoint: ep.name, Op: op, Attempt: sent, Outcome: outcome,
				Code: codeOf(err), Latency: latency, Err: err})
			if !moveOn {
				return p, err
			}
			last = err
		}
		if !tried {
			if last == nil {
				last = &participant.Error{Code: participant.CodeUnavailable, Provider: Name, Op: op,
					Message: "carrier " + c.name + ": every endpoint's circuit breaker is open; nothing sent",
					Err:     gobreaker.ErrOpenState}
			}
			return nil, last
		}
		if sent == maxAttempts {
			return nil, last
		}
		// No wait runs past the caller's deadline: give up at once instead.
		if wait := c.backoff(pass, last); !httpx.WaitFits(ctx, wait) || httpx.Wait(ctx, wait) != nil {
			return nil, last
		}
	}
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
// (capped), else the policy's backoff, as httpx computes it between retries.
func (c *carrier) backoff(pass int, last error) time.Duration {
	rp := c.policy.Retry
	if pe, ok := errors.AsType[*participant.Error](last); ok && pe.RetryAfter > 0 {
		return min(pe.RetryAfter, rp.MaxRetryAfter)
	}
	return httpx.Backoff(rp, pass, nil)
}

// list runs a listing on the first endpoint whose breaker allows it.
func (c *carrier) list(ctx context.Context, r *Router, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		for _, ep := range c.endpoints {
			if r.fleetOpen(c, ep, "list") {
				continue
			}
			done, err := ep.cb.Allow()
			ep.flush(r)
			if err != nil {
				ep.skipped()
				continue
			}
			var last error
			start := time.Now()
			for p, err := range participant.List(ctx, ep.updater, conf, opts) {
				last = err
				if !yield(p, err) {
					break
				}
			}
			v, unhealthy := classify(ctx, last)
			// A listing refused before sending is no probe: it must not
			// close a half-open breaker.
			local := v == vFinal && isLocal(last)
			if !local {
				ep.record(last, unhealthy, v == vCallerEnded)
			}
			switch {
			case unhealthy:
				done(errUnhealthy)
			case v == vCallerEnded || local:
				done(errExcluded)
			default:
				done(nil)
			}
			ep.flush(r)
			outcome := OutcomeOK
			if last != nil && v != vFinal {
				outcome = OutcomeFailed
			}
			r.attempt(AttemptEvent{Carrier: c.name, Endpoint: ep.name, Op: "list", Attempt: 1, Outcome: outcome,
				Code: codeOf(last), Latency: time.Since(start), Err: last})
			return
		}
		yield(nil, &participant.Error{Code: participant.CodeUnavailable, Provider: Name, Op: "list",
			Message: "carrier " + c.name + ": every endpoint's circuit breaker is open; nothing sent",
			Err:     gobreaker.ErrOpenState})
	}
}

// endpoint is one API root with its breaker and health counters.
type endpoint struct {
	carrier string
	name    string
	updater participant.Updater
	cb      *gobreaker.TwoStepCircuitBreaker[struct{}]

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

func (r *Router) newEndpoint(c *carrier, name string, u participant.Updater) *endpoint {
	ep := &endpoint{carrier: c.name, name: name, updater: u}
	ep.health = EndpointHealth{Name: name, State: StateClosed, Since: time.Now()}
	b := c.policy.Breaker
	ep.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        c.name + "/" + name,
		MaxRequests: uint32(b.Probes),
		Timeout:     b.CoolDown,
		ReadyToTrip: func(counts gobreaker.Counts) bool { return counts.ConsecutiveFailures >= uint32(b.Failures) },
		IsSuccessful: func(err error) bool {
			return !errors.Is(err, errUnhealthy)
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errExcluded) },
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
			zap.String("op", e.Op), zap.Int("attempt", e.Attempt), zap.String("outcome", string(e.Outcome)),
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
