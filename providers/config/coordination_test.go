package config_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/config"
)

const oneCarrier = `"carriers": {"us": {"provider": "twilio", "account": "AC0123456789abcdef0123456789abcdef",
	"credentials": {"auth_token_env": "US_TWILIO_AUTH_TOKEN"}}}`

// TestCoordination: the "coordination" section is read, with the URL
// only from the environment; bad keys are named by their JSON path.
func TestCoordination(t *testing.T) {
	cfg, err := config.Load(strings.NewReader(`{`+oneCarrier+`, "coordination": {"redis": {"url_env": "CK_TEST_REDIS_URL",
		"instances": 3, "fallback": "fail_closed", "timeout": "50ms", "lease": "20s", "prefix": "app",
		"rate": {"requests": 15, "period": "1s"}}}}`), nil)
	require.NoError(t, err)
	r := cfg.Coordination.Redis
	require.NotNil(t, r)
	assert.Equal(t, config.Redis{URLEnv: "CK_TEST_REDIS_URL", Prefix: "app", Instances: 3, FailClosed: true,
		Timeout: 50e6, Lease: 20e9, Rate: &config.Rate{Requests: 15, Period: 1e9}}, *r)
	_, err = r.URL()
	require.ErrorIs(t, err, participant.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "coordination.redis.url_env: environment variable CK_TEST_REDIS_URL is not set")
	t.Setenv("CK_TEST_REDIS_URL", "redis://:secret@127.0.0.1:6379/0")
	url, err := r.URL()
	require.NoError(t, err)
	assert.Equal(t, "redis://:secret@127.0.0.1:6379/0", url)

	cfg, err = config.Load(strings.NewReader(`{`+oneCarrier+`}`), nil)
	require.NoError(t, err)
	assert.Nil(t, cfg.Coordination, "absent: nothing shared")

	_, err = config.Load(strings.NewReader(`{`+oneCarrier+`, "coordination": {"redis": {"url": "redis://:pw@h",
		"fallback": "open", "instances": 0, "rate": {"per": 2}}, "etcd": {}}}`), nil)
	require.Error(t, err)
	for _, want := range []string{
		"coordination.etcd: unknown key (accepted: redis)",
		"coordination.redis.fallback: must be \"local\" or \"fail_closed\"",
		"coordination.redis.instances: must be a positive whole number",
		"coordination.redis.url: the URL may hold a password",
		"coordination.redis.url_env: is required",
		"coordination.redis.rate.per: unknown key (accepted: burst, period, requests)",
		"coordination.redis.rate.requests: is required",
		"coordination.redis.rate.period: is required",
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "pw@", "the URL is never repeated")
}
