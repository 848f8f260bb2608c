package twiliogo_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	twiliogo "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// rebased is a twilio-go BaseClient that sends every request to base
// instead of Twilio's hosts. twilio-go's services build absolute
// https://api.twilio.com URLs, and ClientParams.Client is its hook for a
// custom transport; this is the only change twilio-go needs.
type rebased struct {
	*client.Client
	base *url.URL
}

func (c rebased) SendRequest(method, rawURL string, data url.Values, headers map[string]any, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	u.Scheme, u.Host = c.base.Scheme, c.base.Host
	return c.Client.SendRequest(method, u.String(), data, headers, body...)
}

// start serves a fresh emulator on loopback and returns it with a
// twilio-go client for its demo account, authenticated with token.
func start(t *testing.T, token string) (*emulator.Emulator, *api.ApiService) {
	t.Helper()
	e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	base, err := url.Parse(srv.URL)
	require.NoError(t, err)
	c := &client.Client{Credentials: client.NewCredentials(twiliotest.DemoAccount, token)}
	c.SetAccountSid(twiliotest.DemoAccount)
	rc := twiliogo.NewRestClientWithParams(twiliogo.ClientParams{Client: rebased{Client: c, base: base}})
	return e, rc.Api
}

func lastRequest(t *testing.T, e *emulator.Emulator) emulator.Request {
	t.Helper()
	reqs, err := e.Requests(twilio.Name)
	require.NoError(t, err)
	require.NotEmpty(t, reqs)
	return reqs[len(reqs)-1]
}

func TestUpdateParticipant(t *testing.T) {
	e, tw := start(t, twiliotest.DemoAuthToken)
	params := (&api.UpdateParticipantParams{}).SetMuted(true).SetHold(true).
		SetHoldUrl("https://example.com/hold.xml").SetHoldMethod("GET").SetBeepOnExit(false)

	p, err := tw.UpdateParticipant(twiliotest.DemoConference, emulator.AgentLabel, params)
	require.NoError(t, err)
	assert.Equal(t, twiliotest.DemoAgentCall, *p.CallSid)
	assert.Equal(t, emulator.AgentLabel, *p.Label)
	assert.Equal(t, twiliotest.DemoAccount, *p.AccountSid)
	assert.Equal(t, twiliotest.DemoConference, *p.ConferenceSid)
	assert.True(t, *p.Muted)
	assert.True(t, *p.Hold)
	assert.Equal(t, "connected", *p.Status)

	r := lastRequest(t, e)
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/2010-04-01/Accounts/"+twiliotest.DemoAccount+"/Conferences/"+twiliotest.DemoConference+
		"/Participants/agent.json", r.Path)
	assert.Equal(t, "Basic", r.Auth)
	form, err := url.ParseQuery(r.Body)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"Muted": {"true"}, "Hold": {"true"}, "HoldUrl": {"https://example.com/hold.xml"},
		"HoldMethod": {"GET"}, "BeepOnExit": {"false"}}, form)

	// Unmute by call SID: false is sent and stored.
	p, err = tw.UpdateParticipant(twiliotest.DemoConference, twiliotest.DemoAgentCall,
		(&api.UpdateParticipantParams{}).SetMuted(false))
	require.NoError(t, err)
	assert.False(t, *p.Muted)
	assert.True(t, *p.Hold)
}

func TestFetchParticipant(t *testing.T) {
	_, tw := start(t, twiliotest.DemoAuthToken)
	p, err := tw.FetchParticipant(twiliotest.DemoConference, twiliotest.DemoCustomerCall, nil)
	require.NoError(t, err)
	assert.Equal(t, twiliotest.DemoCustomerCall, *p.CallSid)
	assert.Nil(t, p.Label)
	assert.False(t, *p.Muted)
	assert.True(t, *p.StartConferenceOnEnter)
	assert.NotEmpty(t, *p.DateCreated)
	assert.Equal(t, "/2010-04-01/Accounts/"+twiliotest.DemoAccount+"/Conferences/"+twiliotest.DemoConference+
		"/Participants/"+twiliotest.DemoCustomerCall+".json", *p.Uri)
}

// TestSameWireAsCarrierkit sends one update through twilio-go and through
// carrierkit's adapter and compares what the emulator received.
func TestSameWireAsCarrierkit(t *testing.T) {
	e, tw := start(t, twiliotest.DemoAuthToken)
	_, err := tw.UpdateParticipant(twiliotest.DemoConference, emulator.AgentLabel,
		(&api.UpdateParticipantParams{}).SetMuted(true).SetWaitUrl("").SetEndConferenceOnExit(false))
	require.NoError(t, err)
	viaSDK := lastRequest(t, e)

	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	ck, err := twilio.New(twilio.Config{AccountSID: twiliotest.DemoAccount, AuthToken: twiliotest.DemoAuthToken, BaseURL: srv.URL})
	require.NoError(t, err)
	_, err = ck.Update(context.Background(), participant.Ref{Conference: twiliotest.DemoConference, Call: emulator.AgentLabel},
		participant.UpdateRequest{Muted: participant.Bool(true), WaitURL: participant.String(""),
			EndConferenceOnExit: participant.Bool(false)})
	require.NoError(t, err)
	viaCarrierkit := lastRequest(t, e)

	assert.Equal(t, viaSDK.Method, viaCarrierkit.Method)
	assert.Equal(t, viaSDK.Path, viaCarrierkit.Path)
	assert.Equal(t, viaSDK.Auth, viaCarrierkit.Auth)
	assert.Equal(t, viaSDK.ContentType, viaCarrierkit.ContentType)
	sdkForm, _ := url.ParseQuery(viaSDK.Body)
	ckForm, _ := url.ParseQuery(viaCarrierkit.Body)
	assert.Equal(t, sdkForm, ckForm)
}

func TestErrors(t *testing.T) {
	restError := func(t *testing.T, err error) *client.TwilioRestError {
		t.Helper()
		var re *client.TwilioRestError
		require.True(t, errors.As(err, &re), "want a TwilioRestError, got %v", err)
		return re
	}
	t.Run("NotFound", func(t *testing.T) {
		_, tw := start(t, twiliotest.DemoAuthToken)
		_, err := tw.FetchParticipant(twiliotest.DemoConference, "nobody", nil)
		re := restError(t, err)
		assert.Equal(t, 404, re.Status)
		assert.Equal(t, 20404, re.Code)
	})
	t.Run("WrongToken", func(t *testing.T) {
		_, tw := start(t, "wrongtoken")
		_, err := tw.UpdateParticipant(twiliotest.DemoConference, emulator.AgentLabel,
			(&api.UpdateParticipantParams{}).SetMuted(true))
		re := restError(t, err)
		assert.Equal(t, 401, re.Status)
		assert.Equal(t, 20003, re.Code)
	})
	t.Run("InjectedUnavailable", func(t *testing.T) {
		e, tw := start(t, twiliotest.DemoAuthToken)
		require.NoError(t, e.Inject(emulator.Fault{Provider: twilio.Name, Status: 503}))
		_, err := tw.FetchParticipant(twiliotest.DemoConference, emulator.AgentLabel, nil)
		re := restError(t, err)
		assert.Equal(t, 503, re.Status)
		assert.Equal(t, 20503, re.Code)
		_, err = tw.FetchParticipant(twiliotest.DemoConference, emulator.AgentLabel, nil)
		assert.NoError(t, err, "the fault serves one request")
	})
	t.Run("InvalidMethod", func(t *testing.T) {
		_, tw := start(t, twiliotest.DemoAuthToken)
		_, err := tw.UpdateParticipant(twiliotest.DemoConference, emulator.AgentLabel,
			(&api.UpdateParticipantParams{}).SetHoldMethod("BOGUS"))
		re := restError(t, err)
		assert.Equal(t, 400, re.Status)
		assert.Equal(t, 21209, re.Code)
	})
}

// TestListAndDeleteParticipants: twilio-go's ListParticipant pages through
// the emulator by next_page_uri, with its filters, and DeleteParticipant
// removes one (a second delete is Twilio's 404, 20404).
func TestListAndDeleteParticipants(t *testing.T) {
	e, tw := start(t, twiliotest.DemoAuthToken)
	require.NoError(t, e.SeedParticipants(25))

	ps, err := tw.ListParticipant(twiliotest.DemoConference, (&api.ListParticipantParams{}).SetPageSize(10))
	require.NoError(t, err)
	require.Len(t, ps, 25, "three pages followed")
	assert.Equal(t, twiliotest.DemoAgentCall, *ps[0].CallSid)
	var pages int
	reqs, err := e.Requests(twilio.Name)
	require.NoError(t, err)
	for _, r := range reqs {
		if r.Method == "GET" {
			pages++
		}
	}
	assert.Equal(t, 3, pages)

	_, err = tw.UpdateParticipant(twiliotest.DemoConference, emulator.AgentLabel, (&api.UpdateParticipantParams{}).SetMuted(true))
	require.NoError(t, err)
	muted, err := tw.ListParticipant(twiliotest.DemoConference, (&api.ListParticipantParams{}).SetMuted(true))
	require.NoError(t, err)
	require.Len(t, muted, 1, "the Muted filter")
	assert.Equal(t, twiliotest.DemoAgentCall, *muted[0].CallSid)

	require.NoError(t, tw.DeleteParticipant(twiliotest.DemoConference, emulator.AgentLabel, nil))
	assert.Equal(t, "DELETE", lastRequest(t, e).Method)
	ps, err = tw.ListParticipant(twiliotest.DemoConference, nil)
	require.NoError(t, err)
	assert.Len(t, ps, 24)
	err = tw.DeleteParticipant(twiliotest.DemoConference, emulator.AgentLabel, nil)
	var te *client.TwilioRestError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 20404, te.Code)
}
