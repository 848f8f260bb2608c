package signalwire_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/signalwire"
	"github.com/carrierkit/carrierkit/providers/signalwire/signalwiretest"
)

func TestBaseURL(t *testing.T) {
	project := signalwiretest.NewID()
	c, err := signalwire.New(signalwire.Config{Space: "example", ProjectID: project, APIToken: "t"})
	require.NoError(t, err)
	assert.Equal(t, "https://example.signalwire.com/api/laml", baseURL(t, c))
	for field, cfg := range map[string]signalwire.Config{
		"Space":     {Space: "ex.ample", ProjectID: project, APIToken: "t"},
		"ProjectID": {Space: "example", ProjectID: "AC0123456789abcdef0123456789abcdef", APIToken: "t"},
		"APIToken":  {Space: "example", ProjectID: project},
		"BaseURL":   {BaseURL: "example.signalwire.com", ProjectID: project, APIToken: "t"},
	} {
		_, err := signalwire.New(cfg)
		var pe *participant.Error
		require.ErrorAs(t, err, &pe, field)
		assert.Equal(t, field, pe.Field)
	}
	cfg := signalwire.Config{Space: "example", ProjectID: project, APIToken: testToken}
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), testToken)
}

func TestURLOpener(t *testing.T) {
	project := signalwiretest.NewID()
	fake := signalwiretest.New(signalwiretest.Config{ProjectID: project, APIToken: testToken})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	p := signalwiretest.Participant{Account: project, Conference: signalwiretest.NewID(), CallID: signalwiretest.NewID()}
	fake.Seed(p)
	t.Setenv(signalwire.EnvProjectID, project)
	t.Setenv(signalwire.EnvAPIToken, testToken)
	u, err := providers.Open(context.Background(), "signalwire://?base_url="+url.QueryEscape(srv.URL+signalwiretest.Root))
	require.NoError(t, err)
	got, err := u.Update(context.Background(), participant.Ref{Conference: p.Conference, Call: p.CallID},
		participant.UpdateRequest{Muted: participant.Bool(true), WaitMethod: participant.MethodGET,
			WaitURL: participant.String("https://x.example/wait.mp3")})
	require.NoError(t, err)
	assert.True(t, got.Muted)
	assert.Equal(t, signalwire.Name, got.Provider)

	_, err = u.Update(context.Background(), participant.Ref{Conference: p.Conference, Call: p.CallID},
		participant.UpdateRequest{BeepOnExit: participant.Bool(false)})
	assert.ErrorIs(t, err, participant.ErrUnsupported)

	s, err := providers.Open(context.Background(), "signalwire://?space=example")
	require.NoError(t, err)
	assert.Equal(t, "https://example.signalwire.com/api/laml", baseURL(t, s))

	t.Setenv(signalwire.EnvSpace, "")
	_, err = providers.Open(context.Background(), "signalwire://?space=ex.ample&base_url=http://x&account=nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "space: must be a SignalWire space name")
	assert.Contains(t, err.Error(), "space: conflicts with base_url")
	assert.Contains(t, err.Error(), "account: must be a UUID")
	_, err = providers.Open(context.Background(), "signalwire://")
	assert.ErrorContains(t, err, "environment variable SIGNALWIRE_SPACE is not set")
}

// TestLive runs the live checks against a real SignalWire space. It is
// opt-in: it changes the participant's state and restores it. With
// CARRIERKIT_LIVE_SIGNALWIRE_CALL2 it runs the full profile, else the core
// one.
func TestLive(t *testing.T) {
	conformance.RunLiveFromEnv(t, "CARRIERKIT_LIVE_SIGNALWIRE_", []string{"SPACE", "PROJECT", "API_TOKEN"},
		func(get func(string) string, opts driver.Options) (participant.Updater, error) {
			return signalwire.New(signalwire.Config{Space: get("SPACE"), ProjectID: get("PROJECT"),
				APIToken: get("API_TOKEN"), Options: opts})
		})
}

// FuzzAnswers: whatever SignalWire (or a proxy) answers, the adapter
// returns a participant or a *participant.Error.
func FuzzAnswers(f *testing.F) {
	project := "b3877c40-da60-4998-90ad-b792e98472af"
	conformance.FuzzAnswers(f, func(opts driver.Options) (participant.Updater, error) {
		return signalwire.New(signalwire.Config{ProjectID: project, APIToken: "t", BaseURL: "http://carrier.invalid", Options: opts})
	}, participant.Ref{Conference: "b3877c40-da60-4998-90ad-b792e98472cf", Call: "b3877c40-da60-4998-90ad-b792e98472ca"},
		`{"account_sid":"b3877c40-da60-4998-90ad-b792e98472af","call_sid":"b3877c40-da60-4998-90ad-b792e98472ca","muted":true,"status":"in-progress","date_created":"Mon, 24 Sep 2018 21:00:00 +0000"}`,
		`{"code":20404,"message":"not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}`)
}

// TestListQuery: a list asks SignalWire for the filters it documents
// (Muted, Hold) and the page size; Coaching is filtered by carrierkit.
func TestListQuery(t *testing.T) {
	project := signalwiretest.NewID()
	fake := signalwiretest.New(signalwiretest.Config{ProjectID: project, APIToken: testToken})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	conf := signalwiretest.NewID()
	for i := range 3 {
		fake.Seed(signalwiretest.Participant{Account: project, Conference: conf, Muted: true, Coaching: i == 1,
			CallToCoach: map[bool]string{true: signalwiretest.NewID()}[i == 1]})
	}
	c, err := signalwire.New(signalwire.Config{ProjectID: project, APIToken: testToken, BaseURL: srv.URL + signalwiretest.Root})
	require.NoError(t, err)
	var got []*participant.Participant
	for p, err := range c.List(context.Background(), participant.ConferenceRef{Conference: conf},
		participant.ListOptions{PageSize: 2, Muted: participant.Bool(true), Coaching: participant.Bool(true)}) {
		require.NoError(t, err)
		got = append(got, p)
	}
	require.Len(t, got, 1, "only the coach")
	reqs := fake.Requests()
	require.NotEmpty(t, reqs)
	q, err := url.ParseQuery(reqs[0].RawQuery)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"PageSize": {"2"}, "Muted": {"true"}}, q)
	assert.Equal(t, "/api/laml/2010-04-01/Accounts/"+project+"/Conferences/"+conf+"/Participants.json", reqs[0].Path)
}

// TestErrorNamesSignalWire: SignalWire answers in Twilio's error shape,
// but the vendor error a caller prints must name SignalWire, not Twilio.
func TestErrorNamesSignalWire(t *testing.T) {
	project := signalwiretest.NewID()
	fake := signalwiretest.New(signalwiretest.Config{ProjectID: project, APIToken: testToken})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := signalwire.New(signalwire.Config{ProjectID: project, APIToken: testToken, BaseURL: srv.URL + signalwiretest.Root})
	require.NoError(t, err)
	_, err = c.Update(context.Background(), participant.Ref{Conference: signalwiretest.NewID(), Call: signalwiretest.NewID()},
		participant.UpdateRequest{Muted: participant.Bool(true)})
	require.ErrorIs(t, err, participant.ErrNotFound)
	var apiErr *signalwire.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, signalwire.Name, apiErr.Provider)
	assert.True(t, strings.HasPrefix(apiErr.Error(), "signalwire error "), apiErr.Error())
	assert.NotContains(t, err.Error(), "twilio")
}

// baseURL is the API root u sends to, reached through As.
func baseURL(t *testing.T, u participant.Updater) string {
	var d *httpdriver.Driver
	require.True(t, u.(*carrierkit.Client).As(&d), "As(**httpdriver.Driver)")
	return d.BaseURL()
}
