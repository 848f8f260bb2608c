package texml_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/texml/texmltest"
)

func TestURLOpener(t *testing.T) {
	account := texmltest.NewAccountID()
	fake := texmltest.New(texmltest.Config{APIKey: testKey})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	p := texmltest.Participant{Account: account, Conference: texmltest.NewConferenceID(), CallID: texmltest.NewCallID()}
	fake.Seed(p)
	ref := participant.Ref{Conference: p.Conference, Call: p.CallID}
	base := "texml://?base_url=" + url.QueryEscape(srv.URL+"/v2")

	cases := []struct {
		name   string
		env    map[string]string
		opener texml.URLOpener
		query  string
	}{
		{name: "key from env", env: map[string]string{"TELNYX_API_KEY": testKey}, query: "&account=" + account},
		{name: "named env var", env: map[string]string{"EU_TELNYX_KEY": testKey}, query: "&api_key_env=EU_TELNYX_KEY&account=" + account},
		{name: "opener fields", env: map[string]string{"TELNYX_API_KEY": "wrong"}, opener: texml.URLOpener{APIKey: testKey, Account: account}},
		{name: "account parameter wins", opener: texml.URLOpener{APIKey: testKey, Account: "other"}, query: "&account=" + account},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(texml.EnvAPIKey, "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var mux providers.URLMux
			mux.RegisterUpdater(texml.Scheme, &tc.opener)
			u, err := mux.OpenUpdater(context.Background(), base+tc.query)
			require.NoError(t, err)
			got, err := u.Update(context.Background(), ref, participant.UpdateRequest{Hold: participant.Bool(true)})
			require.NoError(t, err)
			assert.Equal(t, account, got.AccountID)
		})
	}

	t.Run("errors", func(t *testing.T) {
		t.Setenv(texml.EnvAPIKey, "")
		_, err := providers.Open(context.Background(), base)
		assert.EqualError(t, err, "carrierkit texml config: invalid argument: api_key_env: environment variable TELNYX_API_KEY is not set")
		_, err = providers.Open(context.Background(), "texml://?base_url=ftp://x&region=ie1&wait_min=1")
		require.Error(t, err)
		assert.ErrorIs(t, err, participant.ErrInvalidArgument)
		assert.Contains(t, err.Error(), `wait_min: invalid duration "1"`)
		assert.Contains(t, err.Error(), `base_url: must be an absolute http or https URL; its scheme is "ftp"`)
		assert.Contains(t, err.Error(), "region: unknown parameter (texml accepts account, api_key_env, attempt_timeout, base_url, max_retries, max_retry_after, timeout, wait_max, wait_min)")
	})
}

// TestURLOpenerConflicts: api_key_env would be ignored beside an API key set
// in code, so it is an error naming it, when checking and when opening.
func TestURLOpenerConflicts(t *testing.T) {
	t.Setenv("EU_TELNYX_KEY", testKey)
	o := &texml.URLOpener{APIKey: testKey, Account: texmltest.NewAccountID()}
	u, err := url.Parse("texml://?api_key_env=EU_TELNYX_KEY")
	require.NoError(t, err)
	for what, err := range map[string]error{
		"check": o.CheckUpdaterURL(u),
		"open":  func() error { _, err := o.OpenUpdaterURL(context.Background(), u); return err }(),
	} {
		var pe *participant.Error
		require.ErrorAs(t, err, &pe, what)
		assert.Equal(t, participant.CodeInvalidArgument, pe.Code, what)
		assert.Equal(t, "api_key_env", pe.Field, what)
		assert.Contains(t, pe.Message, "conflicts with", what)
		assert.NotContains(t, err.Error(), testKey, what)
	}
	_, err = o.OpenUpdaterURL(context.Background(), &url.URL{Scheme: "texml"})
	assert.NoError(t, err, "without the parameter")
}

func TestURLOpenerNeverShowsSecrets(t *testing.T) {
	o := texml.URLOpener{APIKey: testKey, Account: "acc"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, o), testKey, verb)
		assert.NotContains(t, fmt.Sprintf(verb, &o), testKey, verb)
	}
	b, err := json.Marshal(o)
	require.NoError(t, err)
	assert.NotContains(t, string(b), testKey)
}
