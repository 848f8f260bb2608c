package router_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/vendorfake"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

// TestDeliveryStaysMaybeAcrossAttempts: an idempotent update answered 503
// by the first endpoint (it may have acted) moves on to the second, which
// refuses the connection. The call's error must not say "not sent": the
// first attempt may have applied it. A maybe on any attempt stays, as it
// does across an adapter's own retries (httpx Response.Ambiguous).
func TestDeliveryStaysMaybeAcrossAttempts(t *testing.T) {
	v := newTwilio(t, 0)
	storm, updates := stormEndpoints(t, v, 1, http.StatusServiceUnavailable, "")
	c := router.Carrier{Name: "us", Account: v.account,
		Policy: router.Policy{Retry: &driver.RetryPolicy{MaxRetries: 1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}}}
	for i, u := range []string{storm[0], refusingURL(t)} {
		c.Endpoints = append(c.Endpoints, router.Endpoint{Name: "ep" + string(rune('1'+i)), Driver: v.newEP(t, u)})
	}
	r := newRouter(t, nil, c)
	_, err := r.Client().Update(context.Background(), v.ref, mute)
	assert.EqualValues(t, 1, updates.Load(), "the 503 reached the carrier")
	assert.Equal(t, participant.DeliveryMaybe, participant.DeliveryOf(err), "%v", err)
}

// wrapping is an app's decorator over an endpoint's client (logging,
// metrics) that wraps every error it passes on, as Go code does. It is not
// a *carrierkit.Client, so the router calls it as it is.
type wrapping struct{ *carrierkit.Client }

func (w wrapping) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	p, err := w.Client.Update(ctx, ref, req)
	if err != nil {
		return nil, fmt.Errorf("app: update %s: %w", ref.Call, err)
	}
	return p, nil
}

// TestWrappedEndpointErrorsKeepTheBudget: endpoints whose adapters are
// wrapped by an app's decorator. The router's error still counts every
// attempt's requests and keeps the facts of earlier attempts, so a batch
// over it keeps to one budget: a 429 storm costs at most 6 requests.
func TestWrappedEndpointErrorsKeepTheBudget(t *testing.T) {
	v := newTwilio(t, 0)
	urls, updates := stormEndpoints(t, v, 2, http.StatusTooManyRequests, "")
	c := router.Carrier{Name: "us", Account: v.account,
		Policy: router.Policy{Retry: &driver.RetryPolicy{MaxRetries: 3, WaitMin: time.Millisecond, WaitMax: time.Millisecond}}}
	for i, u := range urls {
		a, err := twilio.New(twilio.Config{AccountSID: v.account, AuthToken: twilioToken, BaseURL: u})
		require.NoError(t, err)
		t.Cleanup(func() { _ = a.Close() })
		c.Endpoints = append(c.Endpoints, router.Endpoint{Name: "ep" + string(rune('1'+i)), Driver: wrapping{a}})
	}
	r := newRouter(t, nil, c)

	_, err := r.Client().Update(context.Background(), v.ref, mute)
	require.ErrorIs(t, err, participant.ErrRateLimited)
	pe, _ := errors.AsType[*participant.Error](err)
	require.NotNil(t, pe)
	assert.Equal(t, int(updates.Load()), pe.Attempts, "Attempts counts every endpoint's requests")
	assert.Contains(t, err.Error(), "storm")

	updates.Store(0)
	results, err := batch.UpdateAll(context.Background(), r.Client(), v.ref.ConferenceRef(), mute, batch.Options{})
	require.NoError(t, err)
	require.Len(t, results, 1)
	require.ErrorIs(t, results[0].Err, participant.ErrRateLimited)
	assert.LessOrEqual(t, int(updates.Load()), 6, "one budget for the whole update")
}

// TestListLaterPageRetriedInPlace: through router.New over adapters built
// with defaults, the second page of a listing is answered 429 once. The
// router cannot start the listing over (a participant was yielded), so
// the page is the adapter's to send again, as its policy says: the listing
// completes, each participant once. (Each first answer stays the router's
// to retry, under a budget of 0.)
func TestListLaterPageRetriedInPlace(t *testing.T) {
	v := newTwilio(t, 1)
	for range 3 {
		v.fake.Seed(vendorfake.Participant{Account: v.account, Conference: v.ref.Conference, CallID: vendorfake.HexID("CA")})
	}
	r := defaultsRouter(t, v, v.urls)
	seen := map[string]int{}
	for p, err := range r.Client().List(context.Background(), v.ref.ConferenceRef(), participant.ListOptions{PageSize: 2}) {
		require.NoError(t, err)
		seen[p.CallID]++
		if len(seen) == 1 {
			v.fake.Fail(vendorfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"}) // the next page, once
		}
	}
	assert.Len(t, seen, 4)
	for call, n := range seen {
		assert.Equal(t, 1, n, call)
	}
}
