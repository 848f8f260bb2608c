package router_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
)

// stepUpdater is an endpoint of a carrier where one update is several
// calls: answer decides, from what it is asked to send, the error (nil:
// applied). It records every request.
type stepUpdater struct {
	got    *[]participant.UpdateRequest
	answer func(req participant.UpdateRequest) error
}

func (s stepUpdater) Capabilities() participant.Capabilities {
	return participant.Capabilities{Provider: "steps", Fields: participant.NewFieldSet(participant.AllFields()...)}
}

func (s stepUpdater) Update(_ context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	*s.got = append(*s.got, req)
	if err := s.answer(req); err != nil {
		return nil, err
	}
	return &participant.Participant{CallID: ref.Call}, nil
}

// TestPartlyAppliedUpdateMovesOnWithTheRest: the mute went through on the
// first endpoint, then the announcement's call failed. The router decides
// from Delivery and Applied alone: it sends only what is left, and never
// an announcement that was applied or may have played.
func TestPartlyAppliedUpdateMovesOnWithTheRest(t *testing.T) {
	both := participant.UpdateRequest{Muted: participant.Bool(true), AnnounceURL: participant.String("https://example.com/a.xml")}
	ref := participant.Ref{Conference: "conf", Call: "call"}
	for _, tc := range []struct {
		name     string
		delivery participant.Delivery
		applied  participant.FieldSet
		resent   bool
		check    func(t *testing.T, rest participant.UpdateRequest)
	}{
		{"AnnouncementNotSent", participant.DeliveryNotSent, participant.NewFieldSet(participant.FieldMuted), true,
			func(t *testing.T, rest participant.UpdateRequest) {
				assert.Nil(t, rest.Muted, "the applied mute is not sent again")
				assert.Equal(t, both.AnnounceURL, rest.AnnounceURL)
			}},
		{"AnnouncementMayHavePlayed", participant.DeliveryMaybe, participant.NewFieldSet(participant.FieldMuted), false, nil},
		{"AnnouncementPlayedMuteMaybe", participant.DeliveryMaybe, participant.NewFieldSet(participant.FieldAnnounceURL), true,
			func(t *testing.T, rest participant.UpdateRequest) {
				assert.Nil(t, rest.AnnounceURL, "the played announcement is never sent again")
				assert.Equal(t, both.Muted, rest.Muted)
			}},
		{"AnswerRefusedTheRest", participant.DeliveryAnswered, participant.NewFieldSet(participant.FieldMuted), false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var first, second []participant.UpdateRequest
			fail := func(participant.UpdateRequest) error {
				return &participant.Error{Code: participant.CodeUnavailable, Provider: "steps", Op: "update", Attempts: 2,
					Delivery: tc.delivery, Applied: tc.applied, Step: "play"}
			}
			r := newRouter(t, nil, router.Carrier{Name: "c", Endpoints: []router.Endpoint{
				{Name: "ep1", Driver: stepUpdater{got: &first, answer: fail}},
				{Name: "ep2", Driver: stepUpdater{got: &second, answer: func(participant.UpdateRequest) error { return nil }}}}})
			_, err := r.Client().Update(context.Background(), ref, both)
			require.Len(t, first, 1)
			if !tc.resent {
				require.Error(t, err)
				assert.Empty(t, second, "nothing sent again")
				pe, ok := errors.AsType[*participant.Error](err)
				require.True(t, ok)
				assert.Equal(t, tc.applied, pe.Applied, "the error says what was applied")
				return
			}
			require.NoError(t, err)
			require.Len(t, second, 1)
			tc.check(t, second[0])
		})
	}

	// Both endpoints fail after their first step: the error lists every
	// field applied by any attempt.
	var first, second []participant.UpdateRequest
	three := both
	three.Hold = participant.Bool(true)
	step := func(applied participant.Field) func(participant.UpdateRequest) error {
		return func(participant.UpdateRequest) error {
			return &participant.Error{Code: participant.CodeUnavailable, Provider: "steps", Op: "update", Attempts: 1,
				Delivery: participant.DeliveryNotSent, Applied: participant.NewFieldSet(applied)}
		}
	}
	r := newRouter(t, nil, router.Carrier{Name: "c", Policy: router.Policy{Retry: &driver.RetryPolicy{MaxRetries: 1}}, Endpoints: []router.Endpoint{
		{Name: "ep1", Driver: stepUpdater{got: &first, answer: step(participant.FieldMuted)}},
		{Name: "ep2", Driver: stepUpdater{got: &second, answer: step(participant.FieldHold)}}}})
	_, err := r.Client().Update(context.Background(), ref, three)
	pe, ok := errors.AsType[*participant.Error](err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, participant.NewFieldSet(participant.FieldMuted, participant.FieldHold), pe.Applied)
	assert.Equal(t, 2, pe.Attempts, "the requests of both attempts")
	require.Len(t, second, 1)
	assert.Nil(t, second[0].Muted)
	assert.Equal(t, three.Hold, second[0].Hold)
}
