package main

// Issue 20's reproductions, each as a test of the behaviour it asked for.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/internal/emulator"
)

// TestNotLikeTheCarrier: a wrong API root (TeXML without /v2, Twilio's
// /2010-04-01 twice, a static file server) is exit 6 with a hint naming
// --base-url, never exit 3 ("the participant left"); a participant that
// really is gone is still exit 3.
func TestNotLikeTheCarrier(t *testing.T) {
	_, vendors := startAll(t)
	tw, tx := vendors["twilio"], vendors["texml"]
	static := httptest.NewServer(http.FileServer(http.Dir(t.TempDir())))
	t.Cleanup(static.Close)
	root := strings.TrimSuffix(tx.BaseURL, "/v2")
	for _, c := range []struct {
		name string
		v    vendor
		base string
	}{
		{"texml without /v2", tx, root},
		{"static file server", tw, static.URL},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"get", "--provider", c.v.name, "--base-url", c.base, "--account", c.v.Account,
				"--conference", c.v.Conference, "--call", c.v.agent()}
			r := carrierctl(t, c.v.Credentials, args...)
			assert.Equal(t, exitNotCarrier, r.code, r.stderr)
			assert.Contains(t, r.stderr, "the endpoint at "+c.base+" did not answer like a "+c.v.name+" API: check --base-url")
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"))

			r = carrierctl(t, c.v.Credentials, append(args, "--output", "json")...)
			var out struct{ Error errorReport }
			require.NoError(t, json.Unmarshal([]byte(r.stderr), &out), r.stderr)
			assert.Equal(t, "not_carrier_api", out.Error.Code)
			assert.Equal(t, "--base-url", out.Error.Flag)
			assert.Equal(t, exitNotCarrier, out.Error.ExitCode)
		})
	}
	// A root that already ends with the path the adapter adds is refused
	// before anything is sent.
	doubled := carrierctl(t, tw.Credentials, "get", "--provider", "twilio", "--base-url", tw.BaseURL+"/2010-04-01",
		"--conference", tw.Conference, "--call", "agent")
	assert.Equal(t, exitInvalid, doubled.code, doubled.stderr)
	assert.Contains(t, doubled.stderr, "--base-url: "+tw.BaseURL+"/2010-04-01 ends with /2010-04-01, which the twilio adapter adds itself")
	gone := carrierctl(t, tw.Credentials, "get", "--provider", "twilio", "--base-url", tw.BaseURL,
		"--conference", tw.Conference, "--call", "nobody")
	assert.Equal(t, exitNotFound, gone.code, "the carrier's own 404 still means not found: %s", gone.stderr)
}

// TestConformanceAgainstStaticServer: conformance against something that is
// not the carrier's API reports that once, as the cause, and stops.
func TestConformanceAgainstStaticServer(t *testing.T) {
	static := httptest.NewServer(http.FileServer(http.Dir(t.TempDir())))
	t.Cleanup(static.Close)
	_, v, _ := twilioEmulator(t)
	r := runInProcess(t, conformanceArgs(v, static.URL)...)
	assert.Equal(t, exitNotCarrier, r.code, r.stdout+r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "did not answer like a twilio API"), r.stderr)
	assert.Contains(t, r.stderr, "conformance stopped after core.fetch.mapping")
	assert.Equal(t, 1, strings.Count(r.stdout, "FAIL "), "one check failed, the rest not run:\n%s", r.stdout)
	assert.NotContains(t, r.stdout, "CERTIFIED")
}

// TestConformanceSpecs: a --specs that does not exist is a usage error
// (it used to turn the spec check NA and still certify), and the default
// lookup does not depend on the current directory.
func TestConformanceSpecs(t *testing.T) {
	e, v, base := twilioEmulator(t)
	r := runInProcess(t, conformanceArgs(v, base, "--specs", "/nonexistent")...)
	assert.Equal(t, exitInvalid, r.code, r.stdout)
	assert.Contains(t, r.stderr, "--specs: /nonexistent is not a directory")
	assert.Empty(t, r.stdout)
	assert.Empty(t, requests(t, e, "twilio"), "nothing sent")
	r = runInProcess(t, conformanceArgs(v, base, "--specs", t.TempDir())...)
	assert.Equal(t, exitInvalid, r.code, r.stdout)
	assert.Contains(t, r.stderr, "has no readable twilio_api_v2010.json")

	t.Setenv("CARRIERKIT_SPECS", "")
	t.Chdir(t.TempDir()) // far from the module
	dir, err := defaultSpecsDir()
	require.NoError(t, err, "found beside the module carrierctl was built from")
	_, err = os.Stat(filepath.Join(dir, "twilio_api_v2010.json"))
	assert.NoError(t, err)
}

// TestConformanceConfigWithoutCarrier: --config without --carrier
// certifies the carrier the account or ids identify (not the router), or
// refuses clearly when they fit several.
func TestConformanceConfigWithoutCarrier(t *testing.T) {
	_, vendors := startAll(t)
	tw, tx := vendors["twilio"], vendors["texml"]
	path := filepath.Join(t.TempDir(), "carriers.json")
	file := fmt.Sprintf(`{"carriers": {
	  "us": {"provider": "twilio", "account": %q, "base_url": %q, "credentials": {"auth_token_env": "EMU_TWILIO_TOKEN"}},
	  "tx": {"provider": "texml", "account": %q, "base_url": %q, "credentials": {"api_key_env": "EMU_TELNYX_KEY"}}
	}}`, tw.Account, tw.BaseURL, tx.Account, tx.BaseURL)
	require.NoError(t, os.WriteFile(path, []byte(file), 0o600))
	t.Setenv("EMU_TWILIO_TOKEN", tw.Credentials["TWILIO_AUTH_TOKEN"])
	t.Setenv("EMU_TELNYX_KEY", tx.Credentials["TELNYX_API_KEY"])
	jsonl := filepath.Join(t.TempDir(), "r.jsonl")
	r := runInProcess(t, "conformance", "--config", path, "--account", tw.Account, "--conference", tw.Conference,
		"--call", "agent", "--json", jsonl)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	rep := readJSONLines(t, jsonl)
	assert.Equal(t, "us", rep.manifest.Carrier, "the carrier the account names is certified")
	assert.Equal(t, "twilio", rep.manifest.Provider)

	r = runInProcess(t, "conformance", "--config", path, "--conference", "conf-1", "--call", "agent")
	assert.Equal(t, exitInvalid, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "--carrier: give the carrier of "+path+" to certify")
}

// TestLabelAddressingNAWithoutLabel: label.addressing with a --call that
// has no label is NA, with the reason, not a failure.
func TestLabelAddressingNAWithoutLabel(t *testing.T) {
	e := emulated.New()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	v, err := e.Vendor("texml")
	require.NoError(t, err)
	setCredentials(t, v)
	t.Setenv("CARRIERKIT_SPECS", t.TempDir()) // no spec: loading Telnyx's takes seconds
	jsonl := filepath.Join(t.TempDir(), "r.jsonl")
	r := runInProcess(t, "conformance", "--provider", "texml", "--base-url", srv.URL+v.Root, "--account", v.Account,
		"--conference", v.Conference, "--call", v.Participants[1].Call, "--call2", v.Participants[0].Call,
		"--profile", "full", "--json", jsonl)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	rep := readJSONLines(t, jsonl)
	assert.Equal(t, "NA", rep.status("label.addressing"))
	for _, c := range rep.checks {
		if c["function"] == "label.addressing" {
			assert.Contains(t, c["message"], "has no label")
		}
	}
}

// TestSmallerOnes: list --help offers no --call, help COMMAND is the
// command's help, --version, the emulator's participant count, the demo
// says it set Failures: 1.
func TestSmallerOnes(t *testing.T) {
	r := carrierctl(t, nil, "list", "--help")
	assert.NotRegexp(t, `(?m)^  -+call\b`, r.stdout)
	assert.Contains(t, r.stdout, "--conference")
	help := carrierctl(t, nil, "help", "update")
	assert.Equal(t, 0, help.code)
	assert.Equal(t, carrierctl(t, nil, "update", "--help").stdout, help.stdout)
	v := carrierctl(t, nil, "--version")
	assert.Equal(t, 0, v.code)
	assert.Regexp(t, `^carrierctl \S+.* go1\.\d+`, v.stdout)

	vendors := startEmulateCommand(t, "--participants", "50")
	for name, vi := range vendors {
		assert.Equal(t, 50, vi.ParticipantCount, name)
	}
	demo := carrierctl(t, nil, "demo")
	assert.Contains(t, demo.stdout, "the demo sets the breaker to open after 1 failure (router.BreakerSettings{Failures: 1}; the default is 5)")
	assert.NotContains(t, demo.stdout, "(last error: unknown)")
}

// TestFailoverErrorNamesAttempts: an update that fails on every endpoint
// says how many attempts it made, on which endpoints.
func TestFailoverErrorNamesAttempts(t *testing.T) {
	ctx := t.Context()
	cmd, info, stderr := startEmulate(ctx, t, "--endpoints", "2", "--fault", "twilio:503:always")
	defer func() {
		require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		require.NoError(t, cmd.Wait(), "emulate exits 0 on SIGINT; stderr: %s", stderr.String())
	}()
	tw := vendor{"twilio", info["twilio"]}
	path := filepath.Join(t.TempDir(), "carriers.json")
	file := fmt.Sprintf(`{"carriers": {"us": {"provider": "twilio", "account": %q, "endpoints": [%q, %q],
	  "credentials": {"auth_token_env": "EMU_TWILIO_TOKEN"}, "retry": {"max_retries": 2, "wait_min": "1ms", "wait_max": "1ms"}}}}`,
		tw.Account, tw.BaseURLs[0], tw.BaseURLs[1])
	require.NoError(t, os.WriteFile(path, []byte(file), 0o600))
	r := carrierctl(t, map[string]string{"EMU_TWILIO_TOKEN": tw.Credentials["TWILIO_AUTH_TOKEN"]}, "update", "--config", path,
		"--conference", tw.Conference, "--call", "agent", "--muted", "true")
	assert.Equal(t, exitUnavailable, r.code, r.stderr)
	hosts := []string{strings.TrimPrefix(tw.BaseURLs[0], "http://"), strings.TrimPrefix(tw.BaseURLs[1], "http://")}
	assert.Regexp(t, regexp.MustCompile(`after \d+ attempt\(s\) on endpoint\(s\) `+regexp.QuoteMeta(hosts[0])+`, `+regexp.QuoteMeta(hosts[1])), r.stderr)
}

// TestLostAnnouncementSaysSo: an announcement whose endpoint hangs fails
// saying it was not sent again and may have played.
func TestLostAnnouncementSaysSo(t *testing.T) {
	e, tw, _ := startEmulator(t)
	require.NoError(t, e.Inject(emulator.Fault{Provider: "twilio", Delay: 10 * time.Second, Times: -1}))
	r := carrierctl(t, tw.Credentials, append([]string{"update", "--announce-url", "https://example.com/a.xml",
		"--attempt-timeout", "200ms", "--max-retries", "0"}, tw.args()...)...)
	assert.Equal(t, exitUnavailable, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the announcement was not sent again (an announcement is never replayed after an ambiguous failure) and may have played")

	r = carrierctl(t, tw.Credentials, append([]string{"update", "--muted", "true",
		"--attempt-timeout", "200ms", "--max-retries", "0"}, tw.args()...)...)
	assert.NotContains(t, r.stderr, "announcement", "no announcement, no note")
}
