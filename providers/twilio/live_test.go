package twilio_test

import (
	"os"
	"testing"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/conformance/live"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

// TestLive runs the live checks against a real Twilio account, or any
// Twilio-compatible endpoint (CARRIERKIT_LIVE_TWILIO_BASE_URL). It is
// opt-in: it changes the participant's state and restores it. With
// CARRIERKIT_LIVE_TWILIO_CALL2 (a second participant) it runs the full
// profile, else the core one. carrierctl conformance runs the same checks.
func TestLive(t *testing.T) {
	get := func(k string) string { return os.Getenv("CARRIERKIT_LIVE_TWILIO_" + k) }
	account, token, conference, call := get("ACCOUNT_SID"), get("AUTH_TOKEN"), get("CONFERENCE"), get("CALL")
	if account == "" || token == "" || conference == "" || call == "" {
		t.Skip("set CARRIERKIT_LIVE_TWILIO_ACCOUNT_SID, _AUTH_TOKEN, _CONFERENCE and _CALL (and optionally _CALL2, _BASE_URL) to run")
	}
	env := live.Env{
		Open: func(opts providers.Options) (participant.Updater, error) {
			return twilio.New(twilio.Config{AccountSID: account, AuthToken: token, BaseURL: get("BASE_URL"), Options: opts})
		},
		Ref:     participant.Ref{Conference: conference, Call: call},
		Profile: live.ProfileCore,
	}
	if call2 := get("CALL2"); call2 != "" {
		env.Second, env.Profile = participant.Ref{Conference: conference, Call: call2}, live.ProfileFull
	}
	conformance.RunLive(t, env)
}
