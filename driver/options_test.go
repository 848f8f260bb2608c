package driver_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/carrierkit/carrierkit/driver"
)

func TestRetryPolicyWithDefaults(t *testing.T) {
	d := driver.DefaultRetryPolicy()
	assert.Equal(t, driver.RetryPolicy{WaitMin: d.WaitMin, WaitMax: d.WaitMax, MaxRetryAfter: d.MaxRetryAfter},
		driver.RetryPolicy{}.WithDefaults(), "zero durations take the defaults; MaxRetries 0 stays 0")
	got := driver.RetryPolicy{MaxRetries: -1, WaitMin: 5 * time.Second, WaitMax: time.Second, MaxRetryAfter: -1}.WithDefaults()
	assert.Equal(t, driver.RetryPolicy{WaitMin: 5 * time.Second, WaitMax: 5 * time.Second, MaxRetryAfter: d.MaxRetryAfter}, got,
		"negative retries are none, WaitMax is at least WaitMin, a negative cap takes the default")
	set := driver.RetryPolicy{MaxRetries: 2, WaitMin: time.Millisecond, WaitMax: time.Minute, MaxRetryAfter: time.Second}
	assert.Equal(t, set, set.WithDefaults(), "set fields are kept")
}
