package carrierkit_test

import (
	"context"
	"errors"
	"iter"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// countingDriver records what reaches it; it implements only Update.
type countingDriver struct {
	caps    participant.Capabilities
	updates int
	err     error
}

func (d *countingDriver) Capabilities() participant.Capabilities { return d.caps }

//go:noinline
func (d *countingDriver) Update(_ context.Context, ref participant.Ref, _ participant.UpdateRequest) (*participant.Participant, error) {
	d.updates++
	if d.err != nil {
		return nil, d.err
	}
	return &participant.Participant{Provider: d.caps.Provider, ConferenceID: ref.Conference, CallID: ref.Call}, nil
}

func newCounting() *countingDriver {
	return &countingDriver{caps: participant.Capabilities{Provider: "counting",
		Fields: participant.NewFieldSet(participant.FieldMuted)}}
}

var ref = participant.Ref{Conference: "conf", Call: "call"}

func TestClientRefusesBeforeTheDriver(t *testing.T) {
	d := newCounting()
	c := carrierkit.New(d)
	for name, tc := range map[string]struct {
		ref   participant.Ref
		req   participant.UpdateRequest
		code  error
		field string
	}{
		"unsupported field": {ref, participant.UpdateRequest{Hold: participant.Bool(true)}, participant.ErrUnsupported, "Hold"},
		"empty request":     {ref, participant.UpdateRequest{}, participant.ErrInvalidArgument, ""},
		"no call":           {participant.Ref{Conference: "conf"}, participant.UpdateRequest{Muted: participant.Bool(false)}, participant.ErrInvalidArgument, "Ref.Call"},
		"control character": {participant.Ref{Conference: "c\n", Call: "x"}, participant.UpdateRequest{Muted: participant.Bool(false)}, participant.ErrInvalidArgument, "Ref.Conference"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Update(context.Background(), tc.ref, tc.req)
			require.ErrorIs(t, err, tc.code)
			pe, _ := errors.AsType[*participant.Error](err)
			assert.Equal(t, tc.field, pe.Field)
			assert.Equal(t, participant.OpUpdate, pe.Op)
			assert.Equal(t, participant.DeliveryNotSent, pe.Delivery)
		})
	}
	assert.Zero(t, d.updates, "nothing reached the driver")
}

func TestClientStampsPlainErrors(t *testing.T) {
	d := newCounting()
	d.err = context.DeadlineExceeded
	_, err := carrierkit.New(d).Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(true)})
	pe, ok := errors.AsType[*participant.Error](err)
	require.True(t, ok)
	assert.Equal(t, participant.CodeDeadlineExceeded, pe.Code)
	assert.Equal(t, "counting", pe.Provider)
	assert.Equal(t, participant.OpUpdate, pe.Op)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the cause stays in the chain")
}

func TestClientObservesAndCloses(t *testing.T) {
	var events []carrierkit.Event
	d := newCounting()
	c := carrierkit.New(d, carrierkit.WithObserver(carrierkit.ObserverFunc(func(e carrierkit.Event) { events = append(events, e) })))
	_, err := c.Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(false)})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, participant.OpUpdate, events[0].Op)
	assert.Equal(t, participant.NewFieldSet(participant.FieldMuted), events[0].Fields)

	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "closing twice is not an error")
	_, err = c.Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(false)})
	assert.ErrorIs(t, err, participant.ErrFailedPrecondition)
	assert.Equal(t, 1, d.updates, "a closed client sends nothing")
}

func TestClientAsGivesTheDriver(t *testing.T) {
	d := newCounting()
	c := carrierkit.New(d)
	var got driver.Driver
	require.True(t, c.As(&got))
	assert.Same(t, d, got)
	var s *string
	assert.False(t, c.As(&s), "a driver without As supports nothing else")
	wrapped := carrierkit.New(c)
	require.True(t, wrapped.As(&got))
	assert.Same(t, d, got, "New over a Client shares its driver")
}

func TestClientAddsNoAllocation(t *testing.T) {
	d := newCounting()
	c := carrierkit.New(d, carrierkit.WithObserver(carrierkit.ObserverFunc(func(carrierkit.Event) {})))
	req := participant.UpdateRequest{Muted: participant.Bool(true)}
	ctx := context.Background()
	var dd driver.Driver = d // called as the client calls it, through the interface
	direct := testing.AllocsPerRun(100, func() { _, _ = dd.Update(ctx, ref, req) })
	through := testing.AllocsPerRun(100, func() { _, _ = c.Update(ctx, ref, req) })
	assert.Equal(t, direct, through, "the portable layer adds no allocation per update")
}

// allOps implements every optional interface but declares no operation:
// the client goes by the carrier's capabilities, not by the Go type, and
// refuses alike what the driver lacks (countingDriver implements only
// Update).
type allOps struct{ *countingDriver }

func (allOps) Fetch(context.Context, participant.Ref) (*participant.Participant, error) {
	panic("Fetch called although the capabilities do not offer it")
}
func (allOps) List(context.Context, participant.ConferenceRef, participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	panic("List called although the capabilities do not offer it")
}
func (allOps) Remove(context.Context, participant.Ref) error {
	panic("Remove called although the capabilities do not offer it")
}

func TestClientOperationsGoByCapabilities(t *testing.T) {
	ctx := context.Background()
	for _, d := range []driver.Driver{newCounting(), allOps{newCounting()}} {
		c := carrierkit.New(d)
		_, err := c.Fetch(ctx, ref)
		assert.ErrorIs(t, err, participant.ErrUnsupported)
		assert.Contains(t, err.Error(), "counting fetch: unsupported")
		err = c.Remove(ctx, ref)
		assert.ErrorIs(t, err, participant.ErrUnsupported)
		n := 0
		for p, err := range c.List(ctx, ref.ConferenceRef(), participant.ListOptions{}) {
			n++
			assert.Nil(t, p)
			assert.ErrorIs(t, err, participant.ErrUnsupported)
		}
		assert.Equal(t, 1, n, "one error, then the sequence ends")
	}
}

// TestClientNeverWritesTheDriversError: a driver may return one error value
// to many calls at once. The client stamps a clone: the shared value is
// never written (no race under -race), and errors.Is still finds it.
func TestClientNeverWritesTheDriversError(t *testing.T) {
	d := newCounting()
	shared := &participant.Error{Code: participant.CodeUnavailable, Message: "down", Delivery: participant.DeliveryMaybe}
	d.err = shared
	c := carrierkit.New(sharedErrDriver{d})
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = c.Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(true)})
		})
	}
	wg.Wait()
	for _, err := range errs {
		assert.ErrorIs(t, err, shared, "the driver's error is still found")
		pe, _ := errors.AsType[*participant.Error](err)
		assert.Equal(t, "counting", pe.Provider)
		assert.Equal(t, participant.OpUpdate, pe.Op)
		assert.Equal(t, "carrierkit counting update: unavailable: down", err.Error())
	}
	assert.Empty(t, shared.Provider, "the shared error is not written")
	assert.Empty(t, shared.Op)
}

// sharedErrDriver is countingDriver without its update count, which would
// race between the calls.
type sharedErrDriver struct{ d *countingDriver }

func (s sharedErrDriver) Capabilities() participant.Capabilities { return s.d.caps }
func (s sharedErrDriver) Update(context.Context, participant.Ref, participant.UpdateRequest) (*participant.Participant, error) {
	return nil, s.d.err
}

// checkingDriver is countingDriver with the carrier's id shapes
// (driver.RefChecker): a call must start with "CA".
type checkingDriver struct {
	*countingDriver
	checks int
}

func (d *checkingDriver) CheckRef(ref participant.Ref) error {
	d.checks++
	if ref.Call != "" && (len(ref.Call) < 2 || ref.Call[:2] != "CA") {
		return &participant.Error{Code: participant.CodeInvalidArgument, Field: "Ref.Call", Message: "must start with CA",
			Delivery: participant.DeliveryNotSent}
	}
	return nil
}

// CheckRef checks the neutral id rules itself, before the driver's shapes
// (which it never asks for a ref they refuse), and names OpCheck.
func TestClientCheckRef(t *testing.T) {
	d := &checkingDriver{countingDriver: newCounting()}
	for _, c := range []*carrierkit.Client{carrierkit.New(newCounting()), carrierkit.New(d)} {
		assert.NoError(t, c.CheckRef(participant.Ref{Conference: "conf", Call: "CA1"}))
		assert.NoError(t, c.CheckRef(participant.Ref{Conference: "conf"}), "a conference's ref")
		for _, tc := range []struct {
			ref   participant.Ref
			field string
		}{
			{participant.Ref{Conference: "c\n", Call: "CA1"}, "Ref.Conference"},
			{participant.Ref{Call: "CA1"}, "Ref.Conference"},
			{participant.Ref{Conference: "conf", Call: "CA\x7f"}, "Ref.Call"},
		} {
			err := c.CheckRef(tc.ref)
			require.ErrorIs(t, err, participant.ErrInvalidArgument, "%+v", tc.ref)
			pe, _ := errors.AsType[*participant.Error](err)
			assert.Equal(t, tc.field, pe.Field)
			assert.Equal(t, participant.OpCheck, pe.Op)
			assert.Equal(t, participant.DeliveryNotSent, pe.Delivery)
		}
	}
	assert.Equal(t, 2, d.checks, "the driver's shapes were asked for the refs the neutral rules pass only")
	err := carrierkit.New(d).CheckRef(participant.Ref{Conference: "conf", Call: "x"})
	require.ErrorIs(t, err, participant.ErrInvalidArgument)
	pe, _ := errors.AsType[*participant.Error](err)
	assert.Equal(t, "Ref.Call", pe.Field)
	assert.Equal(t, "counting", pe.Provider)
	assert.Equal(t, participant.OpCheck, pe.Op)
}
