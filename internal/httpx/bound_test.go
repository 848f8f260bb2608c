package httpx

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
)

// A call's bound (no watchdog) behaves as context.WithTimeout would: the
// deadline, Done closed at it, Err, and children (net/http's per-request
// context) canceled with it, without a goroutine watching it.
func TestBoundEndsAtItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &bound{Context: context.Background(), deadline: time.Now().Add(time.Minute)}
		dl, ok := b.Deadline()
		assert.True(t, ok)
		assert.Equal(t, time.Now().Add(time.Minute), dl)
		child, cancel := context.WithCancelCause(b)
		defer cancel(nil)
		var ran atomic.Int32
		stop := context.AfterFunc(b, func() { ran.Add(1) })
		defer stop()
		assert.NoError(t, b.Err())

		time.Sleep(time.Minute - time.Nanosecond)
		synctest.Wait()
		assert.NoError(t, b.Err())
		assert.NoError(t, child.Err())
		assert.Zero(t, ran.Load())

		time.Sleep(time.Nanosecond)
		synctest.Wait()
		<-b.Done()
		<-child.Done()
		assert.ErrorIs(t, b.Err(), context.DeadlineExceeded)
		assert.ErrorIs(t, context.Cause(child), context.DeadlineExceeded)
		assert.EqualValues(t, 1, ran.Load())
	})
}

// Err alone (nothing waits on Done, so no timer runs) reports the deadline
// once it has passed, and Done is closed from then on.
func TestBoundErrWithoutTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &bound{Context: context.Background(), deadline: time.Now().Add(time.Second)}
		time.Sleep(time.Second)
		assert.ErrorIs(t, b.Err(), context.DeadlineExceeded)
		select {
		case <-b.Done():
		default:
			t.Fatal("Done not closed after Err reported the deadline")
		}
	})
}

// The watchdog ends each attempt's bound at its own deadline with one
// timer, whatever order they are released in, and a released bound is
// canceled, not expired.
func TestWatchdog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &watchdog{timeout: 10 * time.Second}
		var bs [4]*bound
		for i := range bs {
			bs[i] = &bound{Context: context.Background()}
			w.add(bs[i], time.Time{})
			time.Sleep(time.Second)
		}
		// A limit sooner than the timeout is the deadline (keepPool passes
		// the call's deadline, which is later than the timeout but for the
		// time add takes).
		limited := &bound{Context: context.Background()}
		limit := time.Now().Add(10*time.Second - time.Nanosecond)
		w.add(limited, limit)
		dl, _ := limited.Deadline()
		assert.Equal(t, limit, dl)
		child, cancel := context.WithCancel(bs[2])
		defer cancel()
		bs[1].release()
		assert.ErrorIs(t, bs[1].Err(), context.Canceled)

		time.Sleep(6 * time.Second) // t=10s: bs[0]'s deadline
		synctest.Wait()
		assert.ErrorIs(t, bs[0].Err(), context.DeadlineExceeded)
		assert.NoError(t, bs[2].Err())

		time.Sleep(2 * time.Second) // t=12s: bs[2]'s, and its child's
		synctest.Wait()
		assert.ErrorIs(t, bs[2].Err(), context.DeadlineExceeded)
		assert.ErrorIs(t, child.Err(), context.DeadlineExceeded, "a child ends with its parent")
		assert.ErrorIs(t, bs[1].Err(), context.Canceled, "a released bound stays canceled")
		assert.NoError(t, bs[3].Err())
		bs[3].release()
		time.Sleep(2 * time.Second) // t=14s: the limited one's deadline has passed
		synctest.Wait()
		assert.ErrorIs(t, limited.Err(), context.DeadlineExceeded)
		assert.Nil(t, w.head, "nothing left to watch")
	})
}

// Do under context.Background(): an attempt that hangs ends at
// AttemptTimeout and the idempotent request is sent again with a fresh
// bound; the call's bound ends the last one. The request's context has
// the call's deadline.
func TestDoBoundsUnderBackground(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var attempts atomic.Int32
		var deadline time.Time
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			attempts.Add(1)
			if _, ok := r.Context().(*attemptCtx); ok { // the call's own context: no bound of the attempt's
				deadline, _ = r.Context().Deadline()
			}
			<-r.Context().Done() // never answers
			return nil, context.Cause(r.Context())
		})
		start := time.Now()
		c := New(Options{Options: optionsFor(rt, 10*time.Second, 25*time.Second)})
		_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: "http://x.example/", Idempotent: true})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.EqualValues(t, 3, attempts.Load(), "10s, 10s, then the call's last 5s")
		assert.Equal(t, 25*time.Second, time.Since(start))
		assert.Equal(t, start.Add(25*time.Second), deadline, "the last attempt runs under the call's deadline")
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func optionsFor(rt http.RoundTripper, attempt, call time.Duration) driver.Options {
	return driver.Options{HTTPClient: &http.Client{Transport: rt}, AttemptTimeout: attempt, Timeout: call,
		Retry: &driver.RetryPolicy{MaxRetries: 5, Backoff: func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 }}}
}
