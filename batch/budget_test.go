package batch_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/participant"
)

// TestOneRetryBudget: the batch's RateLimitRetries is the budget of the
// whole update. A layer below that retries on its own (here 3 retries, as
// an adapter with default settings) spends from it: it is given what is
// left (participant.RetryBudget) and reports what it sent (Attempts). A 429
// storm costs at most 1+RateLimitRetries requests, not 6×4.
func TestOneRetryBudget(t *testing.T) {
	for _, tc := range []struct {
		name        string
		honours     bool
		retries     int
		wantReqs    int
		wantBudgets []int
	}{
		{"HonoursTheBudget", true, 0, 6, []int{5, 1}},
		{"IgnoresTheBudget", false, 0, 8, []int{5, 1}}, // it still sends 4 each time: the batch stops at once
		{"NoRetries", true, -1, 1, []int{0}},
		{"RateLimitRetries2", true, 2, 3, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCarrier(1, true)
			var budgets []int
			requests := 0
			u := budgetUpdater{c: c, honours: tc.honours, requests: &requests, budgets: &budgets}
			rs, err := batch.UpdateAll(context.Background(), carrierkit.New(u), conf, mute, batch.Options{RateLimitRetries: tc.retries})
			require.NoError(t, err)
			require.Len(t, rs, 1)
			require.ErrorIs(t, rs[0].Err, participant.ErrRateLimited)
			assert.Equal(t, tc.wantReqs, requests)
			assert.Equal(t, tc.wantBudgets, budgets, "the budget each send was given")
		})
	}
}

// budgetUpdater answers every update 429 after sending it up to 1+3 times
// (within the context's budget when it honours one).
type budgetUpdater struct {
	c        *carrier
	honours  bool
	requests *int
	budgets  *[]int
}

func (u budgetUpdater) Capabilities() participant.Capabilities { return u.c.Capabilities() }

func (u budgetUpdater) List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return u.c.List(ctx, conf, opts)
}

func (u budgetUpdater) Update(ctx context.Context, _ participant.Ref, _ participant.UpdateRequest) (*participant.Participant, error) {
	n := 4
	b, ok := participant.RetryBudget(ctx)
	if ok {
		*u.budgets = append(*u.budgets, b)
		if u.honours {
			n = min(n, 1+b)
		}
	}
	*u.requests += n
	pe := rateLimited(time.Millisecond).(*participant.Error)
	pe.Attempts, pe.Delivery = n, participant.DeliveryAnswered
	return nil, pe
}

// TestPartlyAppliedSendsOnlyTheRest: a several-call carrier muted the
// participant, then the announcement's call was rate limited. The batch
// sends again only the announcement; the result lists the mute as applied
// if the rest fails too. An announcement that may have played is never
// sent again.
func TestPartlyAppliedSendsOnlyTheRest(t *testing.T) {
	both := participant.UpdateRequest{Muted: participant.Bool(true), AnnounceURL: participant.String("https://example.com/a.xml")}
	mutedOnly := participant.NewFieldSet(participant.FieldMuted)

	c := newCarrier(1, true)
	var got []participant.UpdateRequest
	c.fail = func(_ string, n int, req participant.UpdateRequest) error {
		got = append(got, req)
		if n == 1 {
			pe := rateLimited(time.Millisecond).(*participant.Error)
			pe.Delivery, pe.Applied, pe.Step = participant.DeliveryAnswered, mutedOnly, "play"
			return pe
		}
		return nil
	}
	rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, both, batch.Options{})
	require.NoError(t, err)
	require.NoError(t, rs[0].Err)
	require.Len(t, got, 2)
	assert.Nil(t, got[1].Muted, "the applied mute is not sent again")
	assert.Equal(t, both.AnnounceURL, got[1].AnnounceURL)

	// The announcement's call was rate limited after a 5xx: it may have
	// played. Not sent again; the error says the mute was applied.
	c = newCarrier(1, true)
	got = nil
	c.fail = func(_ string, _ int, req participant.UpdateRequest) error {
		got = append(got, req)
		pe := rateLimited(time.Millisecond).(*participant.Error)
		pe.Delivery, pe.Applied, pe.Step = participant.DeliveryMaybe, mutedOnly, "play"
		return pe
	}
	rs, err = batch.UpdateAll(context.Background(), carrierkit.New(c), conf, both, batch.Options{})
	require.NoError(t, err)
	require.ErrorIs(t, rs[0].Err, participant.ErrRateLimited)
	assert.Len(t, got, 1, "a maybe-played announcement is never replayed")
	assert.Equal(t, mutedOnly, rs[0].Err.(*participant.Error).Applied)

	// The announcement went through, the mute was rate limited and may have
	// acted: only the mute (idempotent) is sent again.
	c = newCarrier(1, true)
	got = nil
	c.fail = func(_ string, n int, req participant.UpdateRequest) error {
		got = append(got, req)
		if n == 1 {
			pe := rateLimited(time.Millisecond).(*participant.Error)
			pe.Delivery, pe.Applied, pe.Step = participant.DeliveryMaybe, participant.NewFieldSet(participant.FieldAnnounceURL), "mute"
			return pe
		}
		return nil
	}
	rs, err = batch.UpdateAll(context.Background(), carrierkit.New(c), conf, both, batch.Options{})
	require.NoError(t, err)
	require.NoError(t, rs[0].Err)
	require.Len(t, got, 2)
	assert.Nil(t, got[1].AnnounceURL, "the played announcement is not sent again")
	assert.Equal(t, both.Muted, got[1].Muted)
}

// TestDeliveryStaysMaybeAcrossSends: the first send of a mute may have
// acted (a 503, then a 429, behind the Updater), so the batch sends it
// again; the second is not sent at all (a refused connection). The
// result must say maybe, not "not sent": the first send may have muted.
func TestDeliveryStaysMaybeAcrossSends(t *testing.T) {
	c := newCarrier(1, true)
	c.fail = func(_ string, n int, _ participant.UpdateRequest) error {
		if n == 1 {
			pe := rateLimited(time.Millisecond).(*participant.Error)
			pe.Delivery = participant.DeliveryMaybe
			return pe
		}
		return &participant.Error{Code: participant.CodeUnavailable, Provider: "mem", Op: "update", Attempts: 1,
			Delivery: participant.DeliveryNotSent, Message: "connection refused"}
	}
	rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute, batch.Options{})
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.ErrorIs(t, rs[0].Err, participant.ErrUnavailable)
	assert.Equal(t, 1, rs[0].RateLimited, "sent again after the 429")
	assert.Equal(t, participant.DeliveryMaybe, participant.DeliveryOf(rs[0].Err), "%v", rs[0].Err)
}

// TestSharedErrorNotWritten: an Updater may return the same error value
// for many updates (a sentinel *participant.Error, a mock's canned
// answer). The batch's workers must not write to it: under -race, any
// write from two workers is a data race.
func TestSharedErrorNotWritten(t *testing.T) {
	gone := &participant.Error{Code: participant.CodeNotFound, Provider: "mem", Op: "update", Attempts: 1,
		Delivery: participant.DeliveryAnswered}
	for range 8 { // a race shows only when two writes meet: give it chances
		c := newCarrier(64, true)
		c.fail = func(string, int, participant.UpdateRequest) error { return gone }
		rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute, batch.Options{Concurrency: 16})
		require.NoError(t, err)
		require.Len(t, rs, 64)
		for _, r := range rs {
			require.ErrorIs(t, r.Err, participant.ErrNotFound)
		}
	}
	assert.Equal(t, participant.DeliveryAnswered, gone.Delivery)
	assert.Zero(t, gone.Applied)
}
