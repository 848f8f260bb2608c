package settings_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/settings"
	"github.com/carrierkit/carrierkit/participant"
)

// fields lists the Field of each *participant.Error joined in err.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var out []string
	for _, e := range errs {
		var pe *participant.Error
		require.True(t, errors.As(e, &pe), "%v", e)
		assert.Equal(t, participant.CodeInvalidArgument, pe.Code)
		out = append(out, pe.Field)
	}
	return out
}

// retry reads query's retry parameters over base.
func retry(t *testing.T, query string, base *driver.RetryPolicy) (*driver.RetryPolicy, []string) {
	t.Helper()
	v, err := settings.ParseURL("test", &url.URL{Scheme: "test", RawQuery: query})
	return v.Retry.Over(base), fields(t, err)
}

func TestRetryWaitBounds(t *testing.T) {
	def := driver.DefaultRetryPolicy()

	// wait_min alone above the default wait_max: the client raises WaitMax
	// to it; wait_max, which the URL does not give, is not blamed.
	r, bad := retry(t, "wait_min=3s", nil)
	assert.Empty(t, bad)
	require.NotNil(t, r)
	assert.Equal(t, 3*time.Second, r.WaitMin)
	assert.Equal(t, def.WaitMax, r.WaitMax, "left to the client's defaults")

	// A base policy that leaves WaitMax to the defaults.
	base := &driver.RetryPolicy{MaxRetries: 1}
	r, bad = retry(t, "wait_min=50ms", base)
	assert.Empty(t, bad)
	assert.Equal(t, 50*time.Millisecond, r.WaitMin)
	assert.Equal(t, 1, r.MaxRetries, "the base policy is kept")
	assert.Zero(t, base.WaitMin, "the base policy is not changed")

	_, bad = retry(t, "wait_max=10ms", &driver.RetryPolicy{WaitMin: time.Second})
	assert.Empty(t, bad, "wait_max alone below the base's WaitMin")
	_, bad = retry(t, "wait_min=2s&wait_max=1s", nil)
	assert.Equal(t, []string{driver.ParamWaitMax}, bad, "both given and contradicting each other")

	// A bad bound is reported once, not compared.
	_, bad = retry(t, "wait_min=soon&wait_max=1s", nil)
	assert.Equal(t, []string{driver.ParamWaitMin}, bad)
	_, bad = retry(t, "wait_min=1s&wait_max=-1s", nil)
	assert.Equal(t, []string{driver.ParamWaitMax}, bad)

	r, bad = retry(t, "wait_min=1s&wait_max=1s&max_retries=2&max_retry_after=5s", nil)
	assert.Empty(t, bad)
	assert.Equal(t, &driver.RetryPolicy{MaxRetries: 2, WaitMin: time.Second, WaitMax: time.Second, MaxRetryAfter: 5 * time.Second}, r)
	r, _ = retry(t, "max_retries=0&wait_min=1s", nil)
	assert.Equal(t, &driver.RetryPolicy{}, r, "no retries: the waits have nothing to bound")
	assert.NoError(t, r.Check("test"))
	r, bad = retry(t, "", base)
	assert.Empty(t, bad)
	assert.Same(t, base, r, "no retry parameter: the base itself")
	_, bad = retry(t, "max_retries=101&max_retries=1", nil)
	assert.Equal(t, []string{driver.ParamMaxRetries, driver.ParamMaxRetries}, bad, "out of range, and given twice")
}

func TestTimeouts(t *testing.T) {
	for _, tc := range []struct {
		query            string
		attempt, timeout *time.Duration
		bad              []string
	}{
		{"", nil, nil, nil},
		{"attempt_timeout=1s&timeout=1m", ptr(time.Second), ptr(time.Minute), nil},
		{"timeout=0", nil, ptr(time.Duration(0)), nil},
		{"attempt_timeout=-1s&timeout=soon", nil, nil, []string{"attempt_timeout", "timeout"}},
	} {
		v, err := settings.ParseURL("test", &url.URL{Scheme: "test", RawQuery: tc.query})
		assert.Equal(t, tc.bad, fields(t, err), tc.query)
		for _, c := range []struct {
			got  *settings.Duration
			want *time.Duration
		}{{v.AttemptTimeout, tc.attempt}, {v.Timeout, tc.timeout}} {
			if c.want == nil {
				assert.Nil(t, c.got, tc.query)
			} else if assert.NotNil(t, c.got, tc.query) {
				assert.Equal(t, *c.want, c.got.D, tc.query)
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestURLShape(t *testing.T) {
	for _, raw := range []string{"test://user:pw@/?a=1", "test://host/?a=1", "test://?a=1#frag", "test://?a=%zz"} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		_, err = settings.ParseURL("test", u)
		assert.Equal(t, []string{"url"}, fields(t, err), raw)
		assert.NotContains(t, err.Error(), "pw", raw)
	}
}

// demoConfig is a provider's Config: a value, two alternative
// credentials in a group, a file-loaded key, an optional variable.
type demoConfig struct {
	Account, Region, BaseURL, Token, KeyID, KeySecret string
	Key                                               []byte
	driver.Options
}

type demoDriver struct{ cfg demoConfig }

func (demoDriver) Capabilities() participant.Capabilities {
	return participant.Capabilities{Provider: "demo"}
}
func (demoDriver) Update(context.Context, participant.Ref, participant.UpdateRequest) (*participant.Participant, error) {
	return nil, nil
}

func newDemo(c demoConfig) (*demoDriver, error) {
	if c.Account == "bad-in-env" {
		return nil, driver.ConfigError("demo", "Account", "is refused by New")
	}
	return &demoDriver{c}, nil
}

var demo = settings.New(newDemo, settings.Spec[demoConfig]{Name: "demo", Params: []settings.Param{
	{Name: "account", Field: "Account", Check: settings.Must(func(v string) bool { return v != "x" }, "must not be x"), Help: "account"},
	{Name: "base_url", Field: "BaseURL", Check: settings.CheckBaseURL, Help: "root"},
	{Name: "region", Field: "Region", Env: "DEMO_REGION", Optional: true, Unless: "base_url", Help: "region"},
	{Name: "account_env", Field: "Account", Env: "DEMO_ACCOUNT", Help: "account variable"},
	{Name: "key_id_env", Field: "KeyID", Env: "DEMO_KEY_ID", Group: "credentials", Alt: "key", Help: "key"},
	{Name: "key_secret_env", Field: "KeySecret", Env: "DEMO_KEY_SECRET", Group: "credentials", Alt: "key", Secret: true, Help: "secret"},
	{Name: "token_env", Field: "Token", Env: "DEMO_TOKEN", Group: "credentials", Alt: "token", Secret: true, Help: "token"},
}})

// demoOpener is an adapter's URLOpener: credentials set in code.
type demoOpener struct {
	Account, Token string
	Options        driver.Options
}

func open(t *testing.T, preset any, query string) (demoConfig, error) {
	t.Helper()
	c, err := demo.Opener(preset).OpenUpdaterURL(context.Background(), &url.URL{Scheme: "demo", RawQuery: query})
	if err != nil {
		return demoConfig{}, err
	}
	var d driver.Driver
	require.True(t, c.As(&d))
	return d.(*demoDriver).cfg, nil
}

func TestOpener(t *testing.T) {
	for _, k := range []string{"DEMO_REGION", "DEMO_ACCOUNT", "DEMO_KEY_ID", "DEMO_KEY_SECRET", "DEMO_TOKEN"} {
		t.Setenv(k, "")
	}
	// Nothing set: each missing variable is named, with what else would do.
	_, err := open(t, nil, "")
	assert.Equal(t, []string{"account_env", "token_env"}, fields(t, err))
	assert.ErrorContains(t, err, "account_env: environment variable DEMO_ACCOUNT is not set (or set the account parameter)")
	assert.ErrorContains(t, err, "token_env: environment variable DEMO_TOKEN is not set (or set DEMO_KEY_ID and DEMO_KEY_SECRET)")

	t.Setenv("DEMO_ACCOUNT", "acc")
	t.Setenv("DEMO_TOKEN", "tok")
	t.Setenv("DEMO_REGION", "r1")
	cfg, err := open(t, nil, "max_retries=1")
	require.NoError(t, err)
	assert.Equal(t, demoConfig{Account: "acc", Region: "r1", Token: "tok",
		Options: driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 1, WaitMin: 100 * time.Millisecond, WaitMax: 2 * time.Second, MaxRetryAfter: 30 * time.Second}}}, cfg)
	cfg, err = open(t, nil, "account=given&base_url=http://h")
	require.NoError(t, err)
	assert.Equal(t, "given", cfg.Account, "the parameter wins over the variable")
	assert.Empty(t, cfg.Region, "base_url skips the region's variable")

	// The first alternative whose variable is set wins; a given parameter
	// picks its own.
	t.Setenv("DEMO_KEY_ID", "kid")
	t.Setenv("DEMO_KEY_SECRET", "ks")
	cfg, err = open(t, nil, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"kid", "ks", ""}, []string{cfg.KeyID, cfg.KeySecret, cfg.Token})
	cfg, err = open(t, nil, "token_env=DEMO_TOKEN")
	require.NoError(t, err)
	assert.Equal(t, []string{"", "", "tok"}, []string{cfg.KeyID, cfg.KeySecret, cfg.Token})

	// Fields set in code win over the environment; the group is taken whole.
	cfg, err = open(t, &demoOpener{Account: "code", Token: "code-tok", Options: driver.Options{UserAgent: "ua"}}, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"code", "code-tok", "", "ua"}, []string{cfg.Account, cfg.Token, cfg.KeyID, cfg.UserAgent})

	// Every problem at once, each naming its parameter.
	_, err = open(t, &demoOpener{Token: "code-tok"}, "account=x&account_env=A&base_url=ftp://h&token_env=1BAD&key_id_env=K&extra=1")
	assert.Equal(t, []string{"extra", "account", "base_url", "account_env", "key_id_env", "token_env"}, fields(t, err))
	assert.ErrorContains(t, err, "account_env: conflicts with account: set one or the other")
	assert.ErrorContains(t, err, "key_id_env: conflicts with the credentials set on the URLOpener: drop one")
	assert.ErrorContains(t, err, "token_env: must be an environment variable name")
	assert.NotContains(t, err.Error(), "1BAD")
	assert.Equal(t, []string{"token_env"}, fields(t, demo.Opener(nil).CheckUpdaterURL(&url.URL{RawQuery: "key_id_env=K&token_env=T"})),
		"two alternatives given")

	// An error of New names where its field was given.
	t.Setenv("DEMO_ACCOUNT", "bad-in-env")
	_, err = open(t, nil, "")
	assert.Equal(t, []string{"account_env"}, fields(t, err))
}

func TestOpenSettingsPaths(t *testing.T) {
	t.Setenv("CK_UNSET", "")
	v := &settings.Values{Params: map[string]settings.Value{"account": {V: "x", Path: "carriers.a.account"},
		"token_env": {V: "CK_UNSET", Path: "carriers.a.credentials.token_env"}},
		PathOf: func(name string) string { return "carriers.a.credentials." + name }}
	err := demo.Opener(nil).CheckSettings(v)
	assert.Equal(t, []string{"carriers.a.account"}, fields(t, err))
	v.Params["account"] = settings.Value{V: "a", Path: "carriers.a.account"}
	_, err = demo.Opener(nil).OpenSettings(context.Background(), v)
	assert.Equal(t, []string{"carriers.a.credentials.token_env"}, fields(t, err), "a path from the start, not renamed")
}

func TestFormatRedacted(t *testing.T) {
	type plain demoConfig
	c := plain{Account: "acc", Token: "s3cr3t", KeySecret: "s3cr3t2"}
	f := formatter(func(s fmt.State, verb rune) { demo.FormatRedacted(s, verb, c, "Config") })
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		s := fmt.Sprintf(verb, f)
		assert.NotContains(t, s, "s3cr3t", verb)
		assert.NotContains(t, s, fmt.Sprintf("%x", "s3cr3t"), verb)
	}
	assert.Contains(t, fmt.Sprintf("%#v", f), "settings_test.Config{")
	assert.Contains(t, fmt.Sprintf("%+v", f), "Account:acc")
	b, _ := json.Marshal(c)
	assert.Contains(t, string(b), "s3cr3t", "JSON redaction is the json:\"-\" tag's job, which this Config lacks")
}

type formatter func(fmt.State, rune)

func (f formatter) Format(s fmt.State, verb rune) { f(s, verb) }

func TestHelp(t *testing.T) {
	h := demo.Opener(nil).Table().Help()
	assert.Contains(t, h, "  region             region (default $DEMO_REGION unless base_url is given)\n")
	assert.Contains(t, h, "  token_env          token (default DEMO_TOKEN; secret: named, never given)\n")
	assert.Contains(t, h, "max_retries, wait_min, wait_max, max_retry_after")
}

func TestReadFile(t *testing.T) {
	path := t.TempDir() + "/no-such-key.pem"
	_, err := settings.ReadFile(path)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "no-such-key", "the path is the caller's own: not repeated")
	assert.Contains(t, err.Error(), "cannot be read")
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestCheckConfig: New's checks of a Config set in code come from the
// table, each naming the Config field.
func TestCheckConfig(t *testing.T) {
	spec := settings.Spec[demoConfig]{Name: "demo", Params: []settings.Param{
		{Name: "region", Field: "Region", Env: "X_REGION", Unless: "base_url", Check: settings.MustShowing(func(v string) bool { return v == "r1" }, "must be r1")},
		{Name: "base_url", Field: "BaseURL", Check: settings.CheckBaseURL},
		{Name: "token_env", Field: "Token", Env: "X_TOKEN", Secret: true},
		{Name: "key_id_env", Field: "KeyID", Env: "X_KEY", Group: "credentials", Alt: "key"},
	}}
	for _, tc := range []struct {
		cfg          demoConfig
		field, error string
	}{
		{demoConfig{Token: "t"}, "Region", `Region: must be r1, got ""`}, // required: its empty value is checked
		{demoConfig{Region: "r2", Token: "t"}, "Region", `got "r2"`},
		{demoConfig{Region: "r1", BaseURL: "ftp://h", Token: "t"}, "BaseURL", "http or https"},
		{demoConfig{Region: "r1"}, "Token", "must be set"}, // a credential
		{demoConfig{Region: "r1", Token: "t\r\nX: 1"}, "Token", "control"},
		{demoConfig{BaseURL: "http://h", Region: "bad", Token: "t"}, "", ""}, // base_url wins: the region is not used
		{demoConfig{Region: "r1", Token: "t"}, "", ""},                       // an alternative (KeyID) is the adapter's
		{demoConfig{Region: "r1", Token: "t", Options: driver.Options{Retry: &driver.RetryPolicy{WaitMin: time.Second}}}, "Retry.MaxRetries", "no retries"},
	} {
		err := spec.CheckConfig(tc.cfg)
		if tc.field == "" {
			assert.NoError(t, err, "%+v", tc.cfg)
			continue
		}
		require.Error(t, err, "%+v", tc.cfg)
		assert.Equal(t, []string{tc.field}, fields(t, err), "%+v", tc.cfg)
		assert.ErrorContains(t, err, tc.error)
		assert.NotContains(t, err.Error(), "X: 1")
	}
}
