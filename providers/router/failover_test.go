package router_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
)

var vendors = []struct {
	name string
	make func(t *testing.T, n int, refused ...int) *vendor
	// rateLimit is the vendor's "never processed" 429 code.
	rateLimit string
}{
	{"twilio", newTwilio, "20429"},
	{"texml", newTeXML, "10011"},
}

var mute = participant.UpdateRequest{Muted: participant.Bool(true)}

func announce(url string) participant.UpdateRequest {
	return participant.UpdateRequest{AnnounceURL: participant.String(url)}
}

// TestFailover runs each fault on the primary endpoint, for both vendors,
// with an idempotent update and with an announcement.
func TestFailover(t *testing.T) {
	type fault struct {
		name    string
		refused bool
		fault   vendorfake.Fault // on endpoint 1, until cleared
		timeout time.Duration    // the caller's deadline (0: context.Background())
		// announceServed: the announcement moves on to endpoint 2 (the
		// primary surely did not act); otherwise its error is returned.
		announceServed bool
		code           participant.Code // the announcement's error when not served
	}
	for _, vd := range vendors {
		faults := []fault{
			{name: "Refused", refused: true, announceServed: true},
			{name: "HungWithDeadline", fault: vendorfake.Fault{Hang: true}, timeout: 4 * time.Second,
				code: participant.CodeDeadlineExceeded},
			{name: "HungBackground", fault: vendorfake.Fault{Hang: true}, code: participant.CodeDeadlineExceeded},
			{name: "503RetryAfter", fault: vendorfake.Fault{Status: 503, RetryAfter: "1"}, code: participant.CodeUnavailable},
			{name: "502HTMLPage", fault: vendorfake.Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>"},
				code: participant.CodeUnavailable},
			{name: "Dropped", fault: vendorfake.Fault{Drop: true}, code: participant.CodeUnavailable},
			{name: "429NeverProcessed", fault: vendorfake.Fault{Status: 429, Code: vd.rateLimit, RetryAfter: "1"},
				announceServed: true},
		}
		for _, f := range faults {
			t.Run(vd.name+"/"+f.name, func(t *testing.T) {
				var refused []int
				if f.refused {
					refused = []int{1}
				}
				v := vd.make(t, 2, refused...)
				if !f.refused {
					f.fault.Endpoint, f.fault.Times = 1, -1
					v.fake.Fail(f.fault)
				}
				obs := new(recorder)
				// With a deadline, the default 10s attempt timeout is cut to a
				// share of it; without one, the attempt timeout alone bounds
				// the hung primary.
				p := router.Policy{AttemptTimeout: time.Second}
				ctx := context.Background()
				if f.timeout > 0 {
					p.AttemptTimeout = 0
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, f.timeout)
					defer cancel()
				}
				r := newRouter(t, obs, v.carrier(t, "c", p))

				// An idempotent update moves on to endpoint 2 and succeeds.
				got, err := r.Client().Update(ctx, v.ref, mute)
				require.NoError(t, err, obs.outcomes())
				assert.True(t, got.Muted)
				assert.Equal(t, 1, v.onEndpoint(2))
				assert.Equal(t, "ep1:failover ep2:ok", obs.outcomes())
				h := health(r, "c")
				assert.Equal(t, 1, h[1].Answers)
				if f.fault.Status == 429 {
					assert.Equal(t, 0, h[0].Failures, "a 429 shows a healthy endpoint")
				} else {
					assert.Equal(t, 1, h[0].Failures)
				}

				// An announcement is delivered at most once.
				url := "https://example.com/announce-" + f.name + ".xml"
				_, err = r.Client().Update(ctx, v.ref, announce(url))
				if f.announceServed {
					require.NoError(t, err)
					assert.Equal(t, 1, v.mayHaveActed(url))
					assert.Equal(t, 2, v.onEndpoint(2))
				} else {
					require.ErrorIs(t, err, f.code)
					assert.Equal(t, 1, v.onEndpoint(2), "an ambiguous announcement is never replayed on endpoint 2")
					assert.LessOrEqual(t, v.mayHaveActed(url), 1)
				}
			})
		}
	}
}

// TestSingleEndpointRetryAfter: with one endpoint, a 503 with Retry-After
// is retried there after the wait (idempotent only).
func TestSingleEndpointRetryAfter(t *testing.T) {
	for _, vd := range vendors {
		t.Run(vd.name, func(t *testing.T) {
			v := vd.make(t, 1)
			v.fake.Fail(vendorfake.Fault{Status: 503, RetryAfter: "1", Endpoint: 1})
			r := newRouter(t, nil, v.carrier(t, "c", router.Policy{}))
			_, err := r.Client().Update(context.Background(), v.ref, mute)
			require.NoError(t, err)
			assert.Equal(t, 2, v.onEndpoint(1))

			v.fake.Fail(vendorfake.Fault{Status: 503, RetryAfter: "1", Endpoint: 1})
			_, err = r.Client().Update(context.Background(), v.ref, announce("https://example.com/a.xml"))
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, 503, pe.HTTPStatus)
			assert.Equal(t, time.Second, pe.RetryAfter)
			assert.Equal(t, 3, v.onEndpoint(1), "the announcement is not sent again")

			// A wait longer than the caller's deadline is not started.
			v.fake.Fail(vendorfake.Fault{Status: 503, RetryAfter: "30", Endpoint: 1})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err = r.Client().Update(ctx, v.ref, mute)
			require.ErrorIs(t, err, participant.ErrUnavailable)
			assert.NoError(t, ctx.Err(), "returned before the deadline")
		})
	}
}

// TestOtherClientErrorsReturnAtOnce: a 4xx other than 429 is the answer.
func TestOtherClientErrorsReturnAtOnce(t *testing.T) {
	for _, vd := range vendors {
		t.Run(vd.name, func(t *testing.T) {
			v := vd.make(t, 2)
			obs := new(recorder)
			r := newRouter(t, obs, v.carrier(t, "c", router.Policy{}))
			ref := v.ref
			ref.Call = v.absent
			_, err := r.Client().Update(context.Background(), ref, mute)
			require.ErrorIs(t, err, participant.ErrNotFound)
			assert.Equal(t, 0, v.onEndpoint(2))
			assert.Equal(t, "ep1:ok", obs.outcomes())
			assert.Equal(t, 1, health(r, "c")[0].Answers)
		})
	}
}

// TestFlappingPrimary: failures between successes never open the breaker,
// and every update succeeds.
func TestFlappingPrimary(t *testing.T) {
	for _, vd := range vendors {
		t.Run(vd.name, func(t *testing.T) {
			v := vd.make(t, 2)
			obs := new(recorder)
			r := newRouter(t, obs, v.carrier(t, "c", router.Policy{Breaker: router.BreakerSettings{Failures: 2}}))
			for i := range 10 {
				if i%2 == 0 {
					v.fake.Fail(vendorfake.Fault{Status: 503, Endpoint: 1})
				}
				_, err := r.Client().Update(context.Background(), v.ref, mute)
				require.NoError(t, err)
			}
			h := health(r, "c")
			assert.Equal(t, router.StateClosed, h[0].State)
			assert.Equal(t, 0, h[0].Changes)
			assert.Equal(t, 10, h[0].Requests)
			assert.Equal(t, 5, h[0].Failures)
			assert.Equal(t, 5, h[1].Requests)
			assert.Empty(t, obs.transitions("ep1"))
		})
	}
}

// TestBreakerLifecycle: the breaker opens after consecutive failures,
// skips the endpoint without sending, half-opens after the cool-down (not
// a moment before: the clock is synctest's), closes on a successful
// probe, and traffic returns to the primary.
func TestBreakerLifecycle(t *testing.T) {
	const coolDown = 30 * time.Second
	for _, vd := range vendors {
		t.Run(vd.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				v := vd.make(t, 0)
				v.inMemory(t, 2)
				obs := new(recorder)
				r := newRouter(t, obs, v.carrier(t, "c", router.Policy{
					Breaker: router.BreakerSettings{Failures: 3, CoolDown: coolDown}}))
				// coolsDown checks the breaker stays open for the whole
				// cool-down from when it opened, then half-opens.
				coolsDown := func() {
					t.Helper()
					h := health(r, "c")[0]
					require.Equal(t, router.StateOpen, h.State)
					time.Sleep(time.Until(h.Since.Add(coolDown)))
					assert.Equal(t, router.StateOpen, health(r, "c")[0].State, "open for the whole cool-down")
					time.Sleep(time.Nanosecond)
					assert.Equal(t, router.StateHalfOpen, health(r, "c")[0].State)
				}
				v.fake.Fail(vendorfake.Fault{Status: 500, Endpoint: 1, Times: -1})
				for range 3 {
					_, err := r.Client().Update(context.Background(), v.ref, mute)
					require.NoError(t, err)
				}
				h := health(r, "c")
				require.Equal(t, router.StateOpen, h[0].State)
				assert.Equal(t, 3, h[0].ConsecutiveFailures)
				assert.Equal(t, participant.CodeUnavailable, h[0].LastCode)
				assert.Equal(t, []string{"closed>open"}, obs.transitions("ep1"))

				// Open: endpoint 1 gets nothing.
				for range 3 {
					_, err := r.Client().Update(context.Background(), v.ref, mute)
					require.NoError(t, err)
				}
				assert.Equal(t, 3, v.onEndpoint(1))
				assert.Equal(t, 6, v.onEndpoint(2))
				assert.Equal(t, 3, health(r, "c")[0].Skipped)

				// The primary recovers; after the cool-down a probe closes it.
				v.fake.ClearFaults()
				coolsDown()
				_, err := r.Client().Update(context.Background(), v.ref, mute)
				require.NoError(t, err)
				assert.Equal(t, router.StateClosed, health(r, "c")[0].State)
				assert.Equal(t, []string{"closed>open", "open>half-open", "half-open>closed"}, obs.transitions("ep1"))
				for range 2 {
					_, err := r.Client().Update(context.Background(), v.ref, mute)
					require.NoError(t, err)
				}
				assert.Equal(t, 6, v.onEndpoint(1), "traffic is back on the primary")
				assert.Equal(t, 6, v.onEndpoint(2))

				// A failed probe opens it again.
				v.fake.Fail(vendorfake.Fault{Status: 500, Endpoint: 1, Times: -1})
				for range 3 {
					_, err := r.Client().Update(context.Background(), v.ref, mute)
					require.NoError(t, err)
				}
				coolsDown()
				_, err = r.Client().Update(context.Background(), v.ref, mute)
				require.NoError(t, err)
				assert.Equal(t, router.StateOpen, health(r, "c")[0].State)
			})
		})
	}
}

// TestAllBreakersOpen: nothing is sent when every breaker is open.
func TestAllBreakersOpen(t *testing.T) {
	v := newTwilio(t, 1)
	r := newRouter(t, nil, v.carrier(t, "c", router.Policy{Breaker: router.BreakerSettings{Failures: 1},
		Retry: &driver.RetryPolicy{MaxRetries: 0}}))
	v.fake.Fail(vendorfake.Fault{Status: 503, Endpoint: 1, Times: -1})
	_, err := r.Client().Update(context.Background(), v.ref, mute)
	require.ErrorIs(t, err, participant.ErrUnavailable)
	_, err = r.Client().Update(context.Background(), v.ref, mute)
	require.ErrorIs(t, err, participant.ErrUnavailable)
	assert.Contains(t, err.Error(), "circuit breaker is open")
	assert.Equal(t, 1, v.onEndpoint(1))
}

// TestCallerCancellationNotCounted: the caller's own cancellation never
// counts against the endpoint. The caller cancels once the update hangs
// on endpoint 1 (synctest.Wait: every goroutine is blocked).
func TestCallerCancellationNotCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := newTwilio(t, 0)
		v.inMemory(t, 2)
		v.fake.Fail(vendorfake.Fault{Hang: true, Endpoint: 1, Times: -1})
		r := newRouter(t, nil, v.carrier(t, "c", router.Policy{Breaker: router.BreakerSettings{Failures: 1}}))
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := r.Client().Update(ctx, v.ref, mute)
			errc <- err
		}()
		synctest.Wait()
		require.Equal(t, 1, v.onEndpoint(1), "the update hangs on endpoint 1")
		cancel()
		require.ErrorIs(t, <-errc, participant.ErrCanceled)
		h := health(r, "c")
		assert.Equal(t, router.StateClosed, h[0].State)
		assert.Equal(t, 0, h[0].Failures)
		assert.Equal(t, 1, h[0].Canceled)
		assert.Equal(t, 0, v.onEndpoint(2))
	})
}

// TestAttemptsBounded: no call sends more than 1+MaxRetries requests.
func TestAttemptsBounded(t *testing.T) {
	v := newTwilio(t, 2)
	v.fake.Fail(vendorfake.Fault{Status: 503, Times: -1})
	r := newRouter(t, nil, v.carrier(t, "c", router.Policy{Breaker: router.BreakerSettings{Failures: 100},
		Retry: &driver.RetryPolicy{MaxRetries: 4, WaitMin: time.Millisecond, WaitMax: time.Millisecond}}))
	_, err := r.Client().Update(context.Background(), v.ref, mute)
	require.ErrorIs(t, err, participant.ErrUnavailable)
	assert.Len(t, v.fake.Requests(), 5)
	assert.Equal(t, 3, v.onEndpoint(1))
	assert.Equal(t, 2, v.onEndpoint(2))
}

// TestFetchFailsOver: a fetch is idempotent.
func TestFetchFailsOver(t *testing.T) {
	v := newTeXML(t, 2, 1)
	r := newRouter(t, nil, v.carrier(t, "c", router.Policy{}))
	p, err := r.Client().Fetch(context.Background(), v.ref)
	require.NoError(t, err)
	assert.Equal(t, v.ref.Call, p.CallID)
}

// TestConcurrent: 64 goroutines through a failing, then recovering,
// primary: the breaker's changes form one valid sequence and every count
// adds up with the fake's request log.
func TestConcurrent(t *testing.T) {
	v := newTwilio(t, 2)
	v.fake.SetMaxRequests(-1)
	obs := new(recorder)
	r := newRouter(t, obs, v.carrier(t, "c", router.Policy{
		Breaker: router.BreakerSettings{Failures: 5, CoolDown: 20 * time.Millisecond, Probes: 2}}))
	v.fake.Fail(vendorfake.Fault{Status: 503, Endpoint: 1, Times: 150})
	const goroutines, each = 64, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				req := mute
				req.Muted = participant.Bool((g+i)%2 == 0)
				if _, err := r.Client().Update(context.Background(), v.ref, req); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	h := health(r, "c")
	obs.mu.Lock()
	defer obs.mu.Unlock()
	sent := 0
	for i, e := range h {
		assert.Equal(t, v.onEndpoint(i+1), e.Requests, e.Name)
		assert.Equal(t, e.Requests, e.Answers+e.Failures+e.Canceled, e.Name)
		sent += e.Requests
	}
	assert.Equal(t, len(v.fake.Requests()), sent)
	assert.Equal(t, goroutines*each, h[0].Answers+h[1].Answers, "one answer per update")
	failed := 0
	for _, req := range v.fake.Requests() {
		if req.Endpoint == 1 && req.Status == 503 {
			failed++
		}
	}
	assert.Equal(t, failed, h[0].Failures, "every injected failure was counted once")
	attempts, skipped := 0, 0
	for _, a := range obs.attempts {
		if a.Outcome == router.OutcomeSkipped {
			skipped++
		} else {
			attempts++
		}
	}
	assert.Equal(t, sent, attempts)
	assert.Equal(t, h[0].Skipped+h[1].Skipped, skipped)
	// The changes of endpoint 1 chain: each starts where the last ended.
	state := router.StateClosed
	changes := 0
	for _, c := range obs.changes {
		if c.Endpoint != "ep1" {
			continue
		}
		changes++
		assert.Equal(t, state, c.From)
		state = c.To
	}
	assert.Equal(t, h[0].Changes, changes)
	assert.Equal(t, h[0].State, state)
}

// healthCaller is an Observer that reads Health on every event.
type healthCaller struct {
	r     *router.Router
	seen  []router.State
	calls int
}

func (h *healthCaller) Attempt(router.AttemptEvent) { h.r.Health(); h.calls++ }
func (h *healthCaller) StateChange(e router.StateChangeEvent) {
	h.seen = append(h.seen, h.r.Health()[0].Endpoints[0].State)
}

// TestObserverMayCallHealth: an Observer reading Health from within an
// event does not deadlock, and sees the state the event announced.
func TestObserverMayCallHealth(t *testing.T) {
	v := newTwilio(t, 2, 1)
	obs := &healthCaller{}
	r := newRouter(t, obs, v.carrier(t, "c", router.Policy{Breaker: router.BreakerSettings{Failures: 1}}))
	obs.r = r
	_, err := r.Client().Update(context.Background(), v.ref, mute)
	require.NoError(t, err)
	assert.Equal(t, []router.State{router.StateOpen}, obs.seen)
	assert.Equal(t, 2, obs.calls)
}

// TestLastEndpointEndsAtCallerDeadline: with every endpoint hung and a
// caller's deadline sooner than AttemptTimeout, the first endpoint gets its
// fair share and fails (counted), and the last one runs to the caller's
// deadline, which ends the call without counting against that endpoint.
func TestLastEndpointEndsAtCallerDeadline(t *testing.T) {
	v := newTwilio(t, 2)
	v.fake.Fail(vendorfake.Fault{Hang: true, Times: -1})
	obs := new(recorder)
	r := newRouter(t, obs, v.carrier(t, "c", router.Policy{Breaker: router.BreakerSettings{Failures: 100}}))
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	_, err := r.Client().Update(ctx, v.ref, mute)
	require.ErrorIs(t, err, participant.ErrDeadlineExceeded)
	assert.Equal(t, "ep1:failover ep2:failed", obs.outcomes())
	h := health(r, "c")
	assert.Equal(t, 1, h[0].Failures, "the first endpoint's share ran out: it counts")
	assert.Equal(t, 0, h[1].Failures, "the caller's deadline ended the last attempt: not the endpoint's fault")
	assert.Equal(t, 1, h[1].Canceled)
}
