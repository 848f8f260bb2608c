package batch

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/carrierkit/carrierkit/participant"
)

// DefaultConcurrency is the limit of a Limiter made with a limit < 1.
const DefaultConcurrency = 10

// Bounds of the pause after a rate-limited answer. A carrier's Retry-After
// is honoured up to MaxPause; without one, the pause starts at MinPause and
// doubles with each further rate-limited answer until a request succeeds.
const (
	MinPause = 100 * time.Millisecond
	MaxPause = 30 * time.Second
)

// Limiter bounds the requests in flight to one carrier account and holds
// them all back when the carrier answers "too many requests". Make one per
// carrier account and share it between the batches (and any other code)
// that act on that account, so together they stay within its limit. It is
// safe for concurrent use.
type Limiter struct {
	slots chan struct{}

	mu     sync.Mutex
	resume time.Time     // no request starts before
	pause  time.Duration // the next pause without Retry-After
}

// NewLimiter returns a Limiter allowing limit requests in flight (limit < 1:
// DefaultConcurrency).
func NewLimiter(limit int) *Limiter {
	if limit < 1 {
		limit = DefaultConcurrency
	}
	return &Limiter{slots: make(chan struct{}, limit)}
}

// Limit returns how many requests may be in flight at once.
func (l *Limiter) Limit() int { return cap(l.slots) }

// Acquire waits for a free slot and for any pause to end. It returns the
// context's error if ctx ends first; then no slot is held.
func (l *Limiter) Acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err // a free slot must not win over an ended context
	}
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	for {
		l.mu.Lock()
		wait := time.Until(l.resume)
		l.mu.Unlock()
		if wait <= 0 {
			return nil
		}
		t := time.NewTimer(wait) // at most MaxPause
		select {
		case <-ctx.Done():
			t.Stop()
			l.Release()
			return ctx.Err()
		case <-t.C: // the pause may have been extended meanwhile: check again
		}
	}
}

// Release gives back a slot taken by Acquire.
func (l *Limiter) Release() { <-l.slots }

// Observe learns from the outcome of a request sent under the limiter. A
// rate-limited error (participant.CodeRateLimited) pauses every request of
// the limiter for the carrier's Retry-After (up to MaxPause), or, without
// one, for a pause that doubles from MinPause while the carrier keeps
// refusing; Observe then reports true. A success ends the doubling; any
// other error leaves it as it is (it says nothing about the rate).
func (l *Limiter) Observe(err error) (rateLimited bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.pause = 0
		return false
	}
	if participant.CodeOf(err) != participant.CodeRateLimited {
		return false
	}
	var d time.Duration
	if pe, ok := errors.AsType[*participant.Error](err); ok && pe.RetryAfter > 0 {
		d = pe.RetryAfter
	} else {
		l.pause = min(max(2*l.pause, MinPause), MaxPause)
		d = l.pause
	}
	if until := time.Now().Add(min(d, MaxPause)); until.After(l.resume) {
		l.resume = until
	}
	return true
}
