package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"go.uber.org/goleak"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/bandwidth/bandwidthtest"
	"github.com/carrierkit/carrierkit/providers/router"
	"github.com/carrierkit/carrierkit/providers/signalwire/signalwiretest"
	"github.com/carrierkit/carrierkit/providers/texml/texmltest"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// bin is carrierctl, built once for the whole test binary.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "carrierctl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "carrierctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if err := goleak.Find(); code == 0 && err != nil {
		fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// carrierctl runs the binary with env added to an environment cleared of
// carrier credentials.
func carrierctl(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cleanEnv(env)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return r
}

// credentialPrefixes are the prefixes of every registered carrier's
// environment variables (TWILIO_, BANDWIDTH_, …).
func credentialPrefixes() []string {
	var out []string
	for _, c := range emulated.Carriers() {
		_, d := c.New()
		for k := range d.Credentials {
			prefix, _, _ := strings.Cut(k, "_")
			out = append(out, prefix+"_")
		}
	}
	return out
}

func cleanEnv(env map[string]string) []string {
	var out []string
	prefixes := credentialPrefixes()
	for _, kv := range os.Environ() {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(kv, p) }) {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// vendor is one vendor of a running emulator, as a test reaches it.
type vendor struct {
	name string
	emulator.VendorInfo
}

// agent is how the vendor's demo agent is addressed: by label where the
// carrier has labels, else by call id.
func (v vendor) agent() string {
	if l := v.Participants[0].Label; l != "" {
		return l
	}
	return v.Participants[0].Call
}

// args are the flags that address the vendor's demo agent.
func (v vendor) args(extra ...string) []string {
	return append([]string{"--provider", v.name, "--base-url", v.BaseURL, "--account", v.Account,
		"--conference", v.Conference, "--call", v.agent()}, extra...)
}

// secrets are the vendor's credentials as they could leak: raw and in a
// Basic header (user:secret for any two of them).
func (v vendor) secrets() []string {
	var raw, all []string
	for _, c := range v.Credentials {
		all = append(all, c)
		if c != v.Account { // an account id is not a secret
			raw = append(raw, c)
		}
	}
	s := slices.Clone(raw)
	for _, user := range all {
		for _, secret := range raw {
			s = append(s, base64.StdEncoding.EncodeToString([]byte(user+":"+secret)))
		}
	}
	return s
}

// startEmulator serves an in-process emulator and returns its vendors.
func startEmulator(t *testing.T) (*emulator.Emulator, vendor, vendor) {
	e := emulated.New()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	info := e.Info(srv.URL)
	return e, vendor{"twilio", info["twilio"]}, vendor{"texml", info["texml"]}
}

// startAll serves an in-process emulator and returns every vendor by name.
func startAll(t *testing.T) (*emulator.Emulator, map[string]vendor) {
	e := emulated.New()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	out := map[string]vendor{}
	for name, info := range e.Info(srv.URL) {
		out[name] = vendor{name, info}
	}
	return e, out
}

func requests(t *testing.T, e *emulator.Emulator, provider string) []emulator.Request {
	reqs, err := e.Requests(provider)
	require.NoError(t, err)
	return reqs
}

// assertOneLine checks stderr is one line holding want and no secret.
func assertOneLine(t *testing.T, r result, v vendor, want string) {
	t.Helper()
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "stderr: %q", r.stderr)
	assert.Contains(t, r.stderr, want)
	for _, s := range v.secrets() {
		assert.NotContains(t, r.stderr+r.stdout, s)
	}
}

func TestUpdate(t *testing.T) {
	e, tw, tx := startEmulator(t)
	for _, v := range []vendor{tw, tx} {
		t.Run(v.name, func(t *testing.T) {
			args := v.args("--muted", "true", "--hold=true", "--hold-url", "https://example.com/hold.xml",
				"--hold-method", "get", "--beep-on-exit", "false")
			r := carrierctl(t, v.Credentials, append([]string{"update", "--output", "json"}, args...)...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			var p participant.Participant
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &p))
			assert.Equal(t, v.name, p.Provider)
			assert.Equal(t, v.Participants[0].Call, p.CallID)
			assert.True(t, p.Muted)
			assert.True(t, p.Hold)

			reqs := requests(t, e, v.name)
			assert.Equal(t, "Muted=true&Hold=true&HoldUrl=https%3A%2F%2Fexample.com%2Fhold.xml&HoldMethod=GET&BeepOnExit=false",
				reqs[len(reqs)-1].Body, "only the fields given, false sent")

			r = carrierctl(t, v.Credentials, append([]string{"update"}, v.args("--muted=false", "--output", "table")...)...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Regexp(t, `(?m)^muted\s+false$`, r.stdout)
			assert.Regexp(t, `(?m)^hold\s+true$`, r.stdout, "a field left out is left as is")
		})
	}
	t.Run("empty value counts as set", func(t *testing.T) {
		r := carrierctl(t, tw.Credentials, append([]string{"update"}, tw.args("--wait-url", "")...)...)
		require.Equal(t, 0, r.code, r.stderr)
		reqs := requests(t, e, "twilio")
		assert.Equal(t, "WaitUrl=", reqs[len(reqs)-1].Body)
	})
}

func TestGet(t *testing.T) {
	e, tw, tx := startEmulator(t)
	for _, v := range []vendor{tw, tx} {
		r := carrierctl(t, v.Credentials, append([]string{"get", "--output", "table"}, v.args()...)...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Regexp(t, `(?m)^provider\s+`+v.name+`$`, r.stdout)
		assert.Regexp(t, `(?m)^call_id\s+`+v.Participants[0].Call+`$`, r.stdout)
		reqs := requests(t, e, v.name)
		assert.Equal(t, "GET", reqs[len(reqs)-1].Method)
	}
}

// TestExitCodes runs the binary against the in-process emulator for each
// exit code; stderr is always one line that names the problem.
func TestExitCodes(t *testing.T) {
	cases := []struct {
		name   string
		code   int
		vendor string // "twilio" or "texml"
		env    map[string]string
		fault  *emulator.Fault
		args   []string
		stderr string
		sent   int // requests the emulator must have received; -1: don't check
	}{
		{name: "unsupported field", code: 2, vendor: "texml", args: []string{"--wait-url", "https://example.com/w.xml", "--wait-method", "POST"},
			stderr: "unsupported: --wait-method: not supported by texml"},
		{name: "bandwidth unsupported field", code: 2, vendor: "bandwidth", args: []string{"--hold-url", "https://example.com/h.xml"},
			stderr: "unsupported: --hold-url: not supported by bandwidth"},
		{name: "bandwidth coaching stop with a call", code: 2, vendor: "bandwidth", args: []string{"--coaching", "false", "--coach-call",
			bandwidthtest.DemoCustomerCall}, stderr: "invalid argument: --coach-call: cannot be set with --coaching=false"},
		{name: "bandwidth label", code: 2, vendor: "bandwidth", args: []string{"--call", "agent", "--muted", "true"},
			stderr: "invalid argument: --call: must be a Bandwidth call id"},
		{name: "signalwire unsupported field", code: 2, vendor: "signalwire", args: []string{"--end-conference-on-exit", "true"},
			stderr: "unsupported: --end-conference-on-exit: not supported by signalwire"},
		{name: "bandwidth not found", code: 3, vendor: "bandwidth", args: []string{"--call", "c-0000", "--muted", "true"},
			stderr: "not found (HTTP 404, code not-found)", sent: 1},
		{name: "invalid value", code: 2, vendor: "twilio", args: []string{"--hold-url", "not a url"}, stderr: "invalid argument: --hold-url: must be an absolute http or https URL"},
		{name: "nothing to update", code: 2, vendor: "twilio", stderr: "nothing to update"},
		{name: "bad flag value", code: 2, vendor: "twilio", args: []string{"--muted", "maybe"},
			stderr: `--muted: invalid value "maybe": must be true or false`},
		{name: "bad duration", code: 2, vendor: "twilio", args: []string{"--muted", "true", "--timeout", "abc"},
			stderr: `--timeout: invalid value "abc": want a duration such as 30s, 1m30s or 500ms`},
		{name: "bad count", code: 2, vendor: "twilio", args: []string{"--muted", "true", "--max-retries", "x"},
			stderr: `--max-retries: invalid value "x": want a whole number`},
		{name: "coaching without its call", code: 2, vendor: "twilio", args: []string{"--coaching", "true"},
			stderr: "invalid argument: --coaching: true needs --coach-call"},
		{name: "missing credentials", code: 2, vendor: "texml", env: map[string]string{"TELNYX_API_KEY": ""}, args: []string{"--muted", "true"},
			stderr: "api_key_env: environment variable TELNYX_API_KEY is not set"},
		{name: "carrier rejects", code: 2, vendor: "texml", fault: &emulator.Fault{Status: 422, Code: "10015"},
			args: []string{"--muted", "true"}, stderr: "(HTTP 422, code 10015)", sent: 1},
		{name: "not found", code: 3, vendor: "twilio", args: []string{"--call", "nobody", "--muted", "true"},
			stderr: "not found (HTTP 404, code 20404)", sent: 1},
		{name: "wrong token", code: 4, vendor: "twilio", env: map[string]string{"TWILIO_AUTH_TOKEN": "wrong"}, args: []string{"--muted", "true"},
			stderr: "unauthenticated (HTTP 401, code 20003): Authenticate", sent: 1},
		{name: "wrong key", code: 4, vendor: "texml", env: map[string]string{"TELNYX_API_KEY": "wrong"}, args: []string{"--muted", "true"},
			stderr: "unauthenticated (HTTP 401, code 10009)", sent: 1},
		{name: "unavailable after retries", code: 5, vendor: "twilio", fault: &emulator.Fault{Status: 503, Times: -1},
			args: []string{"--muted", "true", "--max-retries", "2", "--retry-wait", "1ms"}, stderr: "unavailable (HTTP 503, code 20503)", sent: 3},
		{name: "rate limited", code: 5, vendor: "texml", fault: &emulator.Fault{Status: 429, Times: -1},
			args: []string{"--hold", "false", "--max-retries", "0"}, stderr: "rate limited (HTTP 429", sent: 1},
		{name: "attempt timeout", code: 5, vendor: "twilio", fault: &emulator.Fault{Delay: 10 * time.Second, Times: -1},
			args:   []string{"--muted", "true", "--attempt-timeout", "100ms", "--max-retries", "1", "--retry-wait", "1ms"},
			stderr: "deadline exceeded", sent: 2},
		{name: "malformed answer", code: 1, vendor: "twilio", fault: &emulator.Fault{Malformed: true},
			args: []string{"--muted", "true"}, stderr: "unknown: cannot decode response body", sent: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, vendors := startAll(t)
			v := vendors[tc.vendor]
			if tc.fault != nil {
				f := *tc.fault
				f.Provider = v.name
				require.NoError(t, e.Inject(f))
			}
			env := map[string]string{}
			for k, val := range v.Credentials {
				env[k] = val
			}
			for k, val := range tc.env {
				env[k] = val
			}
			r := carrierctl(t, env, append(append([]string{"update"}, v.args()...), tc.args...)...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assertOneLine(t, r, v, tc.stderr)
			assert.Empty(t, r.stdout)
			assert.Len(t, requests(t, e, v.name), tc.sent, "requests sent")
		})
	}
}

// TestTimeoutFlagReachesTheAdapter: --timeout longer than the adapter's
// default bound (driver.DefaultTimeout) is passed to the adapter, which
// would otherwise cut the call short of it.
func TestTimeoutFlagReachesTheAdapter(t *testing.T) {
	_, vendors := startAll(t)
	v := vendors["twilio"]
	long := 2 * driver.DefaultTimeout
	r := carrierctl(t, v.Credentials, append([]string{"get", "-v", "--timeout", long.String()}, v.args()...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, driver.ParamTimeout+"="+url.QueryEscape(long.String()), "the adapter's URL carries the bound")
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args   []string
		stderr string
	}{
		{[]string{}, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"update", "--conference", "c", "--call", "x"}, "--provider or --config is required"},
		{[]string{"update", "--provider", "sip", "--conference", "c", "--call", "x"}, `--provider: unknown provider "sip" (want ` + strings.Join(providers.DefaultURLMux().Schemes(), " or ") + ")"},
		{[]string{"update", "--provider", "twilio", "--call", "x"}, "--conference is required"},
		{[]string{"get", "--provider", "twilio", "--conference", "c", "--call", "x", "--output", "yaml"}, `--output: invalid value "yaml": must be table, json or jsonl`},
		{[]string{"get", "--provider", "twilio", "extra"}, `unexpected argument "extra"`},
		{[]string{"update", "--nope"}, "--nope: unknown flag"},
		{[]string{"emulate", "--fault", "twilio:slow"}, `fault "twilio:slow"`},
		{[]string{"emulate", "--fault", "sip:503"}, `--fault: unknown provider "sip"`},
	}
	for _, tc := range cases {
		r := carrierctl(t, nil, tc.args...)
		assert.Equal(t, 2, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.stderr, tc.args)
		if len(tc.args) > 0 {
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "%v: %q", tc.args, r.stderr)
		}
	}
}

func TestHelp(t *testing.T) {
	r := carrierctl(t, nil, "--help")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "Exit codes:")
	for _, cmd := range []string{"update", "get", "emulate", "demo"} {
		r := carrierctl(t, nil, cmd, "--help")
		assert.Equal(t, 0, r.code, cmd)
		assert.Contains(t, r.stdout, "Usage: carrierctl "+cmd, cmd)
		assert.Empty(t, r.stderr, cmd)
	}
	r = carrierctl(t, nil, "update", "-h")
	for _, flag := range []string{"-muted", "-hold-url", "-wait-method", "-coach-call", "-base-url", "-config", "-output", "-v"} {
		assert.Contains(t, r.stdout, flag)
	}
}

// TestHelpMatchesRules: the help says what the neutral rules do.
func TestHelpMatchesRules(t *testing.T) {
	r := carrierctl(t, nil, "update", "--help")
	require.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "true needs --coach-call)")
	assert.NotContains(t, r.stdout, "set before", "Coaching=true always needs CallToCoach in the same request")
	r = carrierctl(t, nil, "--help")
	assert.NotContains(t, r.stdout, "nothing was sent", "a carrier's 400 or 422 also exits 2")

	e, tw, _ := startEmulator(t)
	r = carrierctl(t, tw.Credentials, append([]string{"update", "--coaching", "true"}, tw.args()...)...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--coaching: true needs --coach-call")
	assert.Empty(t, requests(t, e, "twilio"), "refused before sending")
}

func TestVerbose(t *testing.T) {
	_, tw, _ := startEmulator(t)
	r := carrierctl(t, tw.Credentials, append([]string{"update", "-v", "--muted", "true"}, tw.args()...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "carrier request")
	assert.Contains(t, r.stderr, "opening carrier")
	for _, s := range tw.secrets() {
		assert.NotContains(t, r.stderr, s)
	}
}

func TestConfigFile(t *testing.T) {
	e, tw, tx := startEmulator(t)
	path := filepath.Join(t.TempDir(), "carriers.json")
	file := fmt.Sprintf(`{"carriers": {
	  "us": {"provider": "twilio", "account": %q, "base_url": %q,
	         "credentials": {"auth_token_env": "EMU_TWILIO_TOKEN"},
	         "retry": {"max_retries": 1, "wait_min": "1ms", "wait_max": "1ms"}},
	  "tx": {"provider": "texml", "account": %q, "base_url": %q, "credentials": {"api_key_env": "EMU_TELNYX_KEY"}}
	}}`, tw.Account, tw.BaseURL, tx.Account, tx.BaseURL)
	require.NoError(t, os.WriteFile(path, []byte(file), 0o600))
	env := map[string]string{"EMU_TWILIO_TOKEN": tw.Credentials["TWILIO_AUTH_TOKEN"], "EMU_TELNYX_KEY": tx.Credentials["TELNYX_API_KEY"]}

	for carrier, v := range map[string]vendor{"us": tw, "tx": tx} {
		r := carrierctl(t, env, "update", "--output", "json", "--config", path, "--carrier", carrier, "--conference", v.Conference,
			"--call", emulator.AgentLabel, "--coaching", "true", "--coach-call", v.Participants[1].Call)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, `"coaching": true`)
	}

	// The file's retry settings: one retry, then exit 5.
	require.NoError(t, e.Inject(emulator.Fault{Provider: "twilio", Status: 503, Times: -1}))
	before := len(requests(t, e, "twilio"))
	r := carrierctl(t, env, "get", "--config", path, "--carrier", "us", "--conference", tw.Conference, "--call", "agent")
	assert.Equal(t, 5, r.code, r.stderr)
	assert.Len(t, requests(t, e, "twilio"), before+2)

	// Without --carrier, the account names the carrier.
	r = carrierctl(t, env, "get", "--output", "json", "--config", path, "--account", tx.Account, "--conference", tx.Conference, "--call", "agent")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"provider": "texml"`)
	r = carrierctl(t, env, "get", "--config", path, "--carrier", "eu", "--conference", tw.Conference, "--call", "agent")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `--carrier: `+path+` names no carrier "eu" (it names tx, us)`)

	r = carrierctl(t, nil, "get", "--config", path, "--carrier", "us", "--conference", tw.Conference, "--call", "agent")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "carriers.us.credentials.auth_token_env: environment variable EMU_TWILIO_TOKEN is not set")

	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"carriers": {"eu": {"provider": "twilio", "retry": {"wait_min": "5x"}, "regoin": "ie1"}}}`), 0o600))
	r = carrierctl(t, nil, "get", "--config", bad, "--conference", "c", "--call", "x")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "carrierctl get: config "+bad+`: carriers.eu.regoin: unknown key (accepted: account, base_url, breaker, `+
		`credentials, edge, edges, endpoints, failover, provider, region, retry, timeouts); `+
		`carriers.eu.retry.wait_min: invalid duration "5x"`+"\n", r.stderr)
}

// startEmulate runs carrierctl emulate on a free port with args added,
// and returns it with the JSON line it printed and its stderr (read it only
// after Wait: the child writes it).
func startEmulate(ctx context.Context, t *testing.T, args ...string) (*exec.Cmd, map[string]emulator.VendorInfo, *bytes.Buffer) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, append([]string{"emulate", "--listen", "127.0.0.1:0", "--output", "jsonl"}, args...)...)
	cmd.Env = cleanEnv(nil)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	var info map[string]emulator.VendorInfo
	require.NoError(t, json.Unmarshal([]byte(line), &info), line)
	return cmd, info, stderr
}

// TestEmulateCommand runs carrierctl emulate as a subprocess, reads its
// JSON line and drives both vendors through it with the printed
// credentials, then stops it with SIGINT.
func TestEmulateCommand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd, info, stderr := startEmulate(ctx, t, "--fault", "texml:503:1")
	assert.Equal(t, providers.DefaultURLMux().Schemes(), slices.Sorted(maps.Keys(info)), "every registered carrier is served")
	assert.True(t, strings.HasSuffix(info["texml"].BaseURL, "/v2"))
	assert.True(t, strings.HasSuffix(info["bandwidth"].BaseURL, "/api/v2"))

	for name := range info {
		v := vendor{name, info[name]}
		// texml's first answer is the injected 503; the retry succeeds.
		r := carrierctl(t, v.Credentials, append([]string{"update", "--output", "json", "--hold", "true", "--retry-wait", "1ms"}, v.args()...)...)
		require.Equal(t, 0, r.code, "%s: %s", name, r.stderr)
		assert.Contains(t, r.stdout, `"hold": true`, name)
		assert.Contains(t, r.stdout, `"provider": "`+name+`"`)
	}

	// Bandwidth: a PUT of JSON answered 204 and read back; a field it has
	// no place for exits 2 with nothing sent.
	bw := vendor{"bandwidth", info["bandwidth"]}
	reqs := adminRequests(t, bw.BaseURL, "bandwidth")
	require.Len(t, reqs, 2)
	assert.Equal(t, "PUT", reqs[0].Method)
	assert.Equal(t, `{"hold":true}`, reqs[0].Body)
	assert.Equal(t, "application/json", reqs[0].ContentType)
	assert.Equal(t, "GET", reqs[1].Method)
	r := carrierctl(t, bw.Credentials, append([]string{"update", "--muted", "true", "--beep-on-exit", "false"}, bw.args()...)...)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "unsupported: --beep-on-exit: not supported by bandwidth")
	assert.Len(t, adminRequests(t, bw.BaseURL, "bandwidth"), 2, "nothing sent for a refused update")

	// Faults from the admin endpoint.
	resp, err := http.Post(info["twilio"].BaseURL+"/_emulator/faults", "application/json",
		strings.NewReader(`{"provider":"twilio","status":404,"times":1}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	v := vendor{"twilio", info["twilio"]}
	r = carrierctl(t, v.Credentials, append([]string{"get"}, v.args()...)...)
	assert.Equal(t, 3, r.code, r.stderr)

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait(), "emulate exits 0 on SIGINT; stderr: %s", stderr.String())
}

func TestDemoInProcess(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"demo"}, &out, &errb)
	require.Equal(t, 0, code, errb.String())
	s := out.String()
	for _, want := range []string{
		fmt.Sprintf("one neutral update, %d carriers", len(providers.DefaultURLMux().Schemes())),
		"POST /2010-04-01/Accounts/" + twiliotest.DemoAccount + "/Conferences/" + twiliotest.DemoConference + "/Participants/agent.json",
		"POST /v2/texml/Accounts/" + texmltest.DemoAccount + "/Conferences/" + texmltest.DemoConference + "/Participants/agent",
		"PUT /api/v2/accounts/" + bandwidthtest.DemoAccount + "/conferences/" + bandwidthtest.DemoConference + "/members/" + bandwidthtest.DemoAgentCall,
		"POST /api/laml/2010-04-01/Accounts/" + signalwiretest.DemoProject + "/Conferences/" + signalwiretest.DemoConference +
			"/Participants/" + signalwiretest.DemoAgentCall + ".json",
		"Authorization: Basic (credential not shown), Content-Type: application/json",
		"Authorization: Bearer (credential not shown)",
		"neutral update:  Muted=true Hold=true",
		"texml refuses WaitURL=https://example.com/wait-music.xml WaitMethod=POST before sending (requests sent: 0)",
		"unsupported: WaitMethod: not supported by texml",
		"bandwidth refuses HoldURL=https://example.com/hold-music.xml before sending (requests sent: 0)",
		"signalwire refuses BeepOnExit=false before sending (requests sent: 0)",
	} {
		assert.Contains(t, s, want)
	}
	first := providers.DefaultURLMux().Schemes()[0] // the failover act's carrier
	assert.Contains(t, s, "failover: carrier us ("+first+") has two endpoints; the primary refuses connections")
	assert.Regexp(t, `(?m)^\s+attempt 1\s+127\.0\.0\.1:\d+\s+failover\s+unavailable$`, s)
	assert.Regexp(t, `(?m)^\s+breaker\s+127\.0\.0\.1:\d+: closed -> open \(last error: unavailable\)$`, s)
	assert.Regexp(t, `(?m)^\s+endpoint 2\s+(POST|PUT) /\S+ -> 20[04]$`, s)
	assert.NotContains(t, s, "twilio refuses", "twilio carries every field")
	// One column per carrier, in name order: the rows line up.
	row := func(title, key string, cell func(name string) string) string {
		re := `(?m)^` + title + `\s+` + key
		for _, name := range providers.DefaultURLMux().Schemes() {
			re += `\s+` + regexp.QuoteMeta(cell(name))
		}
		return re + `$`
	}
	assert.Regexp(t, row("neutral result", "provider", func(name string) string { return name }), s)
	assert.Regexp(t, row(`\s*`, "hold", func(string) string { return "true" }), s)
	agents := map[string]string{"bandwidth": bandwidthtest.DemoAgentCall, "signalwire": signalwiretest.DemoAgentCall,
		"texml": texmltest.DemoAgentCall, "twilio": twiliotest.DemoAgentCall}
	assert.Regexp(t, `(?m)^(wire body)?\s+mute\s+(-\s+)*true\s`, s, "bandwidth's JSON body has its own rows")
	assert.Regexp(t, `(?m)^\s+created\s+-\s+(-\s+)*20`, s, "bandwidth (and plivo) report no dates")
	assert.Contains(t, s, "plivo refuses HoldURL=https://example.com/hold-music.xml before sending (requests sent: 0)")
	assert.Contains(t, s, "vonage refuses HoldURL=https://example.com/hold-music.xml before sending (requests sent: 0)")
	secrets := []string{twiliotest.DemoAuthToken, texmltest.DemoAPIKey, bandwidthtest.DemoPassword, signalwiretest.DemoAPIToken}
	for _, secret := range secrets {
		assert.NotContains(t, s+errb.String(), secret)
	}

	out.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"demo", "--output", "json", "-v"}, &out, &errb))
	var rep demoReport
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))
	require.Len(t, rep.Legs, len(providers.DefaultURLMux().Schemes()))
	bodies := map[string]string{"bandwidth": `{"mute":true,"hold":true}`, "signalwire": "Muted=true&Hold=true",
		"texml": "Muted=true&Hold=true", "twilio": "Muted=true&Hold=true"}
	for _, l := range rep.Legs {
		switch want := bodies[l.Provider]; {
		case l.Provider == "plivo":
			assert.Equal(t, "{}", l.Request.Body, "plivo's verb is its path; its body is empty JSON")
		case want == "":
			assert.NotEmpty(t, l.Request.Body, l.Provider) // a carrier added later
		case strings.HasPrefix(want, "{"):
			assert.JSONEq(t, want, l.Request.Body, l.Provider)
		default:
			assert.Equal(t, want, l.Request.Body, l.Provider)
		}
		assert.True(t, l.Result.Muted && l.Result.Hold, l.Provider)
		var calls []string // the several calls of an action-verb carrier, in order
		for _, c := range l.Calls {
			calls = append(calls, c.Method+" "+c.Path[strings.LastIndex(strings.TrimSuffix(c.Path, "/"), "/"):]+" "+c.Body)
		}
		switch l.Provider {
		case "plivo":
			assert.Equal(t, []string{"POST /Mute/ {}", "POST /Deaf/ {}"}, calls, "mute before deaf")
		case "vonage":
			assert.Equal(t, []string{"PUT /" + l.CallID + ` {"action":"mute"}`, "PUT /" + l.CallID + ` {"action":"earmuff"}`}, calls,
				"mute before earmuff")
		default:
			assert.Len(t, calls, 1, l.Provider)
		}
		if agent, ok := agents[l.Provider]; ok {
			assert.Equal(t, agent, l.Result.CallID, "%s: the demo agent", l.Provider)
		}
	}
	require.GreaterOrEqual(t, len(rep.Refusals), 3, "texml, bandwidth and signalwire each refuse a field")
	for _, f := range rep.Refusals {
		assert.Equal(t, 0, f.RequestsSent, f.Provider)
	}
	require.NotNil(t, rep.Failover)
	// The primary refused: the update (and a 204 carrier's read-back) went
	// to endpoint 2, once, as the same carrier's main leg sent it.
	require.Equal(t, rep.Legs[0].Provider, rep.Failover.Provider)
	require.NotEmpty(t, rep.Failover.Requests)
	var updates []emulator.Request
	for _, r := range rep.Failover.Requests {
		assert.Equal(t, 2, r.Endpoint)
		if r.Method != http.MethodGet {
			updates = append(updates, r)
		}
	}
	require.Len(t, updates, 1, "one update, not replayed")
	assert.Equal(t, rep.Legs[0].Request.Method+" "+rep.Legs[0].Request.Path, updates[0].Method+" "+updates[0].Path)
	assert.Equal(t, router.StateOpen, rep.Failover.Health[0].Endpoints[0].State)
	assert.True(t, rep.Failover.Result.Muted)
	assert.Contains(t, errb.String(), "carrier request", "-v logs")
	for _, secret := range secrets {
		assert.NotContains(t, errb.String(), secret)
	}
}

// TestRegistry: every registered carrier (adapter scheme) has a fake in the
// emulator, and --help, update --help, emulate --help and the demo name it;
// none of them names a carrier that is not registered.
func TestRegistry(t *testing.T) {
	schemes := providers.DefaultURLMux().Schemes()
	var fakes []string
	for _, c := range emulated.Carriers() {
		fakes = append(fakes, c.Name)
	}
	assert.Equal(t, schemes, fakes, "each adapter has a fake registered with the emulator, and no fake lacks an adapter")
	require.GreaterOrEqual(t, len(schemes), 4)

	help := carrierctl(t, nil, "--help").stdout
	update := carrierctl(t, nil, "update", "--help").stdout
	emulate := carrierctl(t, nil, "emulate", "--help").stdout
	demo := carrierctl(t, nil, "demo", "--output", "json")
	require.Equal(t, 0, demo.code, demo.stderr)
	var rep demoReport
	require.NoError(t, json.Unmarshal([]byte(demo.stdout), &rep))
	var legs []string
	for _, l := range rep.Legs {
		legs = append(legs, l.Provider)
	}
	assert.Equal(t, schemes, legs, "the demo walks every carrier")
	for _, c := range emulated.Carriers() {
		assert.Regexp(t, `(?m)^  `+c.Name+`\s+\S`, help, "--help lists %s with its credentials", c.Name)
		assert.Contains(t, update, c.Name, "update --help names %s", c.Name)
		assert.Contains(t, emulate, c.Name+" under "+c.Prefix+"/")
	}
}

// adminRequests reads provider's recorded requests from a running
// emulator's admin API (base is any of its base URLs).
func adminRequests(t *testing.T, base, provider string) []emulator.Request {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	resp, err := http.Get(u.Scheme + "://" + u.Host + "/_emulator/requests?provider=" + provider)
	require.NoError(t, err)
	defer resp.Body.Close()
	var reqs []emulator.Request
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&reqs))
	return reqs
}

func TestDemoBinary(t *testing.T) {
	r := carrierctl(t, nil, "demo")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "wire requests")
	assert.Contains(t, r.stdout, "requests sent: 0")
}

func TestTriStateFlags(t *testing.T) {
	var req participant.UpdateRequest
	fs := newFlagSet("t", "t")
	fs.Var(boolFlag{&req.Muted}, "muted", "")
	fs.Var(boolFlag{&req.Hold}, "hold", "")
	fs.Var(stringFlag{&req.WaitURL}, "wait-url", "")
	fs.Var(stringFlag{&req.HoldURL}, "hold-url", "")
	fs.Var(methodFlag{&req.HoldMethod}, "hold-method", "")
	require.NoError(t, parse(fs, []string{"--muted", "false", "--wait-url", "", "--hold-method", "post"}, nil))
	assert.Equal(t, participant.Bool(false), req.Muted)
	assert.Nil(t, req.Hold, "left out: leave as is")
	assert.Equal(t, participant.String(""), req.WaitURL, "empty but set")
	assert.Nil(t, req.HoldURL)
	assert.Equal(t, participant.MethodPOST, req.HoldMethod)
	assert.Error(t, parse(fs, []string{"--muted"}, nil), "a bool field takes a value")
	assert.Error(t, parse(fs, []string{"--hold-method", ""}, nil))
}
