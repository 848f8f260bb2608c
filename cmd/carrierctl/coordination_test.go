package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/redistest"
)

// needRedis returns the machine's Redis URL and a key prefix of the
// test's own (skipped without Redis, failed under CI).
func needRedis(t *testing.T) (url, prefix string) {
	addr := redistest.Need(t)
	return "redis://" + addr, redistest.Prefix(t, addr)
}

// emulatorStats reads (and zeroes) the emulator's Twilio load counters.
func emulatorStats(t *testing.T, base string) emulator.Stats {
	resp, err := http.Get(base + emulator.AdminPrefix + "stats")
	require.NoError(t, err)
	defer resp.Body.Close()
	var stats map[string]emulator.Stats
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&stats))
	req, _ := http.NewRequest(http.MethodDelete, base+emulator.AdminPrefix+"stats", nil)
	r2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	r2.Body.Close()
	return stats["twilio"]
}

// TestUpdateAllCoordinated is the README's drill, small: three
// `update --all --config FILE` processes on three conferences of one
// account of `emulate --max-concurrent 5`; with the file's coordination
// section they hold the limit together (the emulator's peak in flight),
// with no 429; without it they get 429s.
func TestUpdateAllCoordinated(t *testing.T) {
	url, prefix := needRedis(t)
	tw := startEmulateCommand(t, "--max-concurrent", "5", "--latency", "20ms")["twilio"]
	var confs []string
	for i := range 3 {
		conf := fmt.Sprintf("CF%030d%02d", 0, i+10)
		body := fmt.Sprintf(`{"provider":"twilio","conference":%q,"participants":40}`, conf)
		resp, err := http.Post(tw.BaseURL+emulator.AdminPrefix+"conferences", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
		confs = append(confs, conf)
	}
	carrier := fmt.Sprintf(`"tw": {"provider": "twilio", "account": %q, "base_url": %q,
		"credentials": {"auth_token_env": "TWILIO_AUTH_TOKEN"}, "retry": {"max_retries": 0}}`, tw.Account, tw.BaseURL)
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared.json")
	require.NoError(t, os.WriteFile(shared, []byte(`{"carriers": {`+carrier+`},
		"coordination": {"redis": {"url_env": "CARRIERKIT_REDIS_URL", "instances": 3, "prefix": "`+prefix+`"}}}`), 0o600))
	alone := filepath.Join(dir, "alone.json")
	require.NoError(t, os.WriteFile(alone, []byte(`{"carriers": {`+carrier+`}}`), 0o600))
	env := maps.Clone(tw.Credentials)
	env["CARRIERKIT_REDIS_URL"] = url

	fleet := func(file string) (codes []int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, conf := range confs {
			wg.Go(func() {
				r := carrierctl(t, env, "update", "--all", "--config", file, "--conference", conf, "--muted", "true",
					"--concurrency", "5", "--output", "json")
				mu.Lock()
				codes = append(codes, r.code)
				mu.Unlock()
			})
		}
		wg.Wait()
		return codes
	}
	emulatorStats(t, tw.BaseURL)
	assert.Equal(t, []int{0, 0, 0}, fleet(shared))
	s := emulatorStats(t, tw.BaseURL)
	assert.LessOrEqual(t, s.PeakInFlight, 5, "the three processes held the account's limit together")
	assert.Zero(t, s.Throttled, "no 429")

	fleet(alone) // each believes it may send 5: 15 at once
	s = emulatorStats(t, tw.BaseURL)
	assert.Positive(t, s.Throttled, "without coordination the carrier refuses")
	t.Logf("without coordination: %d 429s answered, peak %d", s.Throttled, s.PeakInFlight)

	// The URL comes from the environment only; unset, the error names it.
	delete(env, "CARRIERKIT_REDIS_URL")
	r := carrierctl(t, env, "update", "--all", "--config", shared, "--conference", confs[0], "--muted", "true")
	assert.NotEqual(t, 0, r.code)
	assert.Contains(t, r.stderr, "coordination.redis.url_env: environment variable CARRIERKIT_REDIS_URL is not set")
}

// TestCoordinatedCommandsCloseRedis: get, update, list and remove through
// a --config file with a coordination section close the Redis client (and
// the carrier's connections) they opened, as update --all does: nothing
// they started is left running when the command returns.
func TestCoordinatedCommandsCloseRedis(t *testing.T) {
	url, prefix := needRedis(t)
	_, tw, _ := startEmulator(t)
	for k, v := range tw.Credentials {
		t.Setenv(k, v)
	}
	t.Setenv("CARRIERKIT_REDIS_URL", url)
	file := filepath.Join(t.TempDir(), "shared.json")
	require.NoError(t, os.WriteFile(file, []byte(fmt.Sprintf(`{"carriers": {"tw": {"provider": "twilio",
		"account": %q, "base_url": %q, "credentials": {"auth_token_env": "TWILIO_AUTH_TOKEN"}}},
		"coordination": {"redis": {"url_env": "CARRIERKIT_REDIS_URL", "prefix": %q}}}`, tw.Account, tw.BaseURL, prefix)), 0o600))
	call := tw.agent()
	for _, args := range [][]string{
		{"get", "--call", call},
		{"update", "--call", call, "--muted", "true"},
		{"list"},
		{"remove", "--call", call}, // last: the agent is gone after it
	} {
		t.Run(args[0], func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			var out, errb bytes.Buffer
			args = append(args, "--config", file, "--conference", tw.Conference)
			require.Equal(t, 0, run(context.Background(), args, &out, &errb), "stderr: %s", errb.String())
			goleak.VerifyNone(t, before)
		})
	}
}
