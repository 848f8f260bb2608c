package config_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/config"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

const (
	account = "AC0123456789abcdef0123456789abcdef"
	token   = "tok_5ecr3t_value"
	apiKey  = "KEY_5ecr3t_value"
)

const goodFile = `{
  "carriers": {
    "us": {"provider": "twilio", "account": "` + account + `",
           "credentials": {"auth_token_env": "CK_US_TOKEN"},
           "retry": {"max_retries": 0, "wait_min": "1ms", "wait_max": "2ms"}},
    "eu": {"provider": "twilio", "account": "` + account + `", "region": "ie1", "edge": "dublin",
           "credentials": {"auth_token_env": "CK_EU_TOKEN"}},
    "tx": {"provider": "texml", "account": "acc-1", "credentials": {"api_key_env": "CK_TX_KEY"}}
  }
}`

func problems(t *testing.T, err error) []string {
	t.Helper()
	var cerr *config.Error
	require.True(t, errors.As(err, &cerr), "want *config.Error, got %T %v", err, err)
	assert.ErrorIs(t, err, participant.ErrInvalidArgument)
	var out []string
	for _, p := range cerr.Problems {
		out = append(out, p.Field+": "+p.Message)
	}
	return out
}

func TestOpenAll(t *testing.T) {
	cfg, err := config.Load(strings.NewReader(goodFile), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"eu", "tx", "us"}, cfg.Names())

	t.Setenv("CK_US_TOKEN", token)
	t.Setenv("CK_EU_TOKEN", token)
	t.Setenv("CK_TX_KEY", apiKey)
	all, err := cfg.Open(context.Background())
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, "https://api.dublin.ie1.twilio.com", baseURL(t, all["eu"]))
	assert.Equal(t, twilio.DefaultBaseURL, baseURL(t, all["us"]))
	assert.Equal(t, texml.DefaultBaseURL, baseURL(t, all["tx"]))
	for _, s := range []string{fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg.Carriers["us"])} {
		assert.NotContains(t, s, token)
		assert.NotContains(t, s, apiKey)
	}
}

// unavailableTwilio serves a Twilio fake that answers 503 to every
// request, and a participant it holds.
func unavailableTwilio(t *testing.T) (string, participant.Ref) {
	fake := twiliotest.New(twiliotest.Config{AccountSID: account, AuthToken: token})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	p := twiliotest.Participant{Account: account, Conference: twiliotest.NewConferenceSID(), CallID: twiliotest.NewCallSID()}
	fake.Seed(p)
	fake.Fail(twiliotest.Fault{Status: 503, Times: -1})
	return srv.URL, participant.Ref{Conference: p.Conference, Call: p.CallID}
}

// TestRetrySettings checks a carrier's retry settings reach its adapter.
func TestRetrySettings(t *testing.T) {
	srvURL, ref := unavailableTwilio(t)

	file := strings.Replace(goodFile, `"account": "`+account+`",`, `"account": "`+account+`", "base_url": "`+srvURL+`",`, 1)
	cfg, err := config.Load(strings.NewReader(file), nil)
	require.NoError(t, err)
	t.Setenv("CK_US_TOKEN", token)
	u, err := cfg.OpenCarrier(context.Background(), "us")
	require.NoError(t, err)
	_, err = u.Update(context.Background(), ref,
		participant.UpdateRequest{Muted: participant.Bool(true)})
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 1, pe.Attempts, "max_retries 0: one attempt")
}

func TestOpenReportsEveryCarrier(t *testing.T) {
	cfg, err := config.Load(strings.NewReader(goodFile), nil)
	require.NoError(t, err)
	for _, k := range []string{"CK_US_TOKEN", "CK_EU_TOKEN", "CK_TX_KEY"} {
		t.Setenv(k, "")
	}
	t.Setenv("CK_EU_TOKEN", token)
	_, err = cfg.Open(context.Background())
	assert.Equal(t, []string{
		"carriers.tx.credentials.api_key_env: environment variable CK_TX_KEY is not set",
		"carriers.us.credentials.auth_token_env: environment variable CK_US_TOKEN is not set",
	}, problems(t, err))

	_, err = cfg.OpenCarrier(context.Background(), "asia")
	assert.Equal(t, []string{`carriers: has no carrier "asia" (the file names eu, tx, us)`}, problems(t, err))
	u, err := cfg.OpenCarrier(context.Background(), "eu")
	require.NoError(t, err)
	assert.Equal(t, "twilio", u.Capabilities().Provider)
}

func TestLoadProblems(t *testing.T) {
	cases := map[string]struct {
		file string
		want []string
	}{
		"syntax": {"{\n  \"carriers\": {\n    \"a\": }\n}", []string{
			": invalid JSON at line 3, column 10: invalid character '}' looking for beginning of value"}},
		"not an object":    {`[]`, []string{": must be a JSON object"}},
		"no carriers":      {`{}`, []string{"carriers: is required: an object of carriers by name"}},
		"empty carriers":   {`{"carriers": {}}`, []string{"carriers: names no carrier"}},
		"carriers a list":  {`{"carriers": []}`, []string{"carriers: must be a JSON object"}},
		"bad carrier name": {`{"carriers": {"e u": {"provider": "texml"}}}`, []string{"carriers.e u: carrier names are letters, digits, _ and -"}},
		"structure": {`{"carriers": {
			"a": "twilio",
			"b": {},
			"c": {"provider": ""},
			"d": {"provider": 1, "account": true, "credentials": [], "retry": "fast"},
			"e": {"provider": "texml", "api_key_env": "K", "wait_min": "1s",
			      "credentials": {"api_key": "K", "api_secret_env": "S"},
			      "retry": {"max_retries": 1.5, "wait_max": 2, "backoff": "1s"}}}}`, []string{
			"carriers.a: must be a JSON object",
			"carriers.b.provider: is required (registered: texml, twilio)",
			"carriers.c.provider: must not be empty",
			"carriers.d.account: must be a string",
			"carriers.d.credentials: must be a JSON object",
			"carriers.d.provider: must be a string",
			"carriers.d.retry: must be a JSON object",
			"carriers.e.api_key_env: belongs in credentials",
			"carriers.e.credentials.api_key: credentials name environment variables: keys end in _env, e.g. auth_token_env",
			"carriers.e.credentials.api_secret_env: unknown credential (accepted: api_key_env)",
			"carriers.e.retry.backoff: unknown key (accepted: max_retries, max_retry_after, wait_max, wait_min)",
			"carriers.e.retry.max_retries: must be a whole number from 0 to 100",
			"carriers.e.retry.wait_max: must be a string",
			"carriers.e.wait_min: belongs in retry",
		}},
		"retry bounds": {`{"carriers": {
			"a": {"provider": "twilio", "retry": {"wait_min": "3s"}},
			"b": {"provider": "twilio", "retry": {"wait_min": "2s", "wait_max": "1s"}}}}`, []string{
			"carriers.b.retry.wait_max: must not be less than wait_min (2s)",
		}},
		"ignored credential": {`{"carriers": {
			"a": {"provider": "twilio", "account": "` + account + `", "credentials": {"account_sid_env": "SID"}}}}`, []string{
			"carriers.a.credentials.account_sid_env: conflicts with account: set one or the other",
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := config.Load(strings.NewReader(tc.file), nil)
			assert.Equal(t, tc.want, problems(t, err))
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "carriers.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"carriers": {"x": {"provider": "texml", "base_url": "ftp://h"}}}`), 0o600))
	_, err := config.LoadFile(path, nil)
	assert.EqualError(t, err, "config "+path+`: carriers.x.base_url: must be an absolute http or https URL; its scheme is "ftp"`)

	_, err = config.LoadFile(filepath.Join(dir, "missing.json"), nil)
	assert.Equal(t, []string{": cannot read: no such file or directory"}, problems(t, err))
}

// TestNoSecretsInErrors puts credentials where a careless loader would echo
// them: in a malformed environment value and in a carrier's URL parameter.
func TestNoSecretsInErrors(t *testing.T) {
	t.Setenv("CK_KEY", "SK-"+token) // not an API key SID: rejected by the adapter
	t.Setenv("CK_SECRET", token)
	cfg, err := config.Load(strings.NewReader(`{"carriers": {"a": {"provider": "twilio", "account": "`+account+`",
		"credentials": {"api_key_env": "CK_KEY", "api_secret_env": "CK_SECRET"}}}}`), nil)
	require.NoError(t, err)
	_, err = cfg.Open(context.Background())
	assert.Equal(t, []string{"carriers.a.credentials.api_key_env: must match ^SK[0-9a-fA-F]{32}$"}, problems(t, err))
	assert.NotContains(t, err.Error(), token)
}

// TestSecretPastedForAnEnvNameIsNotEchoed: a *_env key holds the name of a
// variable; a credential pasted in its place must not come back in an
// error (which ends up in logs and terminals), whether it fails the name
// rule or looks like a name that is not set. A conventional upper-case
// name is still named.
func TestSecretPastedForAnEnvNameIsNotEchoed(t *testing.T) {
	const (
		telnyxKey   = "KEY0184A4C2E1B94E6F_Xy7pQ2rT9vW3zA1bC5dE8f" // a name by the rule, but mixed case
		twilioToken = "a1b2c3d4e5f60718293a4b5c6d7e8f90"           // passes the name rule: starts with a letter
		withDash    = "sk-live-0123456789abcdef"                   // no name
	)
	file := `{"carriers": {
	  "us": {"provider": "twilio", "account": "` + account + `", "credentials": {"auth_token_env": "` + twilioToken + `"}},
	  "tx": {"provider": "texml", "account": "acc-1", "credentials": {"api_key_env": "` + withDash + `"}}}}`
	_, err := config.Load(strings.NewReader(file), nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), withDash)
	assert.Contains(t, err.Error(), "carriers.tx.credentials.api_key_env: must be an environment variable name")

	file = `{"carriers": {
	  "us": {"provider": "twilio", "account": "` + account + `", "credentials": {"auth_token_env": "` + twilioToken + `"}},
	  "tx": {"provider": "texml", "account": "acc-1", "credentials": {"api_key_env": "` + telnyxKey + `"}},
	  "eu": {"provider": "twilio", "account": "` + account + `", "credentials": {"auth_token_env": "CK_UNSET_TOKEN_ENV"}}}}`
	cfg, err := config.Load(strings.NewReader(file), nil)
	require.NoError(t, err)
	t.Setenv("CK_UNSET_TOKEN_ENV", "")
	_, err = cfg.Open(context.Background())
	require.Error(t, err)
	for _, secret := range []string{twilioToken, telnyxKey} {
		assert.NotContains(t, err.Error(), secret)
		assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), secret)
	}
	assert.Contains(t, err.Error(), "environment variable CK_UNSET_TOKEN_ENV is not set", "a conventional name is named")
	assert.Contains(t, err.Error(), "carriers.us.credentials.auth_token_env: the environment variable it names is not set")
}

// baseURL is the API root u sends to, reached through As.
func baseURL(t *testing.T, u participant.Updater) string {
	var d *httpdriver.Driver
	require.True(t, u.(*carrierkit.Client).As(&d), "As(**httpdriver.Driver)")
	return d.BaseURL()
}

// TestSchemaKey: a file may name the published schema in "$schema", for
// editors; Load accepts it and a file that breaks the schema is refused
// at the JSON path.
func TestSchemaKey(t *testing.T) {
	cfg, err := config.Load(strings.NewReader(`{"$schema": "./`+config.SchemaFile+`", "carriers": {"tx": {"provider": "texml"}}}`), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"tx"}, cfg.Names())
	_, err = config.Load(strings.NewReader(`{"$schema": 1, "carriers": {"tx": {"provider": "texml"}}}`), nil)
	assert.Equal(t, []string{"$schema: must be a string"}, problems(t, err))

	// The schema is generated from the providers' tables: each one's
	// parameters, its credentials under "credentials".
	b, err := config.Schema(nil)
	require.NoError(t, err)
	var doc struct {
		Definitions map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"definitions"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	tw := doc.Definitions["twilio"].Properties
	assert.Contains(t, string(tw["region"]), "$TWILIO_REGION")
	assert.Contains(t, string(tw["credentials"]), `"auth_token_env"`)
	assert.NotContains(t, tw, "auth_token_env", "a credential's variable goes under credentials")
}

// TestWholeNumbersAsTheSchemaTakesThem: a count is any whole number the
// schema accepts (1.0 and 1e1 are integers in JSON Schema), wherever it
// is, and a carrier's other problems are still reported beside it. The
// "coordination" section with one was dropped without a word.
func TestWholeNumbersAsTheSchemaTakesThem(t *testing.T) {
	for number, want := range map[string]int{"1.0": 1, "1e1": 10, "0": 0} {
		cfg, err := config.Load(strings.NewReader(`{"carriers": {"a": {"provider": "texml", "retry": {"max_retries": `+number+`, "wait_min": "1s"}}}}`), nil)
		require.NoError(t, err, number)
		assert.Equal(t, want, cfg.Carriers["a"].Retry().MaxRetries, number)
	}
	_, err := config.Load(strings.NewReader(`{"carriers": {"a": {"provider": "texml", "retry": {"max_retries": 2.0},
		"timeouts": {"attempt_timeout": "-1s"}}}}`), nil)
	assert.Equal(t, []string{`carriers.a.timeouts.attempt_timeout: must not be negative (0: the default), got "-1s"`}, problems(t, err))

	cfg, err := config.Load(strings.NewReader(`{"carriers": {"a": {"provider": "texml", "breaker": {"failures": 3.0, "probes": 2e0}}},
		"coordination": {"redis": {"url_env": "R", "instances": 4.0, "rate": {"requests": 1.5e1, "burst": 5.0, "period": "1s"}}}}`), nil)
	require.NoError(t, err)
	assert.Equal(t, config.Breaker{Failures: 3, Probes: 2}, cfg.Carriers["a"].Breaker)
	require.NotNil(t, cfg.Coordination.Redis)
	assert.Equal(t, 4, cfg.Coordination.Redis.Instances)
	assert.Equal(t, &config.Rate{Requests: 15, Burst: 5, Period: 1e9}, cfg.Coordination.Redis.Rate)
}
