package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/emulator"
)

// TestFailoverBinary runs the built carrierctl: emulate --endpoints 2 with
// endpoint 1 refusing connections, then update --config FILE, which
// exits 0 through endpoint 2.
func TestFailoverBinary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, info, stderr := startEmulate(ctx, t, "--endpoints", "2", "--fault", "refuse@1")
	tw, tx := vendor{"twilio", info["twilio"]}, vendor{"texml", info["texml"]}
	require.Len(t, tw.BaseURLs, 2)
	require.Equal(t, tw.BaseURL, tw.BaseURLs[0])

	// Endpoint 1 refuses connections.
	_, err := http.Get(tw.BaseURLs[0] + "/_emulator/info")
	require.ErrorIs(t, err, syscall.ECONNREFUSED)

	// Two carriers; us fails over between the two endpoints.
	path := filepath.Join(t.TempDir(), "carriers.json")
	file := fmt.Sprintf(`{"carriers": {
	  "us": {"provider": "twilio", "account": %q, "endpoints": [%q, %q],
	         "credentials": {"auth_token_env": "EMU_TWILIO_TOKEN"},
	         "breaker": {"failures": 1, "cool_down": "1m"}, "failover": {"attempt_timeout": "5s"}},
	  "telnyx": {"provider": "texml", "account": %q, "endpoints": [%q, %q], "credentials": {"api_key_env": "EMU_TELNYX_KEY"}}
	}}`, tw.Account, tw.BaseURLs[0], tw.BaseURLs[1], tx.Account, tx.BaseURLs[0], tx.BaseURLs[1])
	require.NoError(t, os.WriteFile(path, []byte(file), 0o600))
	env := map[string]string{"EMU_TWILIO_TOKEN": tw.Credentials["TWILIO_AUTH_TOKEN"], "EMU_TELNYX_KEY": tx.Credentials["TELNYX_API_KEY"]}

	for _, v := range []vendor{tw, tx} {
		r := carrierctl(t, env, "update", "-v", "--output", "json", "--config", path, "--account", v.Account, "--conference", v.Conference,
			"--call", emulator.AgentLabel, "--muted", "true", "--announce-url", "https://example.com/"+v.name+".xml")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, `"muted": true`)
		assert.Contains(t, r.stderr, "carrier attempt")
		assert.Contains(t, r.stderr, `"outcome": "failover"`)
		if v.name == "twilio" { // "failures": 1 opens its breaker at once
			assert.Contains(t, r.stderr, "carrier endpoint breaker")
			assert.Contains(t, r.stderr, `"to": "open"`)
		}
		for _, s := range v.secrets() {
			assert.NotContains(t, r.stderr+r.stdout, s)
		}
	}

	// The emulator's log: each update arrived once, on endpoint 2.
	resp, err := http.Get(tw.BaseURLs[1] + "/_emulator/requests")
	require.NoError(t, err)
	defer resp.Body.Close()
	var reqs []emulator.Request
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&reqs))
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, 2, r.Endpoint)
		assert.Equal(t, http.StatusOK, r.Status)
		assert.Contains(t, r.Body, "AnnounceUrl=")
	}

	// Clearing the faults brings endpoint 1 back.
	req, err := http.NewRequest(http.MethodDelete, tw.BaseURLs[1]+"/_emulator/faults", nil)
	require.NoError(t, err)
	resp2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp2.Body.Close()
	resp3, err := http.Get(tw.BaseURLs[0] + "/_emulator/info")
	require.NoError(t, err)
	resp3.Body.Close()
	assert.Equal(t, http.StatusOK, resp3.StatusCode)

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait(), "emulate exits 0 on SIGINT; stderr: %s", stderr.String())
}
