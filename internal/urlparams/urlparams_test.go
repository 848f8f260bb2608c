package urlparams_test

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/urlparams"
	"github.com/carrierkit/carrierkit/participant"
)

// retry reads query's retry parameters over base and returns the policy and
// the Field of each problem.
func retry(t *testing.T, query string, base *driver.RetryPolicy) (*driver.RetryPolicy, []string) {
	t.Helper()
	p := urlparams.New("test", &url.URL{Scheme: "test", RawQuery: query})
	r := p.Retry(base)
	err := p.Err()
	var fields []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var pe *participant.Error
			require.True(t, errors.As(e, &pe), "%v", e)
			fields = append(fields, pe.Field)
		}
	}
	return r, fields
}

func TestRetryWaitBounds(t *testing.T) {
	def := driver.DefaultRetryPolicy()

	// wait_min alone above the default wait_max: the client raises WaitMax
	// to it; wait_max, which the URL does not give, is not blamed.
	r, fields := retry(t, "wait_min=3s", nil)
	assert.Empty(t, fields)
	require.NotNil(t, r)
	assert.Equal(t, 3*time.Second, r.WaitMin)
	assert.Equal(t, def.WaitMax, r.WaitMax, "left to the client's defaults")

	// A base policy that leaves WaitMax to the defaults.
	base := &driver.RetryPolicy{MaxRetries: 1}
	r, fields = retry(t, "wait_min=50ms", base)
	assert.Empty(t, fields)
	require.NotNil(t, r)
	assert.Equal(t, 50*time.Millisecond, r.WaitMin)
	assert.Equal(t, 1, r.MaxRetries, "the base policy is kept")
	assert.Zero(t, base.WaitMin, "the base policy is not changed")

	// wait_max alone below the base's WaitMin.
	_, fields = retry(t, "wait_max=10ms", &driver.RetryPolicy{WaitMin: time.Second})
	assert.Empty(t, fields)

	// Both given and contradicting each other.
	_, fields = retry(t, "wait_min=2s&wait_max=1s", nil)
	assert.Equal(t, []string{driver.ParamWaitMax}, fields)

	// A bad bound is reported once, not compared.
	_, fields = retry(t, "wait_min=soon&wait_max=1s", nil)
	assert.Equal(t, []string{driver.ParamWaitMin}, fields)
	_, fields = retry(t, "wait_min=1s&wait_max=-1s", nil)
	assert.Equal(t, []string{driver.ParamWaitMax}, fields)

	r, fields = retry(t, "wait_min=1s&wait_max=1s&max_retries=2&max_retry_after=5s", nil)
	assert.Empty(t, fields)
	assert.Equal(t, &driver.RetryPolicy{MaxRetries: 2, WaitMin: time.Second, WaitMax: time.Second,
		MaxRetryAfter: 5 * time.Second}, r)

	r, fields = retry(t, "", base)
	assert.Empty(t, fields)
	assert.Same(t, base, r, "no retry parameter: the base itself")
}

func TestGetenv(t *testing.T) {
	t.Setenv("URLPARAMS_TEST_SET", "value")
	v, err := urlparams.Getenv("test", "x_env", "URLPARAMS_TEST_SET", "")
	require.NoError(t, err)
	assert.Equal(t, "value", v)

	t.Setenv("URLPARAMS_TEST_UNSET", "")
	_, err = urlparams.Getenv("test", "x_env", "URLPARAMS_TEST_UNSET", "or set y")
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "x_env", pe.Field)
	assert.Equal(t, "environment variable URLPARAMS_TEST_UNSET is not set (or set y)", pe.Message)
}

func TestTimeouts(t *testing.T) {
	for _, tc := range []struct {
		query            string
		attempt, timeout time.Duration
		bad              []string
	}{
		{"", 7, 9, nil},
		{"attempt_timeout=1s&timeout=1m", time.Second, time.Minute, nil},
		{"timeout=0", 7, 0, nil},
		{"attempt_timeout=-1s&timeout=soon", 7, 9, []string{"attempt_timeout", "timeout"}},
	} {
		p := urlparams.New("test", &url.URL{Scheme: "test", RawQuery: tc.query})
		o := driver.Options{AttemptTimeout: 7, Timeout: 9}
		p.Timeouts(&o)
		assert.Equal(t, tc.attempt, o.AttemptTimeout, tc.query)
		assert.Equal(t, tc.timeout, o.Timeout, tc.query)
		var fields []string
		if j, ok := p.Err().(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				var pe *participant.Error
				require.ErrorAs(t, e, &pe)
				fields = append(fields, pe.Field)
			}
		}
		assert.ElementsMatch(t, tc.bad, fields, tc.query)
	}
}
