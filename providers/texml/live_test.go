package texml_test

import (
	"testing"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/texml"
)

// TestLive runs the live checks against a real Telnyx account, or any
// TeXML-compatible endpoint (CARRIERKIT_LIVE_TELNYX_BASE_URL). It is
// opt-in: it changes the participant's state and restores it. With
// CARRIERKIT_LIVE_TELNYX_CALL2 (a second participant) it runs the full
// profile, else the core one. carrierctl conformance runs the same checks.
func TestLive(t *testing.T) {
	conformance.RunLiveFromEnv(t, "CARRIERKIT_LIVE_TELNYX_", []string{"API_KEY", "ACCOUNT"},
		func(get func(string) string, opts driver.Options) (participant.Updater, error) {
			return texml.New(texml.Config{APIKey: get("API_KEY"), Account: get("ACCOUNT"),
				BaseURL: get("BASE_URL"), Options: opts})
		})
}
