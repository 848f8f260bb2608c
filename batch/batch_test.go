package batch_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// carrier is an in-memory carrier: a paged list, updates and fetches, with
// hooks to fail or block. It counts what reaches it and the most requests
// it saw in flight at once.
type carrier struct {
	labels   bool // the list reports labels
	pageSize int

	mu       sync.Mutex
	parts    []participant.Participant
	updates  map[string]int // per call id
	pages    int
	inFlight int
	maxIn    int
	// fail, when set, answers an update (nil: apply it).
	fail func(call string, n int, req participant.UpdateRequest) error
	// pageHook runs before each page is served.
	pageHook func(page int)
	// fetchFail, when set, answers a fetch (nil: serve it).
	fetchFail func(call string) error
	fetches   int
}

func newCarrier(n int, labels bool) *carrier {
	c := &carrier{labels: labels, pageSize: 3, updates: map[string]int{}}
	for i := range n {
		c.parts = append(c.parts, participant.Participant{Provider: "mem", CallID: fmt.Sprintf("CA%02d", i),
			Label: fmt.Sprintf("p%d", i), Status: participant.StatusConnected})
	}
	c.parts[0].Label = "agent"
	return c
}

func (c *carrier) enter() {
	c.mu.Lock()
	c.inFlight++
	c.maxIn = max(c.maxIn, c.inFlight)
	c.mu.Unlock()
}

func (c *carrier) leave() { c.mu.Lock(); c.inFlight--; c.mu.Unlock() }

func (c *carrier) Capabilities() participant.Capabilities {
	return participant.Capabilities{Provider: "mem", Labels: true, Fields: participant.NewFieldSet(participant.AllFields()...),
		Ops: participant.NewOpSet(participant.OpFetch, participant.OpList)}
}

func (c *carrier) find(call string) int {
	for i, p := range c.parts {
		if p.CallID == call || p.Label == call {
			return i
		}
	}
	return -1
}

func (c *carrier) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	c.enter()
	defer c.leave()
	if err := ctx.Err(); err != nil {
		return nil, &participant.Error{Code: participant.CodeCanceled, Err: err}
	}
	c.mu.Lock()
	c.updates[ref.Call]++
	n, fail := c.updates[ref.Call], c.fail
	c.mu.Unlock()
	if fail != nil {
		if err := fail(ref.Call, n, req); err != nil {
			return nil, err
		}
	}
	time.Sleep(time.Millisecond) // overlap, so the in-flight count means something
	c.mu.Lock()
	defer c.mu.Unlock()
	i := c.find(ref.Call)
	if i < 0 {
		return nil, &participant.Error{Code: participant.CodeNotFound, HTTPStatus: http.StatusNotFound}
	}
	if req.Muted != nil {
		c.parts[i].Muted = *req.Muted
	}
	p := c.parts[i]
	return &p, nil
}

func (c *carrier) Fetch(_ context.Context, ref participant.Ref) (*participant.Participant, error) {
	c.enter()
	defer c.leave()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fetches++
	if c.fetchFail != nil {
		if err := c.fetchFail(ref.Call); err != nil {
			return nil, err
		}
	}
	if i := c.find(ref.Call); i >= 0 {
		p := c.parts[i]
		return &p, nil
	}
	return nil, &participant.Error{Code: participant.CodeNotFound, HTTPStatus: http.StatusNotFound}
}

func (c *carrier) List(ctx context.Context, _ participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		for start := 0; ; start += c.pageSize {
			c.enter()
			c.mu.Lock()
			c.pages++
			page, hook := c.pages, c.pageHook
			var items []participant.Participant
			if start < len(c.parts) {
				items = append(items, c.parts[start:min(start+c.pageSize, len(c.parts))]...)
			}
			c.mu.Unlock()
			if hook != nil {
				hook(page)
			}
			err := ctx.Err()
			c.leave()
			if err != nil {
				yield(nil, &participant.Error{Code: participant.CodeCanceled, Err: err})
				return
			}
			for _, p := range items {
				if !c.labels {
					p.Label = ""
				}
				if opts.Muted != nil && p.Muted != *opts.Muted {
					continue
				}
				if !yield(&p, nil) {
					return
				}
			}
			if len(items) < c.pageSize {
				return
			}
		}
	}
}

func (c *carrier) muted() map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := map[string]bool{}
	for _, p := range c.parts {
		m[p.CallID] = p.Muted
	}
	return m
}

var (
	conf = participant.ConferenceRef{Conference: "CF1"}
	mute = participant.UpdateRequest{Muted: participant.Bool(true)}
)

func calls(rs []batch.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Call)
	}
	return out
}

func TestUpdateAllExcept(t *testing.T) {
	for _, labels := range []bool{true, false} {
		t.Run(fmt.Sprintf("list reports labels: %v", labels), func(t *testing.T) {
			c := newCarrier(10, labels)
			rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute,
				batch.Options{Except: []string{"agent", "CA05"}, Concurrency: 4})
			require.NoError(t, err)
			assert.Equal(t, []string{"CA01", "CA02", "CA03", "CA04", "CA06", "CA07", "CA08", "CA09"}, calls(rs), "listing order")
			for _, r := range rs {
				require.NoError(t, r.Err)
				assert.True(t, r.Participant.Muted)
			}
			m := c.muted()
			assert.False(t, m["CA00"], "the agent, by label, is left alone")
			assert.False(t, m["CA05"], "by call id")
			assert.True(t, m["CA09"])
			assert.Empty(t, batch.Failed(rs))
		})
	}
}

// noFetch is a carrier that can list but not fetch: Except names are
// matched against a listing.
type noFetch struct{ *carrier }

func (n noFetch) Capabilities() participant.Capabilities {
	caps := n.carrier.Capabilities()
	caps.Ops = participant.NewOpSet(participant.OpList)
	return caps
}

// TestExceptTypoFailsBatch: an Except name that matches no participant (a
// typo of the name to spare) fails the batch before any update is sent,
// naming each unmatched name; AllowMissingExcept keeps the old behaviour.
func TestExceptTypoFailsBatch(t *testing.T) {
	for name, mk := range map[string]func(c *carrier) driver.Driver{
		"fetch":          func(c *carrier) driver.Driver { return c },
		"list, no fetch": func(c *carrier) driver.Driver { return noFetch{c} },
	} {
		t.Run(name, func(t *testing.T) {
			c := newCarrier(10, false)
			rs, err := batch.UpdateAll(context.Background(), carrierkit.New(mk(c)), conf, mute,
				batch.Options{Except: []string{"agnet", "CA05", "CA99"}, Concurrency: 4})
			require.ErrorIs(t, err, participant.ErrInvalidArgument)
			assert.Contains(t, err.Error(), `"agnet"`)
			assert.Contains(t, err.Error(), `"CA99"`)
			assert.NotContains(t, err.Error(), `"CA05"`, "CA05 matched")
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "Except", pe.Field)
			assert.Equal(t, participant.DeliveryNotSent, pe.Delivery, "no update was sent")
			assert.Empty(t, rs)
			assert.Empty(t, c.updates, "no update sent")
			assert.False(t, c.muted()["CA00"], "the agent is spared")

			c = newCarrier(10, false)
			rs, err = batch.UpdateAll(context.Background(), carrierkit.New(mk(c)), conf, mute,
				batch.Options{Except: []string{"agnet", "CA05"}, AllowMissingExcept: true})
			require.NoError(t, err)
			assert.Len(t, rs, 9, "opted in: the typo leaves no one out")
		})
	}
}

func TestFilter(t *testing.T) {
	c := newCarrier(6, true)
	c.parts[2].Muted, c.parts[4].Muted = true, true
	rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute, batch.Options{Filter: batch.NotMuted()})
	require.NoError(t, err)
	assert.Equal(t, []string{"CA00", "CA01", "CA03", "CA05"}, calls(rs))
	assert.Zero(t, c.updates["CA02"], "already muted: not sent")

	rs, err = batch.UpdateAll(context.Background(), carrierkit.New(c), conf, participant.UpdateRequest{Muted: participant.Bool(false)},
		batch.Options{Filter: batch.And(batch.Muted(), func(p *participant.Participant) bool { return p.CallID != "CA05" })})
	require.NoError(t, err)
	assert.Equal(t, []string{"CA00", "CA01", "CA02", "CA03", "CA04"}, calls(rs))
}

// TestConcurrencyBound: list pages and updates together stay within the
// limiter, and one limiter shared by two batches bounds both.
// The carrier's 1 ms per update runs on the bubble's fake clock
// (testing/synctest), so the overlap is exact and costs no wall time.
func TestConcurrencyBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCarrier(60, true)
		lim := batch.NewLimiter(5)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute, batch.Options{Limiter: lim})
				assert.NoError(t, err)
				assert.Len(t, rs, 60)
			})
		}
		wg.Wait()
		assert.Equal(t, 5, c.maxIn, "every slot is used, and no more")
	})
}

func rateLimited(retryAfter time.Duration) error {
	return &participant.Error{Code: participant.CodeRateLimited, HTTPStatus: http.StatusTooManyRequests,
		VendorCode: "20429", RetryAfter: retryAfter}
}

func TestRateLimitedRetried(t *testing.T) {
	c := newCarrier(4, true)
	c.fail = func(call string, n int, _ participant.UpdateRequest) error {
		if call == "CA02" && n <= 2 {
			return rateLimited(0)
		}
		return nil
	}
	rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute, batch.Options{Concurrency: 2})
	require.NoError(t, err)
	require.Len(t, rs, 4)
	assert.NoError(t, rs[2].Err)
	assert.Equal(t, 2, rs[2].RateLimited)
	assert.Equal(t, 3, c.updates["CA02"])

	c.fail = func(string, int, participant.UpdateRequest) error { return rateLimited(time.Millisecond) }
	rs, err = batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute, batch.Options{Concurrency: 2, RateLimitRetries: 1})
	require.NoError(t, err, "failed updates are in the results, not the error")
	require.Len(t, batch.Failed(rs), 4)
	assert.ErrorIs(t, rs[0].Err, participant.ErrRateLimited)
	assert.Equal(t, 1, rs[0].RateLimited)
}

// TestAppliedUpdateNotSentAgain: an update the carrier applied, whose
// read-back was then rate limited, is reported and never sent again,
// though its code is ErrRateLimited.
func TestAppliedUpdateNotSentAgain(t *testing.T) {
	c := newCarrier(3, true)
	c.fail = func(call string, _ int, _ participant.UpdateRequest) error {
		if call != "CA01" {
			return nil
		}
		pe := rateLimited(time.Millisecond).(*participant.Error)
		pe.Delivery, pe.Applied = participant.DeliveryApplied, participant.NewFieldSet(participant.FieldMuted)
		return pe
	}
	lim := batch.NewLimiter(2)
	rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute, batch.Options{Limiter: lim})
	require.NoError(t, err)
	require.Len(t, rs, 3)
	assert.ErrorIs(t, rs[1].Err, participant.ErrRateLimited)
	assert.Equal(t, 0, rs[1].RateLimited)
	assert.Equal(t, 1, c.updates["CA01"], "sent once: the carrier applied it")
}

// TestAnnouncementNotRetried: an ambiguous failure of an announcement is
// reported, never sent again by the batch.
func TestAnnouncementNotRetried(t *testing.T) {
	c := newCarrier(3, true)
	c.fail = func(string, int, participant.UpdateRequest) error {
		return &participant.Error{Code: participant.CodeUnavailable, HTTPStatus: http.StatusServiceUnavailable}
	}
	announce := participant.UpdateRequest{AnnounceURL: participant.String("https://example.com/a.xml")}
	rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, announce, batch.Options{})
	require.NoError(t, err)
	for _, r := range rs {
		assert.ErrorIs(t, r.Err, participant.ErrUnavailable)
		assert.Equal(t, 1, c.updates[r.Call], "sent once")
	}
}

// TestCancel: canceling stops the batch between pages; what was listed but
// not sent says so, and no further page is fetched.
func TestCancel(t *testing.T) {
	c := newCarrier(30, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.pageHook = func(page int) {
		if page == 3 {
			cancel()
		}
	}
	rs, err := batch.UpdateAll(ctx, carrierkit.New(c), conf, mute, batch.Options{Concurrency: 2})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 3, c.pages, "no page after the cancel")
	require.NotEmpty(t, rs)
	var done, notAttempted, inFlight int
	for _, r := range rs {
		switch {
		case r.Err == nil:
			done++
			assert.True(t, c.muted()[r.Call])
		case errors.Is(r.Err, batch.ErrNotAttempted):
			notAttempted++
			assert.ErrorIs(t, r.Err, participant.ErrCanceled)
			assert.Equal(t, participant.DeliveryNotSent, participant.DeliveryOf(r.Err), "not attempted says not sent")
			assert.Zero(t, c.updates[r.Call], "never sent")
		default:
			inFlight++
			assert.ErrorIs(t, r.Err, participant.ErrCanceled, "in flight when canceled")
		}
	}
	assert.LessOrEqual(t, len(rs), 6, "only the two pages fetched before the cancel")
	assert.Positive(t, notAttempted, "listed but never sent")
	assert.LessOrEqual(t, inFlight, 2, "at most the limit was in flight")
}

func TestRefusedBeforeSending(t *testing.T) {
	c := newCarrier(3, true)
	_, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, participant.UpdateRequest{}, batch.Options{})
	assert.ErrorIs(t, err, participant.ErrInvalidArgument)
	_, err = batch.UpdateAll(context.Background(), carrierkit.New(updaterOnly{c}), conf, mute, batch.Options{})
	assert.ErrorIs(t, err, participant.ErrUnsupported)
	assert.Zero(t, c.pages)
	assert.Empty(t, c.updates)
}

// updaterOnly hides the carrier's List.
type updaterOnly struct{ c *carrier }

func (u updaterOnly) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	return u.c.Update(ctx, ref, req)
}

func (u updaterOnly) Capabilities() participant.Capabilities { return u.c.Capabilities() }

func TestListFailure(t *testing.T) {
	c := newCarrier(9, true)
	boom := &participant.Error{Code: participant.CodeUnavailable, Message: "boom"}
	var l failingLister = failingLister{c, boom, 4}
	rs, err := batch.UpdateAll(context.Background(), carrierkit.New(l), conf, mute, batch.Options{})
	assert.ErrorIs(t, err, boom)
	assert.Len(t, rs, 4, "what was listed before the failure was updated")
}

type failingLister struct {
	*carrier
	err   error
	after int
}

func (f failingLister) List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		n := 0
		for p, err := range f.carrier.List(ctx, conf, opts) {
			if n == f.after {
				yield(nil, f.err)
				return
			}
			n++
			if !yield(p, err) {
				return
			}
		}
	}
}

// TestLimiterPause: a rate-limited answer holds back every Acquire of the
// limiter, for the carrier's Retry-After (capped at MaxPause).
func TestLimiterPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := batch.NewLimiter(4)
		assert.Equal(t, 4, lim.Limit())
		assert.Equal(t, batch.DefaultConcurrency, batch.NewLimiter(0).Limit())
		require.NoError(t, lim.Acquire(context.Background()))
		assert.False(t, lim.Observe(nil))
		assert.False(t, lim.Observe(&participant.Error{Code: participant.CodeUnavailable}))
		start := time.Now()
		assert.True(t, lim.Observe(rateLimited(time.Hour)), "capped at MaxPause")
		lim.Release()

		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				require.NoError(t, lim.Acquire(context.Background()))
				assert.Equal(t, batch.MaxPause, time.Since(start), "every worker waits out the pause, capped")
				lim.Release()
			})
		}
		wg.Wait()

		// A wait given up during a pause holds no slot: with one slot, the
		// next Acquire gets it once the pause ends.
		one := batch.NewLimiter(1)
		one.Observe(rateLimited(20 * time.Millisecond))
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		require.ErrorIs(t, one.Acquire(ctx), context.DeadlineExceeded)
		start = time.Now()
		require.NoError(t, one.Acquire(context.Background()))
		assert.Equal(t, 20*time.Millisecond, time.Since(start)+time.Millisecond)
		one.Release()
	})
}

// TestListingNotStarvedByUpdates: the participants of a fetched page are
// handed to the workers without waiting for a limiter slot, so the listing
// goes on while every other slot is held by an update. Here the updates
// wait for the listing to end; a producer that took a slot for each listed
// participant would wait for them in turn, and the batch would only end
// with its context.
func TestListingNotStarvedByUpdates(t *testing.T) {
	c := newCarrier(6, true) // pages of 3: two full pages, then an empty one
	listed := make(chan struct{})
	c.pageHook = func(page int) {
		if page == 3 {
			close(listed)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a bound, not a measurement
	defer cancel()
	c.fail = func(string, int, participant.UpdateRequest) error {
		select {
		case <-listed:
			return nil
		case <-ctx.Done():
			return &participant.Error{Code: participant.CodeCanceled, Err: ctx.Err()}
		}
	}
	rs, err := batch.UpdateAll(ctx, carrierkit.New(c), conf, mute, batch.Options{Concurrency: 2})
	require.NoError(t, err)
	assert.Len(t, rs, 6)
	assert.Empty(t, batch.Failed(rs))
	assert.LessOrEqual(t, c.maxIn, 2)
}

// TestCallbackPanics: a panic in the result callback, a Filter or the
// Updater reaches the caller of Each, after every goroutine of the batch
// has ended and every limiter slot is back.
func TestCallbackPanics(t *testing.T) {
	boom := func() { panic("boom") }
	for name, tc := range map[string]struct {
		fail   func(string, int, participant.UpdateRequest) error
		filter batch.Filter
		fn     func(int, batch.Result)
	}{
		"Each's callback": {fn: func(int, batch.Result) { boom() }},
		"Filter": {filter: func(p *participant.Participant) bool {
			if p.CallID == "CA04" {
				boom()
			}
			return true
		}},
		"Updater": {fail: func(call string, _ int, _ participant.UpdateRequest) error {
			if call == "CA04" {
				boom()
			}
			return nil
		}},
	} {
		t.Run(name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			c := newCarrier(30, true)
			c.fail = tc.fail
			lim := batch.NewLimiter(3)
			fn := tc.fn
			if fn == nil {
				fn = func(int, batch.Result) {}
			}
			assert.PanicsWithValue(t, "boom", func() {
				_ = batch.Each(context.Background(), carrierkit.New(c), conf, mute, batch.Options{Limiter: lim, Filter: tc.filter}, fn)
			})
			// Every slot is free now: a bound, not a measurement.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for range lim.Limit() {
				require.NoError(t, lim.Acquire(ctx), "a slot was not given back")
			}
		})
	}
}

// TestExceptLookupRateLimited: a 429 on an --except lookup is handled as
// for an update (it pauses the limiter, and the lookup is sent again), not
// the end of the batch.
func TestExceptLookupRateLimited(t *testing.T) {
	c := newCarrier(4, false) // the list reports no labels: the lookup matters
	n := 0
	c.fetchFail = func(string) error {
		if n++; n <= 2 {
			return rateLimited(time.Millisecond)
		}
		return nil
	}
	rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute, batch.Options{Except: []string{"agent"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"CA01", "CA02", "CA03"}, calls(rs), "the agent, by label, is left out")
	assert.Equal(t, 3, c.fetches)

	// Past RateLimitRetries the 429 is the batch's error, nothing updated.
	c = newCarrier(4, false)
	c.fetchFail = func(string) error { return rateLimited(time.Millisecond) }
	_, err = batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute, batch.Options{Except: []string{"agent"}, RateLimitRetries: 1})
	assert.ErrorIs(t, err, participant.ErrRateLimited)
	assert.Equal(t, 2, c.fetches)
	assert.Empty(t, c.updates)
}

// TestListRateLimitedPausesLimiter: a list page answered 429 ends the
// batch (a listing cannot resume) but, like any rate-limited answer, holds
// back every request of the shared limiter.
func TestListRateLimitedPausesLimiter(t *testing.T) {
	c := newCarrier(9, true)
	lim := batch.NewLimiter(4)
	l := failingLister{c, rateLimited(time.Hour), 0} // capped at MaxPause; nothing listed
	_, err := batch.UpdateAll(context.Background(), carrierkit.New(l), conf, mute, batch.Options{Limiter: lim})
	require.ErrorIs(t, err, participant.ErrRateLimited)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond) // far within the 30s pause
	defer cancel()
	assert.ErrorIs(t, lim.Acquire(ctx), context.DeadlineExceeded, "the limiter is paused")
}

// TestCancelAfterRateLimited: an update answered 429 and canceled before
// it could be sent again was sent: its result is the carrier's answer, not
// ErrNotAttempted (which says nothing reached the carrier).
func TestCancelAfterRateLimited(t *testing.T) {
	c := newCarrier(3, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.fail = func(call string, _ int, _ participant.UpdateRequest) error {
		if call == "CA00" {
			cancel()
		}
		return rateLimited(time.Hour)
	}
	rs, err := batch.UpdateAll(ctx, carrierkit.New(c), conf, mute, batch.Options{Concurrency: 1})
	require.ErrorIs(t, err, context.Canceled)
	require.NotEmpty(t, rs)
	require.Equal(t, "CA00", rs[0].Call)
	assert.Equal(t, 1, c.updates["CA00"])
	assert.NotErrorIs(t, rs[0].Err, batch.ErrNotAttempted, "it was sent")
	assert.ErrorIs(t, rs[0].Err, participant.ErrRateLimited)
	assert.Zero(t, rs[0].RateLimited, "no rate-limited answer before the last one")
	for _, r := range rs[1:] {
		if errors.Is(r.Err, batch.ErrNotAttempted) {
			assert.Zero(t, c.updates[r.Call], "%s: not attempted means never sent", r.Call)
		}
	}
}
