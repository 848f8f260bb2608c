package batch

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/carrierkit/carrierkit/participant"
)

// DefaultConcurrency is the limit of a Limiter made with a limit < 1.
const DefaultConcurrency = 10

// Bounds of the pause after a rate-limited answer. A carrier's Retry-After
// is honoured up to MaxPause. Without one, the pause is MinPause after the
// first round of rate-limited answers and doubles with each further round
// (never with each answer: a burst of 429s from many requests in flight is
// one round), up to MaxBackoff, until a request succeeds.
const (
	MinPause   = 25 * time.Millisecond
	MaxBackoff = 2 * time.Second
	MaxPause   = 30 * time.Second
)

// Decrease is the factor the adaptive limit is multiplied by after a
// round of rate-limited answers (the "multiplicative decrease" of AIMD).
// The limit grows back by one for each limit successes (the "additive
// increase"), never above the Limiter's maximum.
const Decrease = 0.5

// Limiter bounds the requests in flight to one carrier account and adapts
// to what the carrier accepts. Make one per carrier account and share it
// between the batches (and any other code) that act on that account, so
// together they stay within its limit. It is safe for concurrent use.
//
// The limit starts at the maximum it is made with. A rate-limited answer
// (HTTP 429: Twilio 20429, Telnyx 10011) halves it (Decrease) and holds
// back every request for the carrier's Retry-After, or a short backoff
// without one (MinPause, doubling per round up to MaxBackoff); each success
// raises it again by 1/limit, so by one per round of successes (AIMD, in
// the manner of Netflix's concurrency-limits and TCP congestion control).
// The answers of requests that were already in flight when the limit was
// cut (the rest of the same burst) neither cut it again nor lengthen the
// pause, so a burst of 429s costs one halving and one short pause.
//
// A Limiter made by NewSharedLimiter keeps its slots, pause and adaptive
// limit in a Coordinator, shared by every instance of the app.
type Limiter struct {
	max    int
	shared Coordinator

	mu       sync.Mutex
	limit    float64 // the adaptive limit, 1..max
	inFlight int
	waiters  list.List // of *waiter, first come first served
	resume   time.Time // no request starts before
	timer    *time.Timer
	backoff  time.Duration // the last pause without Retry-After; 0 after a success
	// released counts the slots given back; a rate-limited answer observed
	// while released <= stale is from a request in flight when the limit
	// was last cut.
	released, stale uint64
	leases          []string // held shared leases (shared limiters)
	successes       int      // successes not yet reported to the Coordinator
}

type waiter struct{ ready chan struct{} }

// NewLimiter returns a Limiter allowing up to limit requests in flight
// (limit < 1: DefaultConcurrency).
func NewLimiter(limit int) *Limiter {
	if limit < 1 {
		limit = DefaultConcurrency
	}
	return &Limiter{max: limit, limit: float64(limit)}
}

// Limit returns how many requests may be in flight now: the adaptive
// limit, at most Max.
func (l *Limiter) Limit() int {
	if l.shared != nil {
		return min(l.shared.Limit(), l.max)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return int(l.limit)
}

// Max returns the most requests the Limiter ever allows in flight: the
// limit it was made with.
func (l *Limiter) Max() int { return l.max }

// Acquire waits for a free slot and for any pause to end. It returns the
// context's error if ctx ends first; then no slot is held. A shared
// limiter may also return its Coordinator's error (fail closed).
func (l *Limiter) Acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err // a free slot must not win over an ended context
	}
	if l.shared != nil {
		return l.acquireShared(ctx)
	}
	l.mu.Lock()
	if l.waiters.Len() == 0 && l.free() {
		l.inFlight++
		l.mu.Unlock()
		return nil
	}
	w := &waiter{ready: make(chan struct{})}
	e := l.waiters.PushBack(w)
	l.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		select {
		case <-w.ready: // granted meanwhile: give it back
			l.mu.Unlock()
			l.Release()
		default:
			l.waiters.Remove(e)
			l.mu.Unlock()
		}
		return ctx.Err()
	}
}

// free reports whether a request may start now. Called with mu held.
func (l *Limiter) free() bool {
	return l.inFlight < int(l.limit) && !time.Now().Before(l.resume)
}

// grant hands free slots to the waiters in order. Called with mu held.
func (l *Limiter) grant() {
	for l.waiters.Len() > 0 && l.free() {
		w := l.waiters.Remove(l.waiters.Front()).(*waiter)
		l.inFlight++
		close(w.ready)
	}
}

// Release gives back a slot taken by Acquire.
func (l *Limiter) Release() {
	if l.shared != nil {
		l.releaseShared()
		return
	}
	l.mu.Lock()
	l.inFlight--
	l.released++
	l.grant()
	l.mu.Unlock()
}

// Observe learns from the outcome of a request sent under the limiter and
// reports whether it was rate limited (participant.CodeRateLimited). A
// rate-limited answer cuts the limit and pauses every request of the
// limiter, as the type's documentation says; a success raises the limit
// and ends the doubling of the backoff; any other error changes nothing
// (it says nothing about the rate).
func (l *Limiter) Observe(err error) (rateLimited bool) {
	if err != nil && participant.CodeOf(err) != participant.CodeRateLimited {
		return false
	}
	var retryAfter time.Duration
	if pe, ok := errors.AsType[*participant.Error](err); ok {
		retryAfter = pe.RetryAfter
	}
	if l.shared != nil {
		return l.observeShared(err, retryAfter)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.backoff = 0
		l.limit = min(l.limit+1/l.limit, float64(l.max))
		l.grant()
		return false
	}
	fresh := l.released >= l.stale
	if fresh {
		l.limit = max(1, l.limit*Decrease)
		// The requests in flight now were sent at the old limit: their
		// answers are the rest of this burst.
		l.stale = l.released + uint64(l.inFlight) + 1
	}
	d := retryAfter
	if d <= 0 {
		if !fresh && time.Now().Before(l.resume) {
			return true // the same burst: the pause stands
		}
		if fresh {
			l.backoff = min(max(2*l.backoff, MinPause), MaxBackoff)
		}
		d = max(l.backoff, MinPause)
	}
	l.pauseFor(min(d, MaxPause))
	return true
}

// pauseFor holds back every request for d from now, unless a longer pause
// stands. Called with mu held.
func (l *Limiter) pauseFor(d time.Duration) {
	until := time.Now().Add(d)
	if !until.After(l.resume) {
		return
	}
	l.resume = until
	if l.timer != nil {
		l.timer.Stop()
	}
	l.timer = time.AfterFunc(d, func() {
		l.mu.Lock()
		l.grant()
		l.mu.Unlock()
	})
}

// Coordinator keeps a Limiter's slots, pause and adaptive limit where
// every instance of the app sees them, so that the instances together stay
// within the carrier account's limit. Package coordination/redis provides
// one on Redis. Its methods are safe for concurrent use and bounded in
// time; what happens when the shared store cannot be reached (a local
// fallback limit, or failing closed) is the Coordinator's to say.
type Coordinator interface {
	// Acquire takes one slot of the account, waiting for one and for any
	// shared pause to end, with at most max held across instances.
	// successes is how many requests succeeded since the last call (the
	// additive increase of the shared limit). It returns the lease to give
	// back, or ctx's error, or the Coordinator's when it fails closed.
	Acquire(ctx context.Context, max, successes int) (lease string, err error)
	// Release gives back a lease; successes as for Acquire.
	Release(lease string, successes int)
	// RateLimited reports a rate-limited answer: it pauses every instance
	// for retryAfter (0: the backoff of a Limiter's documentation) and cuts
	// the shared limit, once per round of answers.
	RateLimited(retryAfter time.Duration)
	// Limit returns the shared adaptive limit as last seen (at most max).
	Limit() int
}

// NewSharedLimiter returns a Limiter whose slots, pause and adaptive limit
// live in c, shared by every instance using the same account in c: at most
// limit requests in flight across them all (limit < 1:
// DefaultConcurrency).
func NewSharedLimiter(limit int, c Coordinator) *Limiter {
	l := NewLimiter(limit)
	l.shared = c
	return l
}

func (l *Limiter) takeSuccesses() int {
	n := l.successes
	l.successes = 0
	return n
}

func (l *Limiter) acquireShared(ctx context.Context) error {
	l.mu.Lock()
	n := l.takeSuccesses()
	l.mu.Unlock()
	lease, err := l.shared.Acquire(ctx, l.max, n)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.leases = append(l.leases, lease)
	l.mu.Unlock()
	return nil
}

// releaseShared gives back one of the leases held: they are
// interchangeable, as every one is a slot of the same account.
func (l *Limiter) releaseShared() {
	l.mu.Lock()
	lease := l.leases[len(l.leases)-1]
	l.leases = l.leases[:len(l.leases)-1]
	n := l.takeSuccesses()
	l.mu.Unlock()
	l.shared.Release(lease, n)
}

func (l *Limiter) observeShared(err error, retryAfter time.Duration) bool {
	if err == nil {
		l.mu.Lock()
		l.successes++
		l.mu.Unlock()
		return false
	}
	l.shared.RateLimited(retryAfter)
	return true
}
