package texml_test

import (
	"net/http/httptest"
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

// The live checks themselves, against the fake.
func TestLiveChecksAgainstFake(t *testing.T) {
	fake := texmltest.New(texmltest.Config{APIKey: testKey})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	p := texmltest.Participant{Account: texmltest.NewAccountID(), Conference: texmltest.NewConferenceID(), CallID: texmltest.NewCallID(), Hold: true}
	fake.Seed(p)
	conformance.RunLive(t, liveEnv(t, testKey, p.Account, srv.URL+"/v2", participant.Ref{Conference: p.Conference, Call: p.CallID}))
	stored, _ := fake.Participant(p.Account, p.Conference, p.CallID)
	require.False(t, stored.Muted, "restored")
	require.Len(t, fake.Requests(), 5, "fetch, update, undo, not found, bad credentials; nothing for refused requests")
}
