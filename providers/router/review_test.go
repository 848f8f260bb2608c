package router_test

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
)

// listing is an endpoint driver whose listing yields one participant and
// then fails.
type listing struct{ counting }

func (d *listing) Capabilities() participant.Capabilities {
	return participant.Capabilities{Provider: "mem", Fields: participant.NewFieldSet(participant.FieldMuted),
		Ops: participant.NewOpSet(participant.OpList)}
}

func (d *listing) List(_ context.Context, conf participant.ConferenceRef, _ participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		if !yield(&participant.Participant{Provider: "mem", ConferenceID: conf.Conference, CallID: "a"}, nil) {
			return
		}
		yield(nil, &participant.Error{Code: participant.CodeUnavailable, Delivery: participant.DeliveryMaybe, Message: "page 2 failed"})
	}
}

// TestListErrorAfterParticipantsNamesTheCarrier: an error that ends a
// listing after it yielded participants says, like every other error of
// the router, which carrier it came from.
func TestListErrorAfterParticipantsNamesTheCarrier(t *testing.T) {
	r := newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{{Driver: &listing{}}}})
	var got []string
	var last error
	for p, err := range r.Client().List(context.Background(), participant.ConferenceRef{Conference: "conf"}, participant.ListOptions{}) {
		if err != nil {
			last = err
			break
		}
		got = append(got, p.CallID)
	}
	assert.Equal(t, []string{"a"}, got)
	pe, ok := errors.AsType[*participant.Error](last)
	require.True(t, ok, "%v", last)
	assert.Equal(t, "c", pe.Carrier)
	assert.Equal(t, participant.OpList, pe.Op)
}

// TestClientCheckRefOfUnroutableRef: the client's CheckRef names OpCheck
// on every refusal, a routing one included.
func TestClientCheckRefOfUnroutableRef(t *testing.T) {
	r := newRouter(t, nil, router.Carrier{Name: "a", Endpoints: []router.Endpoint{{Driver: &counting{}}}},
		router.Carrier{Name: "b", Endpoints: []router.Endpoint{{Driver: &counting{}}}})
	err := r.Client().CheckRef(participant.Ref{Carrier: "nope", Conference: "conf", Call: "call"})
	pe, ok := errors.AsType[*participant.Error](err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "Ref.Carrier", pe.Field)
	assert.Equal(t, participant.OpCheck, pe.Op)
}

// TestObserverNamesTheRouterOnRoutingFailure: the Event of a call the
// router could not route names the router as its provider, as its error
// does.
func TestObserverNamesTheRouterOnRoutingFailure(t *testing.T) {
	r := newRouter(t, nil, router.Carrier{Name: "a", Endpoints: []router.Endpoint{{Driver: &counting{}}}},
		router.Carrier{Name: "b", Endpoints: []router.Endpoint{{Driver: &counting{}}}})
	var events []carrierkit.Event
	c := carrierkit.New(r.Client(), carrierkit.WithObserver(carrierkit.ObserverFunc(func(e carrierkit.Event) { events = append(events, e) })))
	_, err := c.Update(context.Background(), participant.Ref{Carrier: "nope", Conference: "conf", Call: "call"}, mute)
	require.ErrorIs(t, err, participant.ErrInvalidArgument)
	require.Len(t, events, 1)
	assert.Equal(t, router.Name, events[0].Provider)
}

// TestClosedClientRefusesEveryCall: after Close every call fails with
// ErrFailedPrecondition, as Close documents, an unroutable one too.
func TestClosedClientRefusesEveryCall(t *testing.T) {
	r := newRouter(t, nil, router.Carrier{Name: "a", Endpoints: []router.Endpoint{{Driver: &counting{}}}},
		router.Carrier{Name: "b", Endpoints: []router.Endpoint{{Driver: &counting{}}}})
	require.NoError(t, r.Client().Close())
	_, err := r.Client().Update(context.Background(), participant.Ref{Carrier: "nope", Conference: "conf", Call: "call"}, mute)
	assert.ErrorIs(t, err, participant.ErrFailedPrecondition)
}
