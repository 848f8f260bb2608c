package router_test

import (
	"context"
	"iter"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
)

// recovering is one endpoint in memory that answers 503 while down.
type recovering struct {
	down  atomic.Bool
	calls []string
}

func (u *recovering) Capabilities() participant.Capabilities {
	return participant.Capabilities{Provider: "mem", Fields: participant.NewFieldSet(participant.AllFields()...),
		Ops: participant.NewOpSet(participant.OpList)}
}

func (u *recovering) Update(_ context.Context, ref participant.Ref, _ participant.UpdateRequest) (*participant.Participant, error) {
	if u.down.Load() {
		return nil, &participant.Error{Code: participant.CodeUnavailable, Provider: "mem", Op: "update", HTTPStatus: 503,
			Attempts: 1, Delivery: participant.DeliveryMaybe}
	}
	return &participant.Participant{CallID: ref.Call}, nil
}

func (u *recovering) List(context.Context, participant.ConferenceRef, participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		for _, c := range u.calls {
			if !yield(&participant.Participant{CallID: c}, nil) {
				return
			}
		}
	}
}

// TestListIsNoLongProbe: a carrier of one endpoint that failed and
// recovered; its breaker is half-open after the cool-down. The app lists
// the conference and updates each participant in the loop, the usual way.
// The listing must not hold the breaker's one probe while the app's loop
// body runs: every update in the loop was skipped ("every endpoint's
// circuit breaker is open; nothing sent") though the endpoint was healthy.
func TestListIsNoLongProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &recovering{calls: []string{"c1", "c2", "c3"}}
		r := newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{{Name: "ep1", Driver: u}},
			Policy: router.Policy{Breaker: router.BreakerSettings{Failures: 1, CoolDown: time.Second},
				Retry: &driver.RetryPolicy{MaxRetries: 0}}})
		conf := participant.ConferenceRef{Conference: "conf"}
		u.down.Store(true)
		_, err := r.Client().Update(context.Background(), conf.Participant("c1"), mute)
		require.ErrorIs(t, err, participant.ErrUnavailable)
		require.Equal(t, router.StateOpen, health(r, "c")[0].State)
		u.down.Store(false)
		time.Sleep(2 * time.Second) // the cool-down
		require.Equal(t, router.StateHalfOpen, health(r, "c")[0].State)

		updated := 0
		for p, err := range r.Client().List(context.Background(), conf, participant.ListOptions{}) {
			require.NoError(t, err)
			_, err = r.Client().Update(context.Background(), conf.Participant(p.CallID), mute)
			if assert.NoError(t, err, p.CallID) {
				updated++
			}
		}
		assert.Equal(t, 3, updated)
		assert.Equal(t, router.StateClosed, health(r, "c")[0].State)
	})
}

// slow answers after a delay, unless its context ends first.
type slow struct {
	delay time.Duration
	calls *atomic.Int32
}

func (s slow) Capabilities() participant.Capabilities {
	return participant.Capabilities{Provider: "mem", Fields: participant.NewFieldSet(participant.AllFields()...)}
}

func (s slow) Update(ctx context.Context, ref participant.Ref, _ participant.UpdateRequest) (*participant.Participant, error) {
	s.calls.Add(1)
	select {
	case <-time.After(s.delay):
		return &participant.Participant{CallID: ref.Call}, nil
	case <-ctx.Done():
		return nil, &participant.Error{Code: participant.CodeDeadlineExceeded, Provider: "mem", Op: "update", Attempts: 1,
			Delivery: participant.DeliveryMaybe, Err: ctx.Err()}
	}
}

// TestOnlyAttemptGetsTheWholeDeadline: the caller's budget allows one
// attempt (a batch's last resend, or max_retries 0), so no other endpoint
// will be tried: that attempt may use the caller's whole deadline, not a
// share kept for endpoints the call will never reach. The endpoint answers
// in 6 s; the caller allows 10 s.
func TestOnlyAttemptGetsTheWholeDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		r := newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{
			{Name: "ep1", Driver: slow{6 * time.Second, &calls}}, {Name: "ep2", Driver: slow{6 * time.Second, &calls}}}})
		ctx, cancel := context.WithTimeout(participant.WithRetryBudget(context.Background(), 0), 10*time.Second)
		defer cancel()
		_, err := r.Client().Update(ctx, participant.Ref{Conference: "conf", Call: "c1"}, mute)
		require.NoError(t, err)
		assert.EqualValues(t, 1, calls.Load())
	})
}

// panicking is an endpoint whose adapter panics while up, and answers 503
// while down.
type panicking struct{ recovering }

func (p *panicking) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	if !p.down.Load() {
		panic("adapter bug")
	}
	return p.recovering.Update(ctx, ref, req)
}

// TestPanicIsNoSuccessfulProbe: a half-open breaker's probe whose driver
// panics proves nothing about the endpoint: it must not close the breaker
// (gobreaker counted the panic's error as a success).
func TestPanicIsNoSuccessfulProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &panicking{}
		r := newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{{Name: "ep1", Driver: u}},
			Policy: router.Policy{Breaker: router.BreakerSettings{Failures: 1, CoolDown: time.Second},
				Retry: &driver.RetryPolicy{MaxRetries: 0}}})
		ref := participant.Ref{Conference: "conf", Call: "c1"}
		u.down.Store(true)
		_, err := r.Client().Update(context.Background(), ref, mute)
		require.ErrorIs(t, err, participant.ErrUnavailable)
		u.down.Store(false)
		time.Sleep(2 * time.Second)
		require.Equal(t, router.StateHalfOpen, health(r, "c")[0].State)
		assert.Panics(t, func() { _, _ = r.Client().Update(context.Background(), ref, mute) })
		assert.NotEqual(t, router.StateClosed, health(r, "c")[0].State, "a panic is no successful probe")
	})
}
