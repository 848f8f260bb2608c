package twilio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// openerFake serves a fake accepting token and key/secret for account,
// with one participant, and clears the Twilio environment.
func openerFake(t *testing.T, account string) (*twiliotest.Server, string, participant.Ref) {
	for _, k := range []string{twilio.EnvAccountSID, twilio.EnvAuthToken, twilio.EnvAPIKey, twilio.EnvAPISecret} {
		t.Setenv(k, "")
	}
	fake := twiliotest.New(twiliotest.Config{AccountSID: account, AuthToken: testToken,
		APIKeys: map[string]string{testKey: testSecret}})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	p := twiliotest.Participant{Account: account, Conference: twiliotest.NewConferenceSID(), CallID: twiliotest.NewCallSID()}
	fake.Seed(p)
	return fake, srv.URL, participant.Ref{Conference: p.Conference, Call: p.CallID}
}

func TestURLOpenerCredentials(t *testing.T) {
	account := twiliotest.NewAccountSID()
	cases := []struct {
		name   string
		env    map[string]string
		opener twilio.URLOpener
		query  string
		user   string // the Basic auth user the fake must see
	}{
		{name: "token from env", env: map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": testToken}, user: account},
		{name: "API key from env", env: map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_API_KEY": testKey,
			"TWILIO_API_SECRET": testSecret, "TWILIO_AUTH_TOKEN": "ignored"}, user: testKey},
		{name: "named env vars", env: map[string]string{"EU_SID": account, "EU_TOKEN": testToken},
			query: "&account_sid_env=EU_SID&auth_token_env=EU_TOKEN", user: account},
		{name: "named key env vars", env: map[string]string{"K": testKey, "S": testSecret},
			query: "&account=" + account + "&api_key_env=K&api_secret_env=S", user: testKey},
		{name: "opener fields win over env", env: map[string]string{"TWILIO_AUTH_TOKEN": "wrong"},
			opener: twilio.URLOpener{AccountSID: account, AuthToken: testToken}, user: account},
		{name: "account parameter wins", env: map[string]string{"TWILIO_ACCOUNT_SID": "ACwrong", "TWILIO_AUTH_TOKEN": testToken},
			opener: twilio.URLOpener{AccountSID: "ACwrong"}, query: "&account=" + account, user: account},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake, base, ref := openerFake(t, account)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var mux providers.URLMux
			mux.RegisterUpdater(twilio.Scheme, &tc.opener)
			u, err := mux.OpenUpdater(context.Background(), "twilio://?base_url="+url.QueryEscape(base)+tc.query)
			require.NoError(t, err)
			_, err = u.Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(true)})
			require.NoError(t, err)
			reqs := fake.Requests()
			user, _, _ := httptestBasic(reqs[len(reqs)-1].Header.Get("Authorization"))
			assert.Equal(t, tc.user, user)
		})
	}
}

func httptestBasic(h string) (string, string, bool) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", h)
	return r.BasicAuth()
}

func TestURLOpenerErrors(t *testing.T) {
	_, base, _ := openerFake(t, twiliotest.NewAccountSID())
	ctx := context.Background()
	cases := map[string]struct {
		env    map[string]string
		query  string
		fields []string
	}{
		"nothing set":        {fields: []string{"account_sid_env", "auth_token_env"}},
		"named var unset":    {env: map[string]string{"TWILIO_ACCOUNT_SID": twiliotest.NewAccountSID()}, query: "&auth_token_env=EU_TOKEN", fields: []string{"auth_token_env"}},
		"key without secret": {env: map[string]string{"TWILIO_ACCOUNT_SID": twiliotest.NewAccountSID(), "TWILIO_API_KEY": testKey}, fields: []string{"api_secret_env"}},
		"malformed key":      {env: map[string]string{"TWILIO_ACCOUNT_SID": twiliotest.NewAccountSID(), "TWILIO_API_KEY": "SK-" + testSecret, "TWILIO_API_SECRET": testSecret}, fields: []string{"api_key_env"}},
		"malformed account":  {env: map[string]string{"TWILIO_ACCOUNT_SID": "my-account", "TWILIO_AUTH_TOKEN": testToken}, fields: []string{"account_sid_env"}},
		"token and key":      {query: "&auth_token_env=A&api_key_env=B", fields: []string{"auth_token_env"}},
		"bad settings":       {query: "&account=AC1&region=IE&edge=a_b&base_url=ftp://x", fields: []string{"account", "base_url", "region", "edge"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			q := tc.query
			if !strings.Contains(q, "base_url=") {
				q += "&base_url=" + url.QueryEscape(base)
			}
			_, err := providers.Open(ctx, "twilio://?"+q)
			require.Error(t, err)
			assert.ErrorIs(t, err, participant.ErrInvalidArgument)
			assert.Equal(t, tc.fields, errFields(err), err.Error())
			assert.NotContains(t, err.Error(), testSecret)
		})
	}
}

// errFields lists the Field of each *participant.Error joined in err.
func errFields(err error) []string {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var fs []string
	for _, e := range errs {
		var pe *participant.Error
		if errors.As(e, &pe) {
			fs = append(fs, pe.Field)
		}
	}
	return fs
}

// TestURLOpenerConflicts: a parameter the opener would ignore is an error
// naming it, when checking and when opening, whatever the environment holds.
func TestURLOpenerConflicts(t *testing.T) {
	account := twiliotest.NewAccountSID()
	_, base, _ := openerFake(t, account)
	t.Setenv("EU_SID", account)
	t.Setenv("EU_TOKEN", testToken)
	t.Setenv("EU_KEY", testKey)
	t.Setenv("EU_SECRET", testSecret)
	t.Setenv(twilio.EnvAccountSID, account)
	t.Setenv(twilio.EnvAuthToken, testToken)
	inCode := twilio.URLOpener{AccountSID: account, AuthToken: testToken}
	cases := map[string]struct {
		opener twilio.URLOpener
		query  string
		fields []string
	}{
		"account_sid_env with account":         {query: "&account=" + account + "&account_sid_env=EU_SID", fields: []string{"account_sid_env"}},
		"account_sid_env with opener account":  {opener: twilio.URLOpener{AccountSID: account}, query: "&account_sid_env=EU_SID", fields: []string{"account_sid_env"}},
		"auth_token_env with opener token":     {opener: inCode, query: "&auth_token_env=EU_TOKEN", fields: []string{"auth_token_env"}},
		"key env vars with opener token":       {opener: inCode, query: "&api_key_env=EU_KEY&api_secret_env=EU_SECRET", fields: []string{"api_key_env", "api_secret_env"}},
		"api_secret_env with opener key":       {opener: twilio.URLOpener{APIKeySID: testKey, APISecret: testSecret}, query: "&api_secret_env=EU_SECRET", fields: []string{"api_secret_env"}},
		"every conflict at once, with account": {opener: inCode, query: "&account=" + account + "&account_sid_env=EU_SID&auth_token_env=EU_TOKEN", fields: []string{"account_sid_env", "auth_token_env"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			u, err := url.Parse("twilio://?base_url=" + url.QueryEscape(base) + tc.query)
			require.NoError(t, err)
			for what, err := range map[string]error{
				"check": tc.opener.CheckUpdaterURL(u),
				"open":  func() error { _, err := tc.opener.OpenUpdaterURL(context.Background(), u); return err }(),
			} {
				require.Error(t, err, what)
				assert.ErrorIs(t, err, participant.ErrInvalidArgument, what)
				assert.Equal(t, tc.fields, errFields(err), "%s: %v", what, err)
				assert.Contains(t, err.Error(), "conflicts with", what)
				assert.NotContains(t, err.Error(), testToken, what)
				assert.NotContains(t, err.Error(), testSecret, what)
			}
		})
	}

	// Without the conflicting parameter, each opener opens.
	for _, o := range []twilio.URLOpener{{AccountSID: account}, inCode, {APIKeySID: testKey, APISecret: testSecret}} {
		_, err := o.OpenUpdaterURL(context.Background(), &url.URL{Scheme: "twilio", RawQuery: "base_url=" + url.QueryEscape(base)})
		assert.NoError(t, err)
	}
}

func TestURLOpenerCheckReadsNoEnv(t *testing.T) {
	openerFake(t, twiliotest.NewAccountSID()) // clears the environment
	u, _ := url.Parse("twilio://?region=ie1&edge=dublin&auth_token_env=NOT_SET_ANYWHERE")
	assert.NoError(t, providers.DefaultURLMux().CheckUpdaterURL(u))
	u, _ = url.Parse("twilio://?region=IE")
	assert.Equal(t, []string{"region"}, errFields(providers.DefaultURLMux().CheckUpdaterURL(u)))
}

func TestURLOpenerRetryParams(t *testing.T) {
	account := twiliotest.NewAccountSID()
	fake, base, ref := openerFake(t, account)
	fake.Fail(twiliotest.Fault{Status: 503, Times: -1})
	o := &twilio.URLOpener{AccountSID: account, AuthToken: testToken}
	u, err := o.OpenUpdaterURL(context.Background(), &url.URL{Scheme: "twilio",
		RawQuery: "base_url=" + url.QueryEscape(base) + "&max_retries=2&wait_min=1ms&wait_max=2ms"})
	require.NoError(t, err)
	_, err = u.Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(true)})
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 3, pe.Attempts)
	assert.Equal(t, participant.CodeUnavailable, pe.Code)
}

func TestURLOpenerNeverShowsSecrets(t *testing.T) {
	o := twilio.URLOpener{AccountSID: "AC1", AuthToken: testToken, APIKeySID: testKey, APISecret: testSecret}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{o, &o} {
			s := fmt.Sprintf(verb, v)
			assert.NotContains(t, s, testToken, verb)
			assert.NotContains(t, s, testSecret, verb)
			assert.Contains(t, s, "[redacted]", verb)
		}
	}
	b, err := json.Marshal(o)
	require.NoError(t, err)
	assert.NotContains(t, string(b), testToken)
	assert.NotContains(t, string(b), testSecret)
}
