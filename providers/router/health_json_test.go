package router_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
)

// TestEndpointHealthJSON: the last error's code is in the JSON by name,
// and an endpoint that never failed has none (not "unknown").
func TestEndpointHealthJSON(t *testing.T) {
	failed := router.EndpointHealth{Name: "a", LastCode: participant.CodeUnavailable,
		LastError: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Requests: 2, Failures: 1, Answers: 1}
	b, err := json.Marshal(failed)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"last_code":"unavailable"`)
	assert.Contains(t, string(b), `"state":"closed"`)
	var back router.EndpointHealth
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, failed, back)

	b, err = json.Marshal(router.EndpointHealth{Name: "b", Requests: 3, Answers: 3})
	require.NoError(t, err)
	assert.NotContains(t, string(b), "last_code")
	assert.NotContains(t, string(b), "unknown")
}
