package participant_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
)

var allCaps = participant.Capabilities{Provider: "test", Fields: participant.NewFieldSet(participant.AllFields()...)}

func TestValidate(t *testing.T) {
	url := participant.String("https://x.example/m.xml")
	cases := []struct {
		name  string
		req   participant.UpdateRequest
		code  participant.Code // 0: valid
		field string
		rule  string
	}{
		{"Empty", participant.UpdateRequest{}, participant.CodeInvalidArgument, "", "nothing to update"},
		{"MutedFalse", participant.UpdateRequest{Muted: participant.Bool(false)}, 0, "", ""},
		{"MethodOnly", participant.UpdateRequest{HoldMethod: participant.MethodPOST}, 0, "", ""},
		{"WaitURLEmptyTurnsMusicOff", participant.UpdateRequest{WaitURL: participant.String("")}, 0, "", ""},
		{"HoldURLEmpty", participant.UpdateRequest{HoldURL: participant.String("")}, participant.CodeInvalidArgument, "HoldURL", "absolute http or https URL"},
		{"AnnounceURLRelative", participant.UpdateRequest{AnnounceURL: participant.String("a.mp3")}, participant.CodeInvalidArgument, "AnnounceURL", "absolute"},
		{"URLNoHost", participant.UpdateRequest{AnnounceURL: participant.String("https:///a.mp3?token=hunter2")}, participant.CodeInvalidArgument, "AnnounceURL", "it has no host"},
		{"WaitURLNoHost", participant.UpdateRequest{WaitURL: participant.String("https:///x")}, participant.CodeInvalidArgument, "WaitURL", "or empty"},
		{"URLSpace", participant.UpdateRequest{HoldURL: participant.String("https://x.example/a b")}, participant.CodeInvalidArgument, "HoldURL", "it contains white space"},
		{"Unparseable", participant.UpdateRequest{HoldURL: participant.String("https://u:hunter2@x.example/%zz")}, participant.CodeInvalidArgument, "HoldURL", "does not parse"},
		{"URLCredentialsNotEchoed", participant.UpdateRequest{HoldURL: participant.String("https://u:hunter2@x.example/")}, participant.CodeInvalidArgument, "HoldURL", "it holds credentials"},
		{"FTPScheme", participant.UpdateRequest{HoldURL: participant.String("ftp://x.example/a?sig=hunter2")}, participant.CodeInvalidArgument, "HoldURL", `its scheme is "ftp"`},
		{"MethodLower", participant.UpdateRequest{HoldURL: url, HoldMethod: "post"}, participant.CodeInvalidArgument, "HoldMethod", `GET or POST, got "post"`},
		{"WaitMethodPut", participant.UpdateRequest{WaitMethod: "PUT"}, participant.CodeInvalidArgument, "WaitMethod", "GET or POST"},
		{"CoachingNeedsCall", participant.UpdateRequest{Coaching: participant.Bool(true)}, participant.CodeInvalidArgument, "Coaching", "needs CallToCoach"},
		{"CoachingFalseAlone", participant.UpdateRequest{Coaching: participant.Bool(false)}, 0, "", ""},
		{"CoachingWithCall", participant.UpdateRequest{Coaching: participant.Bool(true), CallToCoach: participant.String("CA1")}, 0, "", ""},
		{"EmptyCallToCoach", participant.UpdateRequest{CallToCoach: participant.String("")}, participant.CodeInvalidArgument, "CallToCoach", "must not be empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := participant.Validate(&tc.req, allCaps)
			if tc.code == 0 {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.code)
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.field, pe.Field)
			assert.Contains(t, err.Error(), tc.rule)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestValidateUnsupported(t *testing.T) {
	caps := participant.Capabilities{Provider: "texml",
		Fields: participant.NewFieldSet(participant.FieldMuted, participant.FieldWaitURL)}
	req := participant.UpdateRequest{Muted: participant.Bool(true), WaitURL: participant.String(""), WaitMethod: participant.MethodGET}
	err := participant.Validate(&req, caps)
	require.ErrorIs(t, err, participant.ErrUnsupported)
	assert.EqualError(t, err, "carrierkit texml update: unsupported: WaitMethod: not supported by texml")
	// Unsupported is reported before rule violations of supported fields.
	req.WaitURL = participant.String("nope")
	assert.ErrorIs(t, participant.Validate(&req, caps), participant.ErrUnsupported)
}

func TestFields(t *testing.T) {
	req := participant.UpdateRequest{Hold: participant.Bool(false), WaitMethod: participant.MethodPOST}
	assert.Equal(t, participant.NewFieldSet(participant.FieldHold, participant.FieldWaitMethod), req.Fields())
	assert.Equal(t, "Hold, WaitMethod", req.Fields().String())
	assert.Len(t, participant.AllFields(), 12)
	for _, f := range participant.AllFields() {
		assert.NotContains(t, f.String(), "Field(")
	}
	assert.Equal(t, "Field(99)", participant.Field(99).String())
	assert.False(t, participant.FieldSet(0xFFFF).Has(participant.Field(99)))
}

func TestIdempotent(t *testing.T) {
	assert.True(t, (&participant.UpdateRequest{Muted: participant.Bool(true)}).Idempotent())
	assert.False(t, (&participant.UpdateRequest{AnnounceURL: participant.String("https://x.example/a")}).Idempotent())
}

func TestValidateRef(t *testing.T) {
	caps := participant.Capabilities{Provider: "p"}
	acct, err := participant.ValidateRef(participant.Ref{Conference: "c", Call: "x"}, "default", caps)
	require.NoError(t, err)
	assert.Equal(t, "default", acct)
	acct, err = participant.ValidateRef(participant.Ref{Account: "mine", Conference: "c", Call: "x"}, "default", caps)
	require.NoError(t, err)
	assert.Equal(t, "mine", acct)
	for field, ref := range map[string]participant.Ref{
		"Ref.Account":    {Conference: "c", Call: "x"},
		"Ref.Conference": {Account: "a", Call: "x"},
		"Ref.Call":       {Account: "a", Conference: "c"},
	} {
		_, err := participant.ValidateRef(ref, "", caps)
		var pe *participant.Error
		require.ErrorAs(t, err, &pe, field)
		assert.Equal(t, field, pe.Field)
		assert.ErrorIs(t, err, participant.ErrInvalidArgument)
	}
}

type vendorErr struct{ code int }

func (e *vendorErr) Error() string { return fmt.Sprintf("vendor %d", e.code) }

func TestErrorIsAs(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &participant.Error{Code: participant.CodeNotFound, Provider: "twilio", Op: "update",
		HTTPStatus: 404, VendorCode: "20404", VendorMessage: "not here", Err: &vendorErr{20404}})
	assert.ErrorIs(t, err, participant.ErrNotFound)
	assert.NotErrorIs(t, err, participant.ErrUnavailable)
	var ve *vendorErr
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, 20404, ve.code)
	assert.Equal(t, participant.CodeNotFound, participant.CodeOf(err))
	assert.Equal(t, "wrapped: carrierkit twilio update: not found (HTTP 404, code 20404): not here", err.Error())

	canceled := &participant.Error{Code: participant.CodeCanceled, Message: "context canceled", Err: context.Canceled}
	assert.ErrorIs(t, canceled, context.Canceled)
	assert.ErrorIs(t, canceled, participant.ErrCanceled)

	assert.Equal(t, participant.CodeDeadlineExceeded, participant.CodeOf(context.DeadlineExceeded))
	assert.Equal(t, participant.CodeCanceled, participant.CodeOf(fmt.Errorf("x: %w", context.Canceled)))
	assert.Equal(t, participant.CodeUnknown, participant.CodeOf(errors.New("other")))
	assert.Equal(t, participant.CodeUnknown, participant.CodeOf(nil))
	assert.Equal(t, "code(200)", participant.Code(200).String())
}

// errors.Is(clone, e) holds for every e, a clone included: the client
// stamps a clone of the driver's error and a batch may clone the client's
// again, and each layer's error is still found in the next one's.
func TestCloneIsItsOrigin(t *testing.T) {
	e := &participant.Error{Code: participant.CodeUnavailable, Message: "down"}
	c1 := e.Clone()
	c1.Provider = "twilio"
	c2 := c1.Clone()
	c2.Op = participant.OpUpdate
	assert.ErrorIs(t, c1, e)
	assert.ErrorIs(t, c2, e)
	assert.ErrorIs(t, c2, c1, "a clone of a clone is still its origin")
	assert.ErrorIs(t, c2, participant.ErrUnavailable)
	assert.NotErrorIs(t, c1, c2, "not the other way")
	assert.NotErrorIs(t, e, c1)
	assert.NotErrorIs(t, c2, &participant.Error{Code: participant.CodeUnavailable, Message: "down"}, "an equal error is another error")
	assert.Empty(t, e.Provider, "the origin is not written")
	assert.Empty(t, c1.Op)
}

// TestCloneOverKeepsTheWrapper: a layer that found e inside a wrapper
// clones e over the wrapper, so errors.As still finds the wrapper's type
// and errors.Is still finds e; over e itself the clone keeps e's Err.
func TestCloneOverKeepsTheWrapper(t *testing.T) {
	cause := errors.New("connection reset")
	e := &participant.Error{Code: participant.CodeUnavailable, Err: cause}
	wrapper := &driverWrapper{err: e}
	c := e.CloneOver(wrapper)
	assert.ErrorIs(t, c, e)
	assert.ErrorIs(t, c, cause)
	var w *driverWrapper
	require.ErrorAs(t, c, &w)
	assert.Same(t, wrapper, w)
	assert.Same(t, e.Err, cause, "e is not written")
	direct := e.CloneOver(e)
	assert.Equal(t, cause, direct.Err, "over e itself: e's own Err")
	assert.ErrorIs(t, direct, e)
}

type driverWrapper struct{ err error }

func (w *driverWrapper) Error() string { return "driver: " + w.err.Error() }
func (w *driverWrapper) Unwrap() error { return w.err }

func TestRefConferenceRoundTrip(t *testing.T) {
	ref := participant.Ref{Carrier: "eu", Account: "A", Conference: "C", Call: "agent"}
	assert.Equal(t, ref, ref.ConferenceRef().Participant("agent"))
}

func TestWithoutLeavesOutAppliedFields(t *testing.T) {
	req := participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(true),
		HoldURL: participant.String("https://m.example/hold"), HoldMethod: participant.MethodGET,
		AnnounceURL: participant.String("https://m.example/a.mp3"), AnnounceMethod: participant.MethodPOST,
		Coaching: participant.Bool(true), CallToCoach: participant.String("CA02")}
	rest := req.Without(participant.NewFieldSet(participant.FieldMuted, participant.FieldHoldURL, participant.FieldCoaching))
	assert.Equal(t, participant.NewFieldSet(participant.FieldHold, participant.FieldAnnounceURL, participant.FieldAnnounceMethod), rest.Fields())
	none, all := req.Without(0), req.Without(req.Fields())
	assert.Equal(t, req.Fields(), none.Fields(), "nothing applied: everything is left")
	assert.Zero(t, all.Fields(), "all applied: nothing is left")
	assert.NotNil(t, req.Muted, "the original is not changed")
}

func TestDeliveryOf(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &participant.Error{Code: participant.CodeUnavailable, Delivery: participant.DeliveryMaybe})
	assert.Equal(t, participant.DeliveryMaybe, participant.DeliveryOf(err))
	assert.Equal(t, participant.DeliveryUnknown, participant.DeliveryOf(errors.New("plain")))
	assert.Equal(t, "not sent", participant.DeliveryNotSent.String())
	b, _ := participant.DeliveryApplied.MarshalText()
	assert.Equal(t, "applied", string(b))
}

func TestRetryBudget(t *testing.T) {
	ctx := context.Background()
	_, ok := participant.RetryBudget(ctx)
	assert.False(t, ok, "no budget: each layer's own settings")
	ctx5 := participant.WithRetryBudget(ctx, 5)
	r, ok := participant.RetryBudget(ctx5)
	assert.True(t, ok)
	assert.Equal(t, 5, r)
	r, _ = participant.RetryBudget(participant.WithRetryBudget(ctx5, 2))
	assert.Equal(t, 2, r, "a layer narrows its caller's budget")
	wider := participant.WithRetryBudget(ctx5, 9)
	r, _ = participant.RetryBudget(wider)
	assert.Equal(t, 5, r, "but never widens it")
	assert.Equal(t, ctx5, wider, "and adds nothing to the context")
	r, _ = participant.RetryBudget(participant.WithRetryBudget(ctx, -3))
	assert.Zero(t, r, "negative: send once")
}
