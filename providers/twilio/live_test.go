package twilio_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// TestLive runs the live checks against a real Twilio account, or any
// Twilio-compatible endpoint (CARRIERKIT_LIVE_TWILIO_BASE_URL). It is
// opt-in: it changes the participant's state and restores it. With
// CARRIERKIT_LIVE_TWILIO_CALL2 (a second participant) it runs the full
// profile, else the core one. carrierctl conformance runs the same checks.
func TestLive(t *testing.T) {
	conformance.RunLiveFromEnv(t, "CARRIERKIT_LIVE_TWILIO_", []string{"ACCOUNT_SID", "AUTH_TOKEN"},
		func(get func(string) string, opts driver.Options) (participant.Updater, error) {
			return twilio.New(twilio.Config{AccountSID: get("ACCOUNT_SID"), AuthToken: get("AUTH_TOKEN"),
				BaseURL: get("BASE_URL"), Options: opts})
		})
}

// TestLiveFromEnvironment runs TestLive itself, its environment pointed at
// the Twilio fake: the opt-in test reads the variables it documents,
// builds the adapter from them and runs the full profile with CALL2 (the
// fake checks every request's credentials). Without CONFERENCE it skips.
func TestLiveFromEnvironment(t *testing.T) {
	account, token := twiliotest.NewAccountSID(), "live-env-token-0123456789abcdef"
	fake := twiliotest.New(twiliotest.Config{AccountSID: account, AuthToken: token})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	conf := twiliotest.NewConferenceSID()
	first, second := twiliotest.NewCallSID(), twiliotest.NewCallSID()
	fake.Seed(twiliotest.Participant{Account: account, Conference: conf, CallID: first, Label: "agent"})
	fake.Seed(twiliotest.Participant{Account: account, Conference: conf, CallID: second})
	for k, v := range map[string]string{"ACCOUNT_SID": account, "AUTH_TOKEN": token, "BASE_URL": srv.URL,
		"CONFERENCE": conf, "CALL": "agent", "CALL2": second} {
		t.Setenv("CARRIERKIT_LIVE_TWILIO_"+k, v)
	}
	TestLive(t)
	require.False(t, t.Skipped())
	require.NotEmpty(t, fake.Requests(), "the checks reached the fake")
	coached := false // the full profile's coaching check names CALL2 as the call to coach
	for _, r := range fake.Requests() {
		assert.True(t, strings.HasPrefix(r.Path, "/2010-04-01/Accounts/"+account+"/"), r.Path)
		coached = coached || r.Form.Get("CallSidToCoach") == second
	}
	assert.True(t, coached, "CALL2 was read: the full profile ran")
	stored, ok := fake.Participant(account, conf, first)
	require.True(t, ok)
	assert.False(t, stored.Muted || stored.Hold, "the checks restore the participant")

	t.Run("skips without a conference", func(t *testing.T) {
		t.Setenv("CARRIERKIT_LIVE_TWILIO_CONFERENCE", "")
		defer func() { assert.True(t, t.Skipped()) }()
		TestLive(t)
	})
}
