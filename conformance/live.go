package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
)

// LiveEnv points the live checks at a real endpoint: a carrier's API, or
// any Twilio- or TeXML-compatible host. Nothing can be seeded, recorded or
// injected there, so RunLive checks what a live participant shows.
type LiveEnv struct {
	// Updater is the adapter, authenticated, pointed at the endpoint.
	Updater participant.Updater
	// BadAuth is the same adapter with wrong credentials, or nil.
	BadAuth participant.Updater
	// Ref is a participant in a live conference. RunLive flips its Muted
	// value and restores it.
	Ref participant.Ref
	// Missing is a ref in the same conference that names no participant.
	Missing participant.Ref
	// Omits lists what the carrier's participant resource does not carry.
	Omits Omits
}

// RunLive runs the checks that need no fake: fetch and response mapping, a
// tri-state update and its undo, not-found and authentication mapping, and
// requests refused before sending. Tests that call it should be opt-in
// (environment variables) and skip without them.
func RunLive(t *testing.T, env LiveEnv) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u := env.Updater
	caps := u.Capabilities()
	require.NotEmpty(t, caps.Provider)

	var before *participant.Participant
	t.Run("Fetch", func(t *testing.T) {
		if !caps.Can(participant.OpFetch) {
			t.Skip("the adapter cannot fetch")
		}
		p, err := participant.Fetch(ctx, u, env.Ref)
		require.NoError(t, err)
		assert.Equal(t, caps.Provider, p.Provider)
		assert.NotEmpty(t, p.CallID)
		assert.NotEmpty(t, p.ConferenceID)
		if !env.Omits.Status {
			assert.NotEqual(t, participant.StatusUnknown, p.Status, "status %s", p.Raw)
		}
		if !env.Omits.Times {
			assert.False(t, p.Created.IsZero(), "Created parsed from %s", p.Raw)
		}
		before = p
	})
	t.Run("UpdateAndUndo", func(t *testing.T) {
		if before == nil {
			t.Skip("the participant's Muted value is unknown without Fetch, so it could not be restored")
		}
		muted := before.Muted
		p, err := u.Update(ctx, env.Ref, participant.UpdateRequest{Muted: participant.Bool(!muted)})
		require.NoError(t, err)
		assert.Equal(t, !muted, p.Muted)
		assert.Equal(t, before.Hold, p.Hold, "a nil field leaves the value as it is")
		p, err = u.Update(ctx, env.Ref, participant.UpdateRequest{Muted: participant.Bool(muted)})
		require.NoError(t, err)
		assert.Equal(t, muted, p.Muted, "false is sent as false")
	})
	t.Run("NotFound", func(t *testing.T) {
		_, err := u.Update(ctx, env.Missing, participant.UpdateRequest{Muted: participant.Bool(true)})
		assert.ErrorIs(t, err, participant.ErrNotFound)
	})
	t.Run("BadCredentials", func(t *testing.T) {
		if env.BadAuth == nil {
			t.Skip("no BadAuth updater")
		}
		_, err := env.BadAuth.Update(ctx, env.Ref, participant.UpdateRequest{Muted: participant.Bool(true)})
		assert.ErrorIs(t, err, participant.ErrUnauthenticated)
	})
	t.Run("RefusedBeforeSending", func(t *testing.T) {
		reqs := []participant.UpdateRequest{{}, {Coaching: participant.Bool(true)}, {HoldMethod: "get"}}
		for _, f := range participant.AllFields() {
			if !caps.Supports(f) {
				var req participant.UpdateRequest
				sample(&req, f, true, func() string { return env.Ref.Call })
				reqs = append(reqs, req)
			}
		}
		for _, req := range reqs {
			_, err := u.Update(ctx, env.Ref, req)
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Zero(t, pe.Attempts, "nothing sent for %v", err)
			assert.Contains(t, []participant.Code{participant.CodeInvalidArgument, participant.CodeUnsupported}, pe.Code)
		}
	})
}
