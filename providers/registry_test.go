package providers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/urlparams"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	_ "github.com/carrierkit/carrierkit/providers/bandwidth"
	_ "github.com/carrierkit/carrierkit/providers/signalwire"
	_ "github.com/carrierkit/carrierkit/providers/texml"
	_ "github.com/carrierkit/carrierkit/providers/twilio"
)

// stub is an opener that reads a few parameters through urlparams.Params.
type stub struct {
	got   map[string]string
	retry *driver.RetryPolicy
}

func (s *stub) OpenUpdaterURL(_ context.Context, u *url.URL) (participant.Updater, error) {
	p := urlparams.New("stub", u)
	s.got = map[string]string{"account": p.String("account"), "token_env": p.EnvName("token_env")}
	s.retry = p.Retry(nil)
	return nil, p.Err()
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

	_, err := m.OpenUpdater(ctx, "stub://?account=a1&token_env=MY_TOKEN&max_retries=1&wait_min=5ms")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"account": "a1", "token_env": "MY_TOKEN"}, s.got)
	want := driver.DefaultRetryPolicy()
	want.MaxRetries, want.WaitMin = 1, 5*time.Millisecond
	assert.Equal(t, &want, s.retry)

	// max_retries=0 is no retries, whatever the waits: the policy says so
	// plainly, and passes RetryPolicy.Check.
	_, err = m.OpenUpdater(ctx, "stub://?account=a1&max_retries=0&wait_min=5ms")
	require.NoError(t, err)
	assert.Equal(t, &driver.RetryPolicy{}, s.retry)
	assert.NoError(t, s.retry.Check())

	_, err = m.OpenUpdater(ctx, "stub://?account=a1")
	require.NoError(t, err)
	assert.Nil(t, s.retry, "no retry parameter keeps the opener's policy")

	// Every problem is reported, each naming its parameter.
	_, err = m.OpenUpdater(ctx, "stub://?acount=x&account=a&account=b&token_env=1BAD&max_retries=-1&wait_min=5x&wait_max=0s&max_retry_after=1s")
	ps := problems(t, err)
	assert.Equal(t, []string{"account", "token_env", "max_retries", "wait_min", "wait_max", "acount"}, fields(ps))
	assert.Equal(t, `invalid duration "5x"`, ps[3].Message)
	assert.Equal(t, "unknown parameter (stub accepts account, max_retries, max_retry_after, token_env, wait_max, wait_min)", ps[5].Message)

	_, err = m.OpenUpdater(ctx, "stub://?wait_min=2s&wait_max=1s")
	assert.Equal(t, []string{"wait_max"}, fields(problems(t, err)))
}

func TestURLShape(t *testing.T) {
	var m providers.URLMux
	m.RegisterUpdater("stub", &stub{})
	for _, urlstr := range []string{
		"stub://AC123:s3cr3t-token@?account=a",
		"stub://host?account=a",
		"stub:///path",
		"stub://?account=a#frag",
		"stub://?account=%zz",
	} {
		_, err := m.OpenUpdater(context.Background(), urlstr)
		ps := problems(t, err)
		assert.Equal(t, "url", ps[0].Field, urlstr)
		assert.NotContains(t, err.Error(), "s3cr3t", "a credential in the URL is never echoed")
	}
}

func TestRenameField(t *testing.T) {
	err := driver.ConfigError("twilio", "Region", "bad")
	renamed := urlparams.RenameField(err, map[string]string{"Region": "region"})
	assert.Equal(t, "carrierkit twilio config: invalid argument: region: bad", renamed.Error())
	assert.Equal(t, "Region", err.(*participant.Error).Field, "the original is not changed")
	other := errors.New("other")
	assert.Same(t, other, urlparams.RenameField(other, nil))
}

func TestGetenv(t *testing.T) {
	t.Setenv("CARRIERKIT_TEST_SECRET", "s3cr3t")
	v, err := urlparams.Getenv("p", "token_env", "CARRIERKIT_TEST_SECRET", "")
	require.NoError(t, err)
	assert.Equal(t, "s3cr3t", v)
	_, err = urlparams.Getenv("p", "token_env", "CARRIERKIT_TEST_UNSET", "or set X")
	assert.EqualError(t, err, "carrierkit p config: invalid argument: token_env: environment variable CARRIERKIT_TEST_UNSET is not set (or set X)")
}

// TestRetryPolicyCheck: a policy that sets waits or functions but leaves
// MaxRetries 0 would never retry; it is refused, naming the field.
func TestRetryPolicyCheck(t *testing.T) {
	var nilPolicy *driver.RetryPolicy
	for _, ok := range []*driver.RetryPolicy{nilPolicy, {}, {MaxRetries: 2, WaitMin: time.Second}, {MaxRetries: 1}} {
		assert.NoError(t, ok.Check(), "%+v", ok)
	}
	err := (&driver.RetryPolicy{WaitMin: time.Second, Backoff: func(time.Duration, time.Duration, int, *http.Response) time.Duration {
		return 0
	}}).Check()
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
}

// optsOpener records the User-Agent of the options it opens with.
type optsOpener struct{ opts driver.Options }

var userAgents []string

func (o *optsOpener) OpenUpdaterURL(context.Context, *url.URL) (participant.Updater, error) {
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
	}
}
