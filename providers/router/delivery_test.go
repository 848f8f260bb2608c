package router_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/router"
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
		Policy: router.Policy{Retry: &providers.RetryPolicy{MaxRetries: 1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}}}
	for i, u := range []string{storm[0], refusingURL(t)} {
		c.Endpoints = append(c.Endpoints, router.Endpoint{Name: "ep" + string(rune('1'+i)), Updater: v.newEP(t, u)})
	}
	r := newRouter(t, nil, c)
	_, err := r.Update(context.Background(), v.ref, mute)
	assert.EqualValues(t, 1, updates.Load(), "the 503 reached the carrier")
	assert.Equal(t, participant.DeliveryMaybe, participant.DeliveryOf(err), "%v", err)
}
