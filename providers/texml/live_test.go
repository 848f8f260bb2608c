package texml_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/texml/texmltest"
)

func liveEnv(t *testing.T, key, account, base string, ref participant.Ref) conformance.LiveEnv {
	u, err := texml.New(texml.Config{APIKey: key, Account: account, BaseURL: base})
	require.NoError(t, err)
	bad, err := texml.New(texml.Config{APIKey: "KEYnot-the-key", Account: account, BaseURL: base})
	require.NoError(t, err)
	return conformance.LiveEnv{Updater: u, BadAuth: bad, Ref: ref,
		Missing: participant.Ref{Conference: ref.Conference, Call: texmltest.NewCallID()}}
}

// TestLive runs the live checks against a real Telnyx account, or any
// TeXML-compatible endpoint (CARRIERKIT_LIVE_TELNYX_BASE_URL). It is
// opt-in: it flips the participant's Muted value and restores it.
func TestLive(t *testing.T) {
	get := func(k string) string { return os.Getenv("CARRIERKIT_LIVE_TELNYX_" + k) }
	key, account, conference, call := get("API_KEY"), get("ACCOUNT"), get("CONFERENCE"), get("CALL")
	if key == "" || account == "" || conference == "" || call == "" {
		t.Skip("set CARRIERKIT_LIVE_TELNYX_API_KEY, _ACCOUNT, _CONFERENCE and _CALL (and optionally _BASE_URL) to run")
	}
	conformance.RunLive(t, liveEnv(t, key, account, get("BASE_URL"), participant.Ref{Conference: conference, Call: call}))
}
