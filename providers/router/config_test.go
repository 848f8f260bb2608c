package router_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/config"
	"github.com/carrierkit/carrierkit/providers/router"
)

// TestOpenRouter: two carriers, two endpoints for one; the first refuses
// connections, the update goes through the second.
func TestOpenRouter(t *testing.T) {
	tw, tx := newTwilio(t, 2, 1), newTeXML(t, 1)
	t.Setenv("CK_TW_TOKEN", twilioToken)
	t.Setenv("CK_TX_KEY", texmlKey)
	file := `{"carriers": {
	  "us": {"provider": "twilio", "account": "` + tw.account + `",
	         "endpoints": ["` + tw.urls[0] + `", "` + tw.urls[1] + `"],
	         "credentials": {"auth_token_env": "CK_TW_TOKEN"},
	         "retry": {"max_retries": 2, "wait_min": "1ms", "wait_max": "5ms"},
	         "breaker": {"failures": 1, "cool_down": "1h"}, "failover": {"attempt_timeout": "3s"}},
	  "telnyx": {"provider": "texml", "account": "` + tx.account + `", "base_url": "` + tx.urls[0] + `/v2",
	             "credentials": {"api_key_env": "CK_TX_KEY"}}
	}}`
	cfg, err := config.Load(strings.NewReader(file), nil)
	require.NoError(t, err)
	p := config.PolicyOf(cfg.Carriers["us"])
	assert.Equal(t, 2, p.Retry.MaxRetries)
	obs := new(recorder)
	r, err := config.OpenRouter(context.Background(), cfg, router.Options{Observer: obs})
	require.NoError(t, err)
	assert.Equal(t, []string{"telnyx", "us"}, r.Carriers())

	_, err = r.Client().Update(context.Background(), tw.ref, mute) // routed by account
	require.NoError(t, err)
	_, err = r.Client().Update(context.Background(), tx.ref, mute)
	require.NoError(t, err)
	h := r.Health()
	require.Len(t, h, 2)
	assert.Equal(t, "texml", h[0].Provider)
	assert.Equal(t, router.StateOpen, h[1].Endpoints[0].State, "failures: 1 opens it at once")
	assert.Equal(t, strings.TrimPrefix(tw.urls[0], "http://"), h[1].Endpoints[0].Name)
	assert.Equal(t, 1, tw.onEndpoint(2))
	assert.Len(t, tx.fake.Requests(), 1)

	// An unset credential is reported at its JSON path.
	t.Setenv("CK_TX_KEY", "")
	_, err = config.OpenRouter(context.Background(), cfg, router.Options{})
	require.ErrorIs(t, err, participant.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "carriers.telnyx.credentials.api_key_env")
}
