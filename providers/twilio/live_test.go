package twilio_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// liveEnv builds the live checks' environment for an account, token,
// participant and API root.
func liveEnv(t *testing.T, account, token, base string, ref participant.Ref) conformance.LiveEnv {
	u, err := twilio.New(twilio.Config{AccountSID: account, AuthToken: token, BaseURL: base})
	require.NoError(t, err)
	bad, err := twilio.New(twilio.Config{AccountSID: account, AuthToken: "not-the-token", BaseURL: base})
	require.NoError(t, err)
	return conformance.LiveEnv{Updater: u, BadAuth: bad, Ref: ref,
		Missing: participant.Ref{Conference: ref.Conference, Call: twiliotest.NewCallSID()}}
}

// TestLive runs the live checks against a real Twilio account, or any
// Twilio-compatible endpoint (CARRIERKIT_LIVE_TWILIO_BASE_URL). It is
// opt-in: it flips the participant's Muted value and restores it.
func TestLive(t *testing.T) {
	get := func(k string) string { return os.Getenv("CARRIERKIT_LIVE_TWILIO_" + k) }
	account, token, conference, call := get("ACCOUNT_SID"), get("AUTH_TOKEN"), get("CONFERENCE"), get("CALL")
	if account == "" || token == "" || conference == "" || call == "" {
		t.Skip("set CARRIERKIT_LIVE_TWILIO_ACCOUNT_SID, _AUTH_TOKEN, _CONFERENCE and _CALL (and optionally _BASE_URL) to run")
	}
	conformance.RunLive(t, liveEnv(t, account, token, get("BASE_URL"), participant.Ref{Conference: conference, Call: call}))
}
