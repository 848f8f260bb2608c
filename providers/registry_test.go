package providers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/settings"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	_ "github.com/carrierkit/carrierkit/providers/bandwidth"
	_ "github.com/carrierkit/carrierkit/providers/signalwire"
	_ "github.com/carrierkit/carrierkit/providers/texml"
	_ "github.com/carrierkit/carrierkit/providers/twilio"
)

// stub is an opener built on package settings that records the Config it
// is opened with.
type stub struct{ got stubConfig }

type stubConfig struct {
	Account, Token string
	driver.Options
}

var stubSettings = settings.New(func(c stubConfig) (*stubDriver, error) { return &stubDriver{c}, nil },
	settings.Spec[stubConfig]{Name: "stub", Params: []settings.Param{
		{Name: "account", Field: "Account"}, {Name: "token_env", Field: "Token", Secret: true}}})

type stubDriver struct{ cfg stubConfig }

func (d *stubDriver) Capabilities() participant.Capabilities { return participant.Capabilities{} }
func (d *stubDriver) Update(context.Context, participant.Ref, participant.UpdateRequest) (*participant.Participant, error) {
	return nil, nil
}

func (s *stub) OpenUpdaterURL(ctx context.Context, u *url.URL) (*carrierkit.Client, error) {
	c, err := stubSettings.Opener(nil).OpenUpdaterURL(ctx, u)
	if err == nil {
		var d driver.Driver
		c.As(&d)
		s.got = d.(*stubDriver).cfg
	}
	return c, err
}

// problems returns the *participant.Error values joined in err.
func problems(t *testing.T, err error) []*participant.Error {
	t.Helper()
	require.Error(t, err)
	var out []*participant.Error
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var pe *participant.Error
		require.True(t, errors.As(e, &pe), "%T %v", e, e)
		assert.Equal(t, participant.CodeInvalidArgument, pe.Code)
		out = append(out, pe)
	}
	return out
}

func fields(ps []*participant.Error) []string {
	var fs []string
	for _, p := range ps {
		fs = append(fs, p.Field)
	}
	return fs
}

func TestRegister(t *testing.T) {
	var m providers.URLMux
	m.RegisterUpdater("b", &stub{})
	m.RegisterUpdater("a", &stub{})
	assert.Equal(t, []string{"a", "b"}, m.Schemes())
	assert.True(t, m.ValidUpdaterScheme("a"))
	assert.False(t, m.ValidUpdaterScheme("c"))
	assert.Panics(t, func() { m.RegisterUpdater("a", &stub{}) }, "duplicate")
	assert.Panics(t, func() { m.RegisterUpdater("Bad_Scheme", &stub{}) }, "invalid scheme")
	assert.Panics(t, func() { m.RegisterUpdater("c", nil) }, "nil opener")
}

func TestDefaultMuxHasAdapters(t *testing.T) {
	assert.Equal(t, []string{"bandwidth", "signalwire", "texml", "twilio"}, providers.DefaultURLMux().Schemes())
}

func TestUnknownScheme(t *testing.T) {
	ctx := context.Background()
	for urlstr, want := range map[string]string{
		"twillio://?region=ie1": `carrierkit config: invalid argument: scheme: unknown scheme "twillio" (registered: bandwidth, signalwire, texml, twilio)`,
		"region=ie1":            "carrierkit config: invalid argument: scheme: is missing (registered: bandwidth, signalwire, texml, twilio), e.g. twilio://?region=ie1",
		"%zz://x":               "carrierkit config: invalid argument: url: is not a valid URL",
	} {
		_, err := providers.Open(ctx, urlstr)
		require.Error(t, err, urlstr)
		assert.Equal(t, want, err.Error())
		assert.ErrorIs(t, err, participant.ErrInvalidArgument)
	}
}

func TestParams(t *testing.T) {
	var m providers.URLMux
	s := &stub{}
	m.RegisterUpdater("stub", s)
	ctx := context.Background()

	t.Setenv("MY_TOKEN", "tok")
	_, err := m.OpenUpdater(ctx, "stub://?account=a1&token_env=MY_TOKEN&max_retries=1&wait_min=5ms")
	require.NoError(t, err)
	assert.Equal(t, "a1", s.got.Account)
	assert.Equal(t, "tok", s.got.Token)
	want := driver.DefaultRetryPolicy()
	want.MaxRetries, want.WaitMin = 1, 5*time.Millisecond
	assert.Equal(t, &want, s.got.Retry)

	// max_retries=0 is no retries, whatever the waits: the policy says so
	// plainly, and passes RetryPolicy.Check.
	_, err = m.OpenUpdater(ctx, "stub://?account=a1&token_env=MY_TOKEN&max_retries=0&wait_min=5ms")
	require.NoError(t, err)
	assert.Equal(t, &driver.RetryPolicy{}, s.got.Retry)
	assert.NoError(t, s.got.Retry.Check(""))

	_, err = m.OpenUpdater(ctx, "stub://?account=a1&token_env=MY_TOKEN")
	require.NoError(t, err)
	assert.Nil(t, s.got.Retry, "no retry parameter keeps the opener's policy")

	// Every problem is reported, each naming its parameter: the URL's
	// own (by name), then the table's.
	_, err = m.OpenUpdater(ctx, "stub://?acount=x&account=a&account=b&token_env=1BAD&max_retries=-1&wait_min=5x&wait_max=0s&max_retry_after=1s")
	ps := problems(t, err)
	assert.Equal(t, []string{"account", "max_retries", "wait_max", "wait_min", "acount", "token_env"}, fields(ps))
	assert.NotContains(t, err.Error(), "1BAD", "an _env value may be a credential")
}

// TestRetryPolicyCheck: a policy that sets waits or functions but leaves
// MaxRetries 0 would never retry; it is refused, naming the field.
func TestRetryPolicyCheck(t *testing.T) {
	var nilPolicy *driver.RetryPolicy
	for _, ok := range []*driver.RetryPolicy{nilPolicy, {}, {MaxRetries: 2, WaitMin: time.Second}, {MaxRetries: 1}} {
		assert.NoError(t, ok.Check(""), "%+v", ok)
	}
	err := (&driver.RetryPolicy{WaitMin: time.Second, Backoff: func(time.Duration, time.Duration, int, *http.Response) time.Duration {
		return 0
	}}).Check("")
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, participant.CodeInvalidArgument, pe.Code)
	assert.Equal(t, "Retry.MaxRetries", pe.Field)
	assert.Contains(t, pe.Message, "WaitMin, Backoff")
}

// TestWithOptions: a copy of the mux opens every scheme with the options
// given, leaving the original as it was.
func TestWithOptions(t *testing.T) {
	var m providers.URLMux
	m.RegisterUpdater("stub", &optsOpener{})
	m.RegisterUpdater("plain", &stub{})
	opts := driver.Options{UserAgent: "tool/1"}
	c := m.WithOptions(opts)
	assert.Equal(t, m.Schemes(), c.Schemes())
	_, err := c.OpenUpdater(context.Background(), "stub://?account=a")
	require.NoError(t, err)
	_, err = m.OpenUpdater(context.Background(), "stub://?account=a")
	require.NoError(t, err)
	assert.Equal(t, []string{"tool/1", ""}, userAgents, "the copy used opts; the original did not")
	_, err = c.OpenUpdater(context.Background(), "plain://?account=a")
	assert.NoError(t, err, "an opener without WithOptions is kept as is")

	// An adapter's URLOpener built on package settings is copied through
	// its generic opener, with the fields set on it.
	t.Setenv("MY_TOKEN", "tok")
	m.RegisterUpdater("built", &settingsStub{Account: "code", Options: driver.Options{UserAgent: "own"}})
	for mux, want := range map[*providers.URLMux]string{&m: "own", m.WithOptions(opts): "tool/1"} {
		u, err := mux.OpenUpdater(context.Background(), "built://?token_env=MY_TOKEN")
		require.NoError(t, err)
		var d driver.Driver
		require.True(t, u.As(&d))
		assert.Equal(t, []string{"code", want}, []string{d.(*stubDriver).cfg.Account, d.(*stubDriver).cfg.UserAgent})
	}
}

// settingsStub is an adapter's URLOpener built on package settings, as
// the built-in ones are.
type settingsStub struct {
	Account string
	Options driver.Options
}

func (s *settingsStub) Opener() settings.Opener { return stubSettings.Opener(s) }

func (s *settingsStub) OpenUpdaterURL(ctx context.Context, u *url.URL) (*carrierkit.Client, error) {
	return s.Opener().OpenUpdaterURL(ctx, u)
}

// optsOpener records the User-Agent of the options it opens with.
type optsOpener struct{ opts driver.Options }

var userAgents []string

func (o *optsOpener) OpenUpdaterURL(context.Context, *url.URL) (*carrierkit.Client, error) {
	userAgents = append(userAgents, o.opts.UserAgent)
	return nil, nil
}

func (o *optsOpener) WithOptions(opts driver.Options) providers.UpdaterURLOpener {
	return &optsOpener{opts: opts}
}

// TestEveryOpenerTakesTheHTTPParams: the retry and time bound parameters
// are the same for every registered adapter (carrierctl passes
// --timeout and --attempt-timeout to any of them).
func TestEveryOpenerTakesTheHTTPParams(t *testing.T) {
	q := url.Values{}
	for _, p := range append(driver.RetryParams(), driver.TimeoutParams()...) {
		q.Set(p, "2s")
	}
	q.Set(driver.ParamMaxRetries, "1")
	mux := providers.DefaultURLMux()
	for _, scheme := range mux.Schemes() {
		u := &url.URL{Scheme: scheme, RawQuery: q.Encode()}
		assert.NoError(t, mux.CheckUpdaterURL(u), "%s", u)
		// The check ran: the same URL with a parameter no adapter takes
		// is refused.
		u.RawQuery += "&no_such_param=1"
		assert.Equal(t, []string{"no_such_param"}, fields(problems(t, mux.CheckUpdaterURL(u))), "%s", u)
	}
}

// TestLocateUpdaterURL: the mux locates a URL of a settings-built opener
// by its table, and says when the provider cannot tell.
func TestLocateUpdaterURL(t *testing.T) {
	mux := providers.DefaultURLMux()
	for raw, want := range map[string][]string{
		"twilio://?region=ie1&edge=dublin":              {"https://api.dublin.ie1.twilio.com", "ie1", "true"},
		"twilio://?base_url=http%3A%2F%2F127.0.0.1%3A9": {"http://127.0.0.1:9", "", "true"},
		"signalwire://?space=example":                   {"", "", "false"},
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		root, region, ok, err := mux.LocateUpdaterURL(u)
		require.NoError(t, err, raw)
		assert.Equal(t, want, []string{root, region, strconv.FormatBool(ok)}, raw)
	}
	_, _, _, err := mux.LocateUpdaterURL(&url.URL{Scheme: "twilio", RawQuery: "region=IE1&nope=1"})
	assert.Equal(t, []string{"nope", "region"}, fields(problems(t, err)))
}
