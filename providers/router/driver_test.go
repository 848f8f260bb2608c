package router_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
)

// counting is an in-memory endpoint driver that counts its calls and
// whether it was closed.
type counting struct {
	updates, checks atomic.Int32
	closed          atomic.Bool
}

func (d *counting) Capabilities() participant.Capabilities {
	return participant.Capabilities{Provider: "mem", Fields: participant.NewFieldSet(participant.FieldMuted)}
}

func (d *counting) Update(_ context.Context, ref participant.Ref, _ participant.UpdateRequest) (*participant.Participant, error) {
	d.updates.Add(1)
	return &participant.Participant{Provider: "mem", ConferenceID: ref.Conference, CallID: ref.Call}, nil
}

func (d *counting) CheckRef(participant.Ref) error { d.checks.Add(1); return nil }

func (d *counting) Close() error { d.closed.Store(true); return nil }

// TestEndpointClientIsUnwrapped: an endpoint given as a *carrierkit.Client
// is called through the driver under it. The request is checked once, by
// the router's client: the endpoint's client (its Observer) never sees the
// call, CheckRef is not asked (one carrier: nothing to route), and closing
// the router's client closes the endpoint's driver.
func TestEndpointClientIsUnwrapped(t *testing.T) {
	d := &counting{}
	var inner, outer atomic.Int32
	ep := carrierkit.New(d, carrierkit.WithObserver(carrierkit.ObserverFunc(func(carrierkit.Event) { inner.Add(1) })))
	r := newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{{Driver: ep}}})
	c := carrierkit.New(r.Client(), carrierkit.WithObserver(carrierkit.ObserverFunc(func(carrierkit.Event) { outer.Add(1) })))
	ref := participant.Ref{Conference: "conf", Call: "call"}

	_, err := c.Update(context.Background(), ref, mute)
	require.NoError(t, err)
	assert.EqualValues(t, 1, d.updates.Load())
	assert.Zero(t, d.checks.Load(), "a router of one carrier does not route on shapes, nor does anything else ask CheckRef: the driver checks its own ids as it sends")
	assert.EqualValues(t, 1, outer.Load())
	assert.Zero(t, inner.Load(), "the endpoint's client is not in the path")

	_, err = c.Update(context.Background(), ref, participant.UpdateRequest{Hold: participant.Bool(true)})
	require.ErrorIs(t, err, participant.ErrUnsupported, "validated against the carrier's capabilities")
	assert.EqualValues(t, 1, d.updates.Load(), "nothing sent")

	require.NoError(t, c.Close())
	assert.True(t, d.closed.Load(), "the router's client closes its endpoints")
	_, err = c.Update(context.Background(), ref, mute)
	require.ErrorIs(t, err, participant.ErrFailedPrecondition, "closed")
}

// TestNilClientEndpoint: a nil *carrierkit.Client is a nil driver.
func TestNilClientEndpoint(t *testing.T) {
	var ep *carrierkit.Client
	_, err := router.New(router.Options{}, router.Carrier{Name: "c", Endpoints: []router.Endpoint{{Driver: ep}}})
	require.ErrorIs(t, err, participant.ErrInvalidArgument)
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "carriers[0].Endpoints[0].Driver", pe.Field)
}

// TestParticipantRefRoutesBack: two carriers on one account (two regions)
// can be told apart only by name. What the router returns carries its
// Carrier, so p.Ref() reaches the same carrier; without it, the account
// fits both and the fetch is refused.
func TestParticipantRefRoutesBack(t *testing.T) {
	v := newTwilio(t, 1)
	r := newRouter(t, nil, v.carrier(t, "us1", router.Policy{}), v.carrier(t, "ie1", router.Policy{}))
	c := r.Client()
	ref := v.ref
	ref.Carrier = "ie1"
	p, err := c.Update(context.Background(), ref, mute)
	require.NoError(t, err)
	assert.Equal(t, "ie1", p.Carrier)
	got, err := c.Fetch(context.Background(), p.Ref())
	require.NoError(t, err)
	assert.Equal(t, "ie1", got.Carrier)
	listed := 0
	for lp, err := range c.List(context.Background(), p.Ref().ConferenceRef(), participant.ListOptions{}) {
		require.NoError(t, err)
		assert.Equal(t, "ie1", lp.Carrier)
		listed++
	}
	assert.Equal(t, 1, listed, "the listing reached ie1 and yielded its participant")
	bare := p.Ref()
	bare.Carrier = ""
	_, err = c.Fetch(context.Background(), bare)
	require.ErrorIs(t, err, participant.ErrInvalidArgument, "the account alone fits both carriers")
}

// TestClientStampsRouterErrors: the router leaves the operation and the
// provider to its client, which stamps them; the router's own facts
// (every attempt's requests) are on the error.
func TestClientStampsRouterErrors(t *testing.T) {
	v := newTwilio(t, 2, 1, 2) // both endpoints refuse connections
	r := newRouter(t, nil, v.carrier(t, "us", router.Policy{Retry: &driver.RetryPolicy{MaxRetries: 1}}))
	_, err := r.Client().Fetch(context.Background(), v.ref)
	require.ErrorIs(t, err, participant.ErrUnavailable)
	pe, ok := err.(*participant.Error)
	require.True(t, ok, "%T", err)
	assert.Equal(t, participant.OpFetch, pe.Op)
	assert.Equal(t, "twilio", pe.Provider, "the owning carrier's provider")
	assert.Equal(t, "us", pe.Carrier, "the carrier, the router's own fact")
	assert.Equal(t, 2, pe.Attempts, "both endpoints' requests")
	assert.Equal(t, participant.DeliveryNotSent, pe.Delivery)

	_, err = r.Client().Update(context.Background(), participant.Ref{Carrier: "eu", Conference: v.ref.Conference, Call: v.ref.Call}, mute)
	pe, ok = err.(*participant.Error)
	require.True(t, ok, "%T", err)
	assert.Equal(t, participant.OpUpdate, pe.Op)
	assert.Equal(t, router.Name, pe.Provider, "a routing refusal is the router's")
	assert.Equal(t, "Ref.Carrier", pe.Field)
}

// TestClientGivesTheRouterBack: As reaches the router under its client,
// for Health and Route.
func TestClientGivesTheRouterBack(t *testing.T) {
	r := newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{{Driver: &counting{}}}})
	var got *router.Router
	require.True(t, r.Client().As(&got))
	assert.Same(t, r, got)
	var d driver.Driver
	require.True(t, r.Client().As(&d))
	assert.Same(t, r, d.(*router.Router))
}

// TestBatchChecksTheOwningCarrier: a batch over a router checks its
// request against the capabilities of the carrier that owns the
// conference, not the union of the carriers': TeXML has no WaitMethod, so
// the batch fails before the listing is sent.
func TestBatchChecksTheOwningCarrier(t *testing.T) {
	tw, tx := newTwilio(t, 1), newTeXML(t, 1)
	r := newRouter(t, nil, tw.carrier(t, "us", router.Policy{}), tx.carrier(t, "telnyx", router.Policy{}))
	req := participant.UpdateRequest{WaitURL: participant.String("https://example.com/w.xml"), WaitMethod: participant.MethodGET}
	require.True(t, r.Capabilities().Supports(participant.FieldWaitMethod), "the union has it")
	_, err := batch.UpdateAll(context.Background(), r.Client(), tx.ref.ConferenceRef(), req, batch.Options{})
	require.ErrorIs(t, err, participant.ErrUnsupported)
	assert.Empty(t, tx.fake.Requests(), "nothing sent, not even the listing")
}

// failing is an endpoint driver whose every update fails with one shared
// error value, as a driver may return to many calls.
type failing struct {
	counting
	err *participant.Error
}

func (d *failing) Update(context.Context, participant.Ref, participant.UpdateRequest) (*participant.Participant, error) {
	d.updates.Add(1)
	return nil, d.err
}

// TestRouterErrorIsTheDriversError: the error of a call through the router
// is a copy with the router's facts (the carrier), never the
// driver's own value written to, and errors.Is still finds the driver's,
// as it does through a client without a router.
func TestRouterErrorIsTheDriversError(t *testing.T) {
	shared := &participant.Error{Code: participant.CodeNotFound, Delivery: participant.DeliveryAnswered, Message: "no such call"}
	d := &failing{err: shared}
	r := newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{{Driver: d}}})
	for range 2 {
		_, err := r.Client().Update(context.Background(), participant.Ref{Conference: "conf", Call: "call"}, mute)
		require.ErrorIs(t, err, shared, "the driver's error is found in the router's")
		pe, ok := errors.AsType[*participant.Error](err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, "c", pe.Carrier)
		assert.Equal(t, participant.OpUpdate, pe.Op)
	}
	assert.Equal(t, participant.Error{Code: participant.CodeNotFound, Delivery: participant.DeliveryAnswered, Message: "no such call"},
		*shared, "the driver's error is not written to")
}

// canFetch declares fetch; fetcher also implements it.
type canFetch struct{ counting }

func (d *canFetch) Capabilities() participant.Capabilities {
	return participant.Capabilities{Provider: "mem", Fields: participant.NewFieldSet(participant.FieldMuted),
		Ops: participant.NewOpSet(participant.OpFetch)}
}

type fetcher struct{ canFetch }

func (d *fetcher) Fetch(context.Context, participant.Ref) (*participant.Participant, error) {
	return nil, &participant.Error{Code: participant.CodeUnavailable, Delivery: participant.DeliveryNotSent, Message: "refused"}
}

// TestEndpointsImplementTheSameOperations: the endpoints of one carrier
// are one adapter, so a later endpoint that lacks an operation the first
// implements (a decorator that forgot Fetch) is refused by New, as a
// difference in capabilities is, not found out by a failover.
func TestEndpointsImplementTheSameOperations(t *testing.T) {
	_, err := router.New(router.Options{}, router.Carrier{Name: "c",
		Endpoints: []router.Endpoint{{Driver: &fetcher{}}, {Driver: &canFetch{}}}})
	require.ErrorIs(t, err, participant.ErrInvalidArgument)
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "carriers[0].Endpoints[1]", pe.Field)

	r := newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{{Driver: &fetcher{}}, {Driver: &fetcher{}}}})
	assert.True(t, r.Capabilities().Can(participant.OpFetch))
	r = newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{{Driver: &canFetch{}}, {Driver: &canFetch{}}}})
	assert.False(t, r.Capabilities().Can(participant.OpFetch), "declared, but no endpoint implements it")
}
