package router_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
)

// TestLocalRefusalIsNoAttempt: a call the endpoint's adapter refuses before
// sending (a ref of the wrong shape, a negative page size) is neither an
// answer nor a probe: Health counts no request and keeps the consecutive
// failures, and a half-open breaker stays half-open.
func TestLocalRefusalIsNoAttempt(t *testing.T) {
	synctest.Test(t, testLocalRefusalIsNoAttempt)
}

func testLocalRefusalIsNoAttempt(t *testing.T) {
	const coolDown = 30 * time.Second
	v := newTwilio(t, 0)
	v.inMemory(t, 2)
	r := newRouter(t, nil, v.carrier(t, "c", router.Policy{
		Breaker: router.BreakerSettings{Failures: 2, CoolDown: coolDown}}))
	ctx := context.Background()
	v.fake.Fail(vendorfake.Fault{Status: 503, Endpoint: 1})
	_, err := r.Client().Update(ctx, v.ref, mute)
	require.NoError(t, err)
	sent := len(v.fake.Requests())

	bad := v.ref
	bad.Carrier, bad.Conference = "c", "not-a-conference"
	_, err = r.Client().Update(ctx, bad, mute)
	require.ErrorIs(t, err, participant.ErrInvalidArgument)
	assert.Len(t, v.fake.Requests(), sent, "nothing sent")
	h := health(r, "c")[0]
	assert.Equal(t, 1, h.Requests, "a refusal is no request")
	assert.Equal(t, 1, h.ConsecutiveFailures, "a refusal is no answer")
	assert.Equal(t, h.Requests, h.Answers+h.Failures+h.Canceled)

	// Open the breaker, wait for half-open; a refused listing is no probe.
	v.fake.Fail(vendorfake.Fault{Status: 503, Endpoint: 1})
	_, err = r.Client().Update(ctx, v.ref, mute)
	require.NoError(t, err)
	require.Equal(t, router.StateOpen, health(r, "c")[0].State)
	time.Sleep(time.Until(health(r, "c")[0].Since.Add(coolDown)) + time.Nanosecond)
	require.Equal(t, router.StateHalfOpen, health(r, "c")[0].State)
	sent = len(v.fake.Requests())
	for _, err := range r.Client().List(ctx, v.ref.ConferenceRef(), participant.ListOptions{PageSize: -1}) {
		require.ErrorIs(t, err, participant.ErrInvalidArgument)
	}
	assert.Len(t, v.fake.Requests(), sent, "nothing sent")
	h = health(r, "c")[0]
	assert.Equal(t, router.StateHalfOpen, h.State, "a listing refused before sending closes no breaker")
	assert.Equal(t, 2, h.Requests)
}

// TestBreakerSettingsOutOfRange: gobreaker counts in uint32; a larger
// Failures or Probes would wrap (4294967296 failures: open at the first).
func TestBreakerSettingsOutOfRange(t *testing.T) {
	v := newTwilio(t, 1)
	for _, tc := range []struct {
		field string
		b     router.BreakerSettings
	}{
		{"carriers[0].Policy.Breaker.Failures", router.BreakerSettings{Failures: 1 << 32}},
		{"carriers[0].Policy.Breaker.Probes", router.BreakerSettings{Probes: 1<<32 + 1}},
	} {
		_, err := router.New(router.Options{}, v.carrier(t, "c", router.Policy{Breaker: tc.b}))
		require.ErrorIs(t, err, participant.ErrInvalidArgument, tc.field)
		var pe *participant.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, tc.field, pe.Field)
	}
}

// appliedUpdater is an endpoint whose update the carrier applied but whose
// read-back was rate limited (a 204 carrier under load).
type appliedUpdater struct {
	caps  participant.Capabilities
	calls *int
}

func (a appliedUpdater) Capabilities() participant.Capabilities { return a.caps }

func (a appliedUpdater) Update(context.Context, participant.Ref, participant.UpdateRequest) (*participant.Participant, error) {
	*a.calls++
	return nil, &participant.Error{Code: participant.CodeRateLimited, Provider: "stub", Op: "update",
		HTTPStatus: 429, Attempts: 2, Delivery: participant.DeliveryApplied, Applied: participant.NewFieldSet(participant.FieldMuted), Message: "the update was applied, but reading the participant back failed"}
}

// TestAppliedUpdateIsNotSentAgain: an update the carrier applied is
// returned with its error, not sent to the next endpoint, though the
// read-back's 429 means "not processed" for the read-back itself.
func TestAppliedUpdateIsNotSentAgain(t *testing.T) {
	v := newTwilio(t, 1)
	caps := v.carrier(t, "x", router.Policy{}).Endpoints[0].Driver.Capabilities()
	var first, second int
	r := newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{
		{Driver: appliedUpdater{caps, &first}}, {Driver: appliedUpdater{caps, &second}}}})
	ref := v.ref
	ref.Carrier = "c"
	_, err := r.Client().Update(context.Background(), ref, mute)
	require.ErrorIs(t, err, participant.ErrRateLimited)
	pe, ok := errors.AsType[*participant.Error](err)
	require.True(t, ok)
	assert.Equal(t, participant.DeliveryApplied, pe.Delivery)
	assert.Equal(t, []int{1, 0}, []int{first, second}, "sent once, on the first endpoint")
}

// TestCapabilitiesSayHoldMutes: a router over a carrier whose hold uses its
// one mute flag (Plivo, Vonage) says so, as that carrier's adapter does, so
// an app and the live checks read the router's Capabilities as they would
// the adapter's.
func TestCapabilitiesSayHoldMutes(t *testing.T) {
	var calls int
	plain := participant.Capabilities{Provider: "stub", Fields: participant.NewFieldSet(participant.FieldMuted, participant.FieldHold)}
	oneFlag := plain
	oneFlag.HoldMutes = true
	r := newRouter(t, nil,
		router.Carrier{Name: "a", Account: "A", Endpoints: []router.Endpoint{{Driver: appliedUpdater{plain, &calls}}}},
		router.Carrier{Name: "b", Account: "B", Endpoints: []router.Endpoint{{Driver: appliedUpdater{oneFlag, &calls}}}})
	assert.True(t, r.Capabilities().HoldMutes)
	r = newRouter(t, nil, router.Carrier{Name: "a", Account: "A", Endpoints: []router.Endpoint{{Driver: appliedUpdater{plain, &calls}}}})
	assert.False(t, r.Capabilities().HoldMutes)
}
