package bandwidth_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/bandwidth"
	"github.com/carrierkit/carrierkit/providers/config"
)

func TestURLOpener(t *testing.T) {
	_, root, p := serve(t)
	account := p.Account
	ref := participant.Ref{Conference: p.Conference, Call: p.CallID}
	base := "bandwidth://?base_url=" + url.QueryEscape(root)

	cases := []struct {
		name   string
		env    map[string]string
		opener bandwidth.URLOpener
		query  string
	}{
		{name: "env", env: map[string]string{bandwidth.EnvAccountID: account, bandwidth.EnvUsername: testUser, bandwidth.EnvPassword: testPassword}},
		{name: "named env vars", env: map[string]string{"EU_BW_USER": testUser, "EU_BW_PASS": testPassword},
			query: "&username_env=EU_BW_USER&password_env=EU_BW_PASS&account=" + account},
		{name: "opener fields", env: map[string]string{bandwidth.EnvPassword: "wrong"},
			opener: bandwidth.URLOpener{AccountID: account, Username: testUser, Password: testPassword}},
		{name: "account parameter wins", opener: bandwidth.URLOpener{AccountID: "1", Username: testUser, Password: testPassword},
			query: "&account=" + account},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{bandwidth.EnvAccountID, bandwidth.EnvUsername, bandwidth.EnvPassword} {
				t.Setenv(k, "")
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var mux providers.URLMux
			mux.RegisterUpdater(bandwidth.Scheme, &tc.opener)
			u, err := mux.OpenUpdater(context.Background(), base+tc.query)
			require.NoError(t, err)
			got, err := u.Update(context.Background(), ref, participant.UpdateRequest{Hold: participant.Bool(true)})
			require.NoError(t, err)
			assert.Equal(t, account, got.AccountID)
			assert.True(t, got.Hold)
		})
	}

	t.Run("errors", func(t *testing.T) {
		for _, k := range []string{bandwidth.EnvAccountID, bandwidth.EnvUsername, bandwidth.EnvPassword} {
			t.Setenv(k, "")
		}
		_, err := providers.Open(context.Background(), base+"&account="+account)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "username_env: environment variable BANDWIDTH_USERNAME is not set")
		assert.Contains(t, err.Error(), "password_env: environment variable BANDWIDTH_PASSWORD is not set")
		_, err = providers.Open(context.Background(), "bandwidth://?account=AC1&base_url=ftp://x&region=ie1")
		assert.ErrorIs(t, err, participant.ErrInvalidArgument)
		assert.Contains(t, err.Error(), "account: must be a Bandwidth account id")
		assert.Contains(t, err.Error(), `base_url: must be an absolute http or https URL; its scheme is "ftp"`)
		assert.Contains(t, err.Error(), "region: unknown parameter")
	})
	t.Run("conflicts", func(t *testing.T) {
		o := &bandwidth.URLOpener{Username: testUser, Password: testPassword}
		u, _ := url.Parse("bandwidth://?password_env=X")
		err := o.CheckUpdaterURL(u)
		var pe *participant.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "password_env", pe.Field)
		assert.NotContains(t, err.Error(), testPassword)

		// The credentials are one group: a username set here makes the
		// password the opener's too, so password_env would be ignored.
		err = (&bandwidth.URLOpener{Username: testUser}).CheckUpdaterURL(u)
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "password_env", pe.Field)
		assert.Contains(t, pe.Message, "conflicts with the credentials set on the URLOpener")
	})
}

// TestConfigFile: a config file names a Bandwidth carrier like any other.
func TestConfigFile(t *testing.T) {
	_, root, p := serve(t)
	account := p.Account
	t.Setenv("US_BW_USER", testUser)
	t.Setenv("US_BW_PASS", testPassword)
	file := filepath.Join(t.TempDir(), "carriers.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"carriers": {"us": {"provider": "bandwidth", "account": "`+account+
		`", "base_url": "`+root+`", "credentials": {"username_env": "US_BW_USER", "password_env": "US_BW_PASS"},
		"retry": {"max_retries": 1}}}}`), 0o600))
	cfg, err := config.LoadFile(file, nil)
	require.NoError(t, err)
	updaters, err := cfg.Open(context.Background())
	require.NoError(t, err)
	got, err := updaters["us"].Update(context.Background(), participant.Ref{Conference: p.Conference, Call: p.CallID},
		participant.UpdateRequest{Muted: participant.Bool(true)})
	require.NoError(t, err)
	assert.True(t, got.Muted)
	assert.Equal(t, bandwidth.Name, got.Provider)

	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"carriers": {"us": {"provider": "bandwidth", "account": "conf-1", "credentials": {"api_key_env": "X"}}}}`), 0o600))
	_, err = config.LoadFile(bad, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "carriers.us.account: must be a Bandwidth account id")
	assert.Contains(t, err.Error(), "carriers.us.credentials.api_key_env: unknown credential")
}
