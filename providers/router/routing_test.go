package router_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
)

// TestRouting: by name, by account, by id shape; none or several fit:
// ErrInvalidArgument naming the candidates, and nothing sent.
func TestRouting(t *testing.T) {
	us, eu, tx := newTwilio(t, 1), newTwilio(t, 1), newTeXML(t, 1)
	r := newRouter(t, nil, us.carrier(t, "us", router.Policy{}), eu.carrier(t, "eu", router.Policy{}),
		tx.carrier(t, "telnyx", router.Policy{}))
	ctx := context.Background()
	sent := func() int { return len(us.fake.Requests()) + len(eu.fake.Requests()) + len(tx.fake.Requests()) }

	t.Run("ByName", func(t *testing.T) {
		ref := eu.ref
		ref.Account, ref.Carrier = "", "eu" // the carrier's own account is the default
		_, err := r.Client().Update(ctx, ref, mute)
		require.NoError(t, err)
		assert.Len(t, eu.fake.Requests(), 1)
	})
	t.Run("ByAccount", func(t *testing.T) {
		_, err := r.Client().Update(ctx, us.ref, mute)
		require.NoError(t, err)
		assert.Len(t, us.fake.Requests(), 1)
		name, err := r.Route(eu.ref)
		require.NoError(t, err)
		assert.Equal(t, "eu", name)
	})
	t.Run("ByShape", func(t *testing.T) {
		// An account no carrier is configured with: only the texml
		// carrier's id rules accept a UUID account and a v3: call.
		ref := tx.ref
		ref.Account = vendorfake.UUID()
		name, err := r.Route(ref)
		require.NoError(t, err)
		assert.Equal(t, "telnyx", name)
		ref.Account = ""
		name, err = r.Route(ref)
		require.NoError(t, err)
		assert.Equal(t, "telnyx", name)
	})
	before := sent()
	for _, tc := range []struct {
		name  string
		ref   participant.Ref
		field string
		says  []string
	}{
		{"UnknownName", participant.Ref{Carrier: "apac", Conference: us.ref.Conference, Call: us.ref.Call},
			"Ref.Carrier", []string{`"apac"`, "eu, telnyx, us"}},
		// A hostile name is escaped in the message, not written raw.
		{"HostileName", participant.Ref{Carrier: "x\x1b[2J\nforged: line", Conference: us.ref.Conference, Call: us.ref.Call},
			"Ref.Carrier", []string{`"x\x1b[2J\nforged: line"`}},
		// Twilio SIDs fit both Twilio carriers (and, while the TeXML
		// adapter accepts any id, that one too).
		{"Ambiguous", participant.Ref{Account: vendorfake.HexID("AC"), Conference: us.ref.Conference, Call: us.ref.Call},
			"Ref", []string{"fit carriers eu, ", "us"}},
		{"AmbiguousNoAccount", participant.Ref{Conference: us.ref.Conference, Call: us.ref.Call},
			"Ref", []string{"fit carriers eu, ", "us"}},
		// A call operation needs a call: the client refuses it before
		// routing (routed as a conference's, the ref would fit two).
		{"NoCall", participant.Ref{Conference: us.ref.Conference},
			"Ref.Call", []string{"must not be empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Client().Update(ctx, tc.ref, mute)
			require.ErrorIs(t, err, participant.ErrInvalidArgument)
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.field, pe.Field)
			for _, s := range tc.says {
				assert.Contains(t, err.Error(), s)
			}
			assert.NotContains(t, err.Error(), "\x1b", "control characters are escaped")
			assert.NotContains(t, err.Error(), "\n", "control characters are escaped")
			_, err = r.Client().Fetch(ctx, tc.ref)
			require.ErrorIs(t, err, participant.ErrInvalidArgument)
		})
	}
	t.Run("NoneFits", func(t *testing.T) {
		// Called as a driver, the router routes a call operation by the
		// shapes of a call's ids: without a call, none fits.
		_, err := r.Update(ctx, participant.Ref{Conference: us.ref.Conference}, mute)
		require.ErrorIs(t, err, participant.ErrInvalidArgument)
		assert.Contains(t, err.Error(), "fit no carrier")
		assert.Contains(t, err.Error(), "eu, telnyx, us")
	})
	t.Run("SameAccountTwice", func(t *testing.T) {
		// Two carriers (say two regions) on one account: the account
		// cannot choose.
		same := newTwilio(t, 1)
		other := same.carrier(t, "ie1", router.Policy{})
		r := newRouter(t, nil, same.carrier(t, "us1", router.Policy{}), other)
		_, err := r.Client().Update(ctx, same.ref, mute)
		require.ErrorIs(t, err, participant.ErrInvalidArgument)
		assert.Contains(t, err.Error(), "ie1, us1")
		assert.Empty(t, same.fake.Requests())
	})
	t.Run("UnsupportedField", func(t *testing.T) {
		// TeXML has no WaitMethod: the union of capabilities has it, the
		// owning carrier's check refuses it before sending.
		assert.True(t, r.Capabilities().Supports(participant.FieldWaitMethod))
		_, err := r.Client().Update(ctx, tx.ref, participant.UpdateRequest{WaitURL: participant.String("https://example.com/w.xml"),
			WaitMethod: participant.MethodGET})
		require.ErrorIs(t, err, participant.ErrUnsupported)
	})
	assert.Equal(t, before, sent(), "nothing sent for a ref no single carrier owns")
}

func TestNewRejects(t *testing.T) {
	v := newTwilio(t, 1)
	ok := v.carrier(t, "a", router.Policy{})
	for _, tc := range []struct {
		name     string
		carriers []router.Carrier
		field    string
	}{
		{"None", nil, "carriers"},
		{"BadName", []router.Carrier{{Name: "a b", Endpoints: ok.Endpoints}}, "carriers[0].Name"},
		{"Twice", []router.Carrier{ok, ok}, "carriers[1].Name"},
		{"NoEndpoint", []router.Carrier{{Name: "b"}}, "carriers[0].Endpoints"},
		{"NilDriver", []router.Carrier{{Name: "b", Endpoints: []router.Endpoint{{}}}}, "carriers[0].Endpoints[0].Driver"},
		{"NilDriverTwelfth", []router.Carrier{{Name: "b", Endpoints: append(slices.Repeat(ok.Endpoints[:1], 11), router.Endpoint{})}},
			"carriers[0].Endpoints[11].Driver"},
		{"MixedAdapters", []router.Carrier{{Name: "b", Endpoints: []router.Endpoint{ok.Endpoints[0],
			newTeXML(t, 1).carrier(t, "x", router.Policy{}).Endpoints[0]}}}, "carriers[0].Endpoints[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := router.New(router.Options{}, tc.carriers...)
			require.ErrorIs(t, err, participant.ErrInvalidArgument)
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.field, pe.Field)
		})
	}
}

// TestListRouting: a conference no carrier owns yields exactly one
// ErrInvalidArgument naming the field, and nothing is sent; an owned one
// lists through its carrier.
func TestListRouting(t *testing.T) {
	us, tx := newTwilio(t, 1), newTeXML(t, 1)
	r := newRouter(t, nil, us.carrier(t, "us", router.Policy{}), tx.carrier(t, "telnyx", router.Policy{}))
	ctx := context.Background()
	conf := participant.ConferenceRef{Carrier: "apac", Conference: us.ref.Conference}
	var errs []error
	for p, err := range r.Client().List(ctx, conf, participant.ListOptions{}) {
		assert.Nil(t, p)
		errs = append(errs, err)
	}
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], participant.ErrInvalidArgument)
	var pe *participant.Error
	require.ErrorAs(t, errs[0], &pe)
	assert.Equal(t, "Ref.Carrier", pe.Field)
	assert.Equal(t, participant.Op("list"), pe.Op)
	assert.Empty(t, us.fake.Requests())
	assert.Empty(t, tx.fake.Requests())

	conf.Carrier = "us"
	n := 0
	for p, err := range r.Client().List(ctx, conf, participant.ListOptions{}) {
		require.NoError(t, err)
		require.NotNil(t, p)
		n++
	}
	assert.Positive(t, n)
	assert.NotEmpty(t, us.fake.Requests())
	assert.Empty(t, tx.fake.Requests())
}
